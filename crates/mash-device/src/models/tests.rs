use mash_core::cbor::Value;
use mash_core::model::features::charging_session::attr as cs;
use mash_core::model::features::device_info::{attr as di, cmd as dicmd};
use mash_core::model::features::electrical::attr as el;
use mash_core::model::features::energy_control::{attr as ec, cmd as eccmd};
use mash_core::model::features::test_control::attr as tc;
use mash_core::model::features::{self, limit_source};
use mash_core::model::{Device, EndpointType, FeatureType, global};

use super::use_cases::{id, scenario};
use super::*;

fn model(kind: DeviceKind) -> Device {
    build(kind, &Identity::for_kind(kind), ModelOptions::default())
}

fn get(d: &Device, ep: u8, ty: FeatureType, attr: u16) -> Value {
    d.get(ep, ty, attr).cloned().unwrap_or_else(|| {
        panic!("{ty} attribute {attr} missing on endpoint {ep}");
    })
}

fn has(d: &Device, ep: u8, ty: FeatureType, name: &str) -> bool {
    let def = features::def(ty).unwrap();
    let attr = def
        .attribute_named(name)
        .unwrap_or_else(|| panic!("{name}"));
    d.feature(ep, ty)
        .is_some_and(|f| f.supported(attr.id).is_some())
}

#[test]
fn endpoint_0_identifies_the_device() {
    for kind in DeviceKind::ALL {
        let identity = Identity {
            device_label: Some("garage".into()),
            ..Identity::for_kind(kind)
        };
        let d = build(kind, &identity, ModelOptions::default());
        let info = |attr| get(&d, 0, FeatureType::DeviceInfo, attr);
        assert_eq!(
            d.endpoint(0).unwrap().endpoint_type,
            EndpointType::DeviceRoot
        );
        assert_eq!(
            info(di::DEVICE_ID),
            Value::from(identity.serial_number.as_str())
        );
        assert_eq!(info(di::VENDOR_NAME), Value::from("mash-rs"));
        assert_eq!(
            info(di::PRODUCT_NAME),
            Value::from(identity.product_name.as_str())
        );
        assert_eq!(
            info(di::SERIAL_NUMBER),
            Value::from(identity.serial_number.as_str())
        );
        assert_eq!(info(di::VENDOR_ID), Value::from(0xfff1u32));
        assert!(info(di::PRODUCT_ID).as_u64().is_some());
        assert_eq!(
            info(di::SOFTWARE_VERSION),
            Value::from(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(info(di::HARDWARE_VERSION), Value::from("sim-1"));
        assert_eq!(info(di::SPEC_VERSION), Value::from("1.0"));
        assert_eq!(info(di::LABEL), Value::from("garage"));
        assert_eq!(info(di::LOCATION), Value::Null);
        assert_eq!(info(di::ZONE_COUNT), Value::Uint(0));
        let root = d.feature(0, FeatureType::DeviceInfo).unwrap();
        assert!(root.accepts_command(dicmd::REMOVE_ZONE));
        assert!(d.feature(0, FeatureType::TestControl).is_none());
    }
}

#[test]
fn the_endpoint_list_names_both_endpoints_and_their_features() {
    let d = model(DeviceKind::Evse);
    let list = get(&d, 0, FeatureType::DeviceInfo, di::ENDPOINTS);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let ep1 = list[1].as_map().unwrap();
    assert_eq!(ep1.get_uint(1), Some(&Value::Uint(1)));
    assert_eq!(ep1.get_uint(2), Some(&Value::Uint(0x05)));
    let ids: Vec<u64> = ep1
        .get_uint(4)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(ids, [0x02, 0x03, 0x04, 0x05, 0x06, 0x80]);
}

#[test]
fn the_appliance_endpoint_has_the_right_type_and_features() {
    use FeatureType::*;
    let expect = [
        (DeviceKind::Evse, EndpointType::EvCharger, true),
        (DeviceKind::HeatPump, EndpointType::HeatPump, false),
        (DeviceKind::Battery, EndpointType::Battery, false),
    ];
    for (kind, ty, session) in expect {
        let d = model(kind);
        let ep = d.endpoint(APPLIANCE_ENDPOINT).unwrap();
        assert_eq!(ep.endpoint_type, ty);
        for f in [Status, Electrical, Measurement, EnergyControl, LimitSource] {
            assert!(ep.feature(f).is_some(), "{kind}: {f}");
        }
        assert_eq!(ep.feature(ChargingSession).is_some(), session, "{kind}");
        assert_eq!(
            get(&d, 1, EnergyControl, ec::DEVICE_TYPE),
            Value::from(kind.device_type().value())
        );
    }
}

/// features/endpoint-conformance.yaml, mandatory and recommended.
#[test]
fn conformance_registry_attributes_are_present() {
    use FeatureType::{Electrical as E, Measurement as M};
    let table: [(DeviceKind, FeatureType, &[&str]); 6] = [
        (
            DeviceKind::Evse,
            M,
            &[
                "acActivePower",
                "acCurrentPerPhase",
                "acVoltagePerPhase",
                "acEnergyConsumed",
            ],
        ),
        (
            DeviceKind::Evse,
            E,
            &[
                "phaseCount",
                "supportedDirections",
                "nominalMaxConsumption",
                "maxCurrentPerPhase",
                "minCurrentPerPhase",
            ],
        ),
        (
            DeviceKind::HeatPump,
            M,
            &["acActivePower", "acEnergyConsumed", "temperature"],
        ),
        (
            DeviceKind::HeatPump,
            E,
            &["phaseCount", "nominalMaxConsumption"],
        ),
        (
            DeviceKind::Battery,
            M,
            &[
                "dcPower",
                "stateOfCharge",
                "dcVoltage",
                "dcCurrent",
                "dcEnergyIn",
                "dcEnergyOut",
                "stateOfHealth",
                "stateOfEnergy",
                "useableCapacity",
                "cycleCount",
                "temperature",
            ],
        ),
        (
            DeviceKind::Battery,
            E,
            &[
                "supportedDirections",
                "nominalMaxConsumption",
                "nominalMaxProduction",
                "energyCapacity",
            ],
        ),
    ];
    for (kind, ty, names) in table {
        let d = model(kind);
        for name in names {
            assert!(has(&d, 1, ty, name), "{kind} {ty}.{name}");
        }
    }
}

/// (use case, scenario bit, attributes that scenario requires)
type Needs = (u16, u32, &'static [(FeatureType, &'static str)]);

/// The attributes each declared scenario requires (usecases/1.0/*.yaml).
#[test]
fn declared_use_cases_are_backed_by_the_model() {
    use FeatureType::{
        ChargingSession as C, Electrical as E, EnergyControl as X, Measurement as M, Status as S,
    };
    let needs: &[Needs] = &[
        (
            id::GPL,
            scenario::BASE,
            &[(X, "acceptsLimits"), (X, "failsafeDuration")],
        ),
        (
            id::GPL,
            scenario::GPL_CONSUMPTION,
            &[
                (E, "nominalMaxConsumption"),
                (X, "failsafeConsumptionLimit"),
                (X, "contractualConsumptionMax"),
            ],
        ),
        (
            id::GPL,
            scenario::GPL_PRODUCTION,
            &[
                (E, "nominalMaxProduction"),
                (X, "failsafeProductionLimit"),
                (X, "contractualProductionMax"),
            ],
        ),
        (id::GPL, scenario::GPL_MEASUREMENT, &[(M, "acActivePower")]),
        (
            id::GPL,
            scenario::GPL_OVERRIDE,
            &[(X, "overrideReason"), (X, "overrideDirection")],
        ),
        (id::MPD, scenario::BASE, &[(M, "acActivePower")]),
        (
            id::MPD,
            scenario::MPD_ELECTRICAL,
            &[
                (E, "nominalMaxConsumption"),
                (E, "nominalMaxProduction"),
                (E, "energyCapacity"),
            ],
        ),
        (id::MPD, scenario::MPD_STATUS, &[(S, "operatingState")]),
        (
            id::EVC,
            scenario::BASE,
            &[(X, "acceptsLimits"), (E, "nominalMaxConsumption")],
        ),
        (
            id::EVC,
            scenario::EVC_SOC_REPORTING,
            &[
                (C, "evStateOfCharge"),
                (C, "evBatteryCapacity"),
                (C, "evMinStateOfCharge"),
                (C, "evTargetStateOfCharge"),
            ],
        ),
        (
            id::EVC,
            scenario::EVC_ASYMMETRIC_CHARGING,
            &[(X, "acceptsCurrentLimits")],
        ),
        (
            id::EVC,
            scenario::EVC_EV_DEMAND,
            &[
                (C, "evDemandMode"),
                (C, "evMinEnergyRequest"),
                (C, "evMaxEnergyRequest"),
                (C, "evTargetEnergyRequest"),
                (C, "evDepartureTime"),
            ],
        ),
        (
            id::COB,
            scenario::BASE,
            &[
                (X, "acceptsSetpoints"),
                (E, "nominalMaxConsumption"),
                (E, "nominalMaxProduction"),
            ],
        ),
        (id::COB, scenario::COB_LIMITS, &[(X, "acceptsLimits")]),
        (id::COB, scenario::COB_CONTROL_MODE, &[(X, "controlMode")]),
        (
            id::OHPCF,
            scenario::BASE,
            &[
                (X, "acceptsLimits"),
                (X, "isPausable"),
                (X, "processState"),
                (X, "optionalProcess"),
                (X, "minRunDuration"),
                (X, "minPauseDuration"),
                (X, "maxRunDuration"),
                (X, "maxPauseDuration"),
                (X, "optionalProcessPower"),
            ],
        ),
        (
            id::FLOA,
            scenario::BASE,
            &[(X, "acceptsLimits"), (E, "nominalMaxConsumption")],
        ),
    ];
    for kind in DeviceKind::ALL {
        let d = model(kind);
        let declared = get(&d, 0, FeatureType::DeviceInfo, di::USE_CASES);
        assert_eq!(declared, use_cases::value_for_kind(kind, 1));
        for uc in use_cases::for_kind(kind, APPLIANCE_ENDPOINT) {
            for (id, bit, attrs) in needs {
                if uc.id != *id || uc.scenarios & bit == 0 {
                    continue;
                }
                for (ty, name) in *attrs {
                    assert!(
                        has(&d, uc.endpoint, *ty, name),
                        "{kind} use case {id} bit {bit:#x}: {ty}.{name}"
                    );
                }
            }
        }
    }
}

#[test]
fn capability_flags_and_commands_match_each_kind() {
    // (kind, currentLimits, setpoints, currentSetpoints, pausable)
    let flags = [
        (DeviceKind::Evse, true, true, true, false),
        (DeviceKind::HeatPump, false, false, false, true),
        (DeviceKind::Battery, true, true, true, false),
    ];
    for (kind, currents, setpoints, current_setpoints, pausable) in flags {
        let d = model(kind);
        let flag = |attr| {
            get(&d, 1, FeatureType::EnergyControl, attr)
                .as_bool()
                .unwrap()
        };
        assert!(flag(ec::ACCEPTS_LIMITS), "{kind}");
        assert_eq!(flag(ec::ACCEPTS_CURRENT_LIMITS), currents, "{kind}");
        assert_eq!(flag(ec::ACCEPTS_SETPOINTS), setpoints, "{kind}");
        assert_eq!(
            flag(ec::ACCEPTS_CURRENT_SETPOINTS),
            current_setpoints,
            "{kind}"
        );
        assert_eq!(flag(ec::IS_PAUSABLE), pausable, "{kind}");
        assert!(!flag(ec::IS_STOPPABLE) && !flag(ec::IS_SHIFTABLE));
        let f = d.feature(1, FeatureType::EnergyControl).unwrap();
        assert!(f.accepts_command(eccmd::SET_LIMIT) && f.accepts_command(eccmd::CLEAR_LIMIT));
        assert_eq!(f.accepts_command(eccmd::SET_CURRENT_LIMITS), currents);
        assert_eq!(f.accepts_command(eccmd::SET_SETPOINT), setpoints);
        assert_eq!(
            f.accepts_command(eccmd::SET_CURRENT_SETPOINTS),
            current_setpoints
        );
        assert_eq!(f.accepts_command(eccmd::PAUSE), pausable);
        assert_eq!(f.accepts_command(eccmd::RESUME), pausable);
        assert!(!f.accepts_command(eccmd::STOP));
        // The effective attributes exist exactly where commands can set them.
        assert_eq!(
            f.supported(ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION)
                .is_some(),
            currents
        );
        assert_eq!(
            f.supported(ec::EFFECTIVE_CONSUMPTION_SETPOINT).is_some(),
            setpoints
        );
        let bidirectional = kind == DeviceKind::Battery;
        for attr in [
            ec::EFFECTIVE_PRODUCTION_LIMIT,
            ec::MY_PRODUCTION_LIMIT,
            ec::FAILSAFE_PRODUCTION_LIMIT,
            ec::CONTRACTUAL_PRODUCTION_MAX,
        ] {
            assert_eq!(f.supported(attr).is_some(), bidirectional, "{kind} {attr}");
        }
    }
}

#[test]
fn nameplates() {
    // (kind, phases, max consumption, max production, max current, capacity);
    // production and capacity are 0 where they do not apply ("0 if N/A").
    let plates = [
        (DeviceKind::Evse, 3, 11_000_000, Some(0), 16_000, Some(0)),
        (DeviceKind::HeatPump, 1, 4_000_000, Some(0), 20_000, Some(0)),
        (
            DeviceKind::Battery,
            3,
            5_000_000,
            Some(5_000_000),
            8_000,
            Some(10_000_000),
        ),
    ];
    for (kind, phases, max_c, max_p, max_i, cap) in plates {
        let d = model(kind);
        let e = |attr| d.get(1, FeatureType::Electrical, attr).cloned();
        assert_eq!(
            e(el::PHASE_COUNT),
            Some(Value::from(phases as u8)),
            "{kind}"
        );
        assert_eq!(
            e(el::NOMINAL_MAX_CONSUMPTION),
            Some(Value::from(max_c as i64))
        );
        assert_eq!(
            e(el::NOMINAL_MAX_PRODUCTION),
            max_p.map(|v: i64| Value::from(v))
        );
        assert_eq!(
            e(el::MAX_CURRENT_PER_PHASE),
            Some(Value::from(max_i as i64))
        );
        assert_eq!(e(el::ENERGY_CAPACITY), cap.map(|v: i64| Value::from(v)));
        assert_eq!(e(el::NOMINAL_VOLTAGE), Some(Value::from(230u16)));
        assert_eq!(e(el::NOMINAL_FREQUENCY), Some(Value::from(50u8)));
        let mapping = e(el::PHASE_MAPPING).unwrap();
        assert_eq!(mapping.as_map().unwrap().len(), phases);
    }
    let evse = model(DeviceKind::Evse);
    assert_eq!(
        evse.get(1, FeatureType::Electrical, el::MIN_CURRENT_PER_PHASE),
        Some(&Value::from(6_000i64))
    );
    let battery = model(DeviceKind::Battery);
    assert_eq!(
        battery.get(1, FeatureType::Electrical, el::SUPPORTED_DIRECTIONS),
        Some(&Value::Uint(2))
    );
}

#[test]
fn failsafe_defaults_and_contractual_maxima() {
    for kind in DeviceKind::ALL {
        let d = model(kind);
        let x = |attr| get(&d, 1, FeatureType::EnergyControl, attr);
        assert_eq!(x(ec::FAILSAFE_DURATION), Value::Uint(7200), "{kind}");
        // §14a EnWG: 4.2 kW stay available.
        assert_eq!(x(ec::FAILSAFE_CONSUMPTION_LIMIT), Value::from(4_200_000i64));
        assert_eq!(x(ec::CONTRACTUAL_CONSUMPTION_MAX), Value::Null);
        assert_eq!(x(ec::CONTROL_STATE), Value::Uint(0));
        assert_eq!(x(ec::PROCESS_STATE), Value::Uint(0));
        assert_eq!(x(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
    }
    let battery = model(DeviceKind::Battery);
    let x = |attr| get(&battery, 1, FeatureType::EnergyControl, attr);
    assert_eq!(x(ec::FAILSAFE_PRODUCTION_LIMIT), Value::Null);
    assert_eq!(x(ec::CONTRACTUAL_PRODUCTION_MAX), Value::Null);
    assert_eq!(x(ec::CONTROL_MODE), Value::Uint(0));
}

#[test]
fn feature_maps_carry_the_kind_bits() {
    use feature_map::*;
    let cases = [
        (
            DeviceKind::Evse,
            FeatureType::Electrical,
            CORE | FLEX | EMOB,
        ),
        (
            DeviceKind::Evse,
            FeatureType::ChargingSession,
            CORE | FLEX | EMOB,
        ),
        // EnergyControl never claims FLEX: no model has `flexibility`.
        (
            DeviceKind::HeatPump,
            FeatureType::EnergyControl,
            CORE | PROCESS,
        ),
        (DeviceKind::Evse, FeatureType::EnergyControl, CORE | EMOB),
        (
            DeviceKind::Battery,
            FeatureType::EnergyControl,
            CORE | BATTERY,
        ),
        (
            DeviceKind::Battery,
            FeatureType::Electrical,
            CORE | FLEX | BATTERY,
        ),
        (
            DeviceKind::Battery,
            FeatureType::Measurement,
            CORE | FLEX | BATTERY,
        ),
        (DeviceKind::Battery, FeatureType::Status, CORE),
    ];
    for (kind, ty, bits) in cases {
        let d = model(kind);
        let f = d.feature(1, ty).unwrap();
        assert_eq!(
            f.read(global::FEATURE_MAP, None),
            Some(Value::Uint(bits.into())),
            "{kind} {ty}"
        );
    }
}

#[test]
fn every_energy_control_endpoint_has_limit_source() {
    for kind in DeviceKind::ALL {
        let d = model(kind);
        for ep in d.endpoints_with(FeatureType::EnergyControl) {
            let ls = ep.feature(FeatureType::LimitSource).unwrap();
            assert_eq!(ls.def().id, limit_source::LIMIT_SOURCE.id);
            assert!(
                ls.supported(limit_source::attr::CONSUMPTION_LIMIT_SOURCE)
                    .is_some()
            );
        }
    }
}

#[test]
fn the_evse_session_starts_unplugged() {
    let d = model(DeviceKind::Evse);
    let s = |attr| get(&d, 1, FeatureType::ChargingSession, attr);
    assert_eq!(s(cs::STATE), Value::Uint(0));
    assert_eq!(s(cs::EV_STATE_OF_CHARGE), Value::Null);
    assert_eq!(
        s(cs::SUPPORTED_CHARGING_MODES),
        Value::Array(vec![Value::Uint(0)])
    );
}

#[test]
fn test_control_only_on_request() {
    let options = ModelOptions {
        test_control: true,
        ..ModelOptions::default()
    };
    let d = build(
        DeviceKind::Battery,
        &Identity::for_kind(DeviceKind::Battery),
        options,
    );
    let f = d.feature(0, FeatureType::TestControl).unwrap();
    assert_eq!(
        f.get(tc::TEST_EVENT_TRIGGERS_ENABLED),
        Some(&Value::Bool(true))
    );
    assert_eq!(f.accepted_commands(), [1, 2, 3]);
    assert!(d.feature(1, FeatureType::TestControl).is_none());
    let disabled = build(
        DeviceKind::Battery,
        &Identity::for_kind(DeviceKind::Battery),
        ModelOptions {
            test_control: true,
            test_triggers_enabled: false,
        },
    );
    let f = disabled.feature(0, FeatureType::TestControl).unwrap();
    assert_eq!(
        f.get(tc::TEST_EVENT_TRIGGERS_ENABLED),
        Some(&Value::Bool(false))
    );
    assert_eq!(f.accepted_commands(), [1, 2]);
}
