use mash_core::cbor::{Map, Value};
use mash_core::ids::ZoneId;
use mash_core::interaction::{Caller, Failure};
use mash_core::model::features::charging_session::attr as cs;
use mash_core::model::features::energy_control::attr as ec;
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::attr as st;
use mash_core::model::{AttributeId, Device, FeatureType};
use mash_core::wire::StatusCode;
use mash_core::zone::ZoneType;

use super::*;
use crate::models::{self, DeviceKind, Identity, ModelOptions};

const KEY: &str = EnableKey::REFERENCE_DEFAULT;
const NOW: u64 = 1_717_171_717;

fn key() -> EnableKey {
    KEY.parse().unwrap()
}

fn device(kind: DeviceKind) -> Device {
    let options = ModelOptions {
        test_control: true,
        ..ModelOptions::default()
    };
    models::build(kind, &Identity::for_kind(kind), options)
}

fn caller(zone_type: ZoneType) -> Caller {
    Caller {
        zone_id: "00112233aabbccdd".parse::<ZoneId>().unwrap(),
        zone_type,
    }
}

fn params(entries: &[(&str, Value)]) -> Map {
    entries.iter().map(|(k, v)| (*k, v.clone())).collect()
}

fn trigger_params(opcode: u64) -> Map {
    params(&[("enableKey", KEY.into()), ("eventTrigger", opcode.into())])
}

type Outcome = Result<(Map, Option<Action>), Failure>;

fn invoke(
    d: &mut Device,
    zone: ZoneType,
    key: Option<&EnableKey>,
    command: u8,
    p: &Map,
) -> Outcome {
    handle(
        d,
        &caller(zone),
        key,
        command,
        p,
        NOW,
        &TestState::default(),
    )
}

/// Triggers `opcode` from the TEST zone with the right key.
fn fire(d: &mut Device, opcode: u64) -> Outcome {
    invoke(d, ZoneType::Test, Some(&key()), 1, &trigger_params(opcode))
}

fn status(outcome: Outcome) -> StatusCode {
    outcome.unwrap_err().status
}

fn succeeded(outcome: &Outcome) -> bool {
    matches!(outcome, Ok((m, _)) if m.get_text("success") == Some(&Value::Bool(true)))
}

fn value(d: &Device, ty: FeatureType, attr: AttributeId) -> Value {
    d.get(1, ty, attr).cloned().unwrap()
}

// ── check order (Appendix A.1) ─────────────────────────────────────────

#[test]
fn unknown_commands_are_invalid_commands() {
    let mut d = device(DeviceKind::Evse);
    let p = trigger_params(1);
    for command in [0, 4, 0x10] {
        assert_eq!(
            status(invoke(&mut d, ZoneType::Test, Some(&key()), command, &p)),
            StatusCode::InvalidCommand
        );
    }
}

#[test]
fn get_test_state_does_not_exist_without_a_key() {
    let mut d = device(DeviceKind::Evse);
    let p = params(&[("enableKey", KEY.into())]);
    assert_eq!(
        status(invoke(&mut d, ZoneType::Test, None, 3, &p)),
        StatusCode::InvalidCommand
    );
}

#[test]
fn a_missing_parameter_comes_first() {
    let mut d = device(DeviceKind::Evse);
    let cases: [(u8, Map); 5] = [
        (1, params(&[("eventTrigger", 1u64.into())])),
        (1, params(&[("enableKey", KEY.into())])),
        (2, params(&[("enableKey", KEY.into())])),
        (2, params(&[("durationSeconds", 10u64.into())])),
        (3, Map::new()),
    ];
    for (command, p) in cases {
        // Even from a GRID zone, and even with triggers disabled.
        for zone in [ZoneType::Test, ZoneType::Grid] {
            let err = invoke(&mut d, zone, Some(&key()), command, &p).unwrap_err();
            assert_eq!(
                err.status,
                StatusCode::InvalidParameter,
                "cmd {command} {p:?}"
            );
            assert!(err.message.contains("missing required parameter"));
        }
        if command != 3 {
            assert_eq!(
                status(invoke(&mut d, ZoneType::Test, None, command, &p)),
                StatusCode::InvalidParameter
            );
        }
    }
}

#[test]
fn a_present_null_parameter_is_not_missing() {
    let mut d = device(DeviceKind::Evse);
    let p = params(&[("enableKey", Value::Null), ("eventTrigger", 1u64.into())]);
    assert_eq!(
        status(invoke(&mut d, ZoneType::Test, Some(&key()), 1, &p)),
        StatusCode::InvalidCommand
    );
}

#[test]
fn without_a_key_commands_1_and_2_answer_success_false_to_anyone() {
    let mut d = device(DeviceKind::Evse);
    let before = d.clone();
    let cases = [
        (1, trigger_params(0x0002_0000_0000_0001)),
        (
            2,
            params(&[
                ("enableKey", "wrong".into()),
                ("durationSeconds", 60u64.into()),
            ]),
        ),
    ];
    for (command, p) in cases {
        for zone in [ZoneType::Grid, ZoneType::Local, ZoneType::Test] {
            let (result, action) = invoke(&mut d, zone, None, command, &p).unwrap();
            assert_eq!(result.get_text("success"), Some(&Value::Bool(false)));
            assert_eq!(result.len(), 1);
            assert_eq!(action, None);
        }
    }
    assert_eq!(
        value(&d, FeatureType::Status, st::OPERATING_STATE),
        value(&before, FeatureType::Status, st::OPERATING_STATE)
    );
}

#[test]
fn only_the_test_zone_may_use_test_control_and_that_is_checked_before_the_key() {
    let mut d = device(DeviceKind::Evse);
    let good = trigger_params(0x0002_0000_0000_0001);
    let bad_key = params(&[("enableKey", "nope".into()), ("eventTrigger", 1u64.into())]);
    for zone in [ZoneType::Grid, ZoneType::Local] {
        for p in [&good, &bad_key] {
            assert_eq!(
                status(invoke(&mut d, zone, Some(&key()), 1, p)),
                StatusCode::NotAuthorized
            );
        }
        let window = params(&[("enableKey", KEY.into()), ("durationSeconds", 60u64.into())]);
        assert_eq!(
            status(invoke(&mut d, zone, Some(&key()), 2, &window)),
            StatusCode::NotAuthorized
        );
        let state = params(&[("enableKey", KEY.into())]);
        assert_eq!(
            status(invoke(&mut d, zone, Some(&key()), 3, &state)),
            StatusCode::NotAuthorized
        );
    }
    // Nothing happened.
    assert_eq!(
        value(&d, FeatureType::Status, st::OPERATING_STATE),
        Value::Uint(2)
    );
}

#[test]
fn a_wrong_or_non_text_key_is_an_invalid_enable_key() {
    let mut d = device(DeviceKind::Evse);
    let keys: [Value; 5] = [
        "00112233445566778899AABBCCDDEEFF".into(),
        "00112233445566778899aabbccddeef0".into(),
        "".into(),
        Value::Uint(1),
        Value::Bytes(KEY.as_bytes().to_vec()),
    ];
    for k in keys {
        for (command, extra) in [
            (1, ("eventTrigger", Value::Uint(0x0002_0000_0000_0001))),
            (2, ("durationSeconds", Value::Uint(60))),
            (3, ("other", Value::Null)),
        ] {
            let p = params(&[("enableKey", k.clone()), extra]);
            let err = invoke(&mut d, ZoneType::Test, Some(&key()), command, &p).unwrap_err();
            assert_eq!(err.status, StatusCode::InvalidCommand, "{k:?}");
            assert_eq!(err.message, "invalid enable key");
        }
    }
    assert_eq!(
        value(&d, FeatureType::Status, st::OPERATING_STATE),
        Value::Uint(2)
    );
}

#[test]
fn unknown_or_mistyped_opcodes_are_invalid_commands() {
    let mut d = device(DeviceKind::Evse);
    let triggers: [Value; 5] = [
        Value::Uint(0x0003_0000_0000_0001),
        Value::Uint(0),
        Value::from(-1i64),
        Value::from("0x0002000000000001"),
        Value::Null,
    ];
    for t in triggers {
        let p = params(&[("enableKey", KEY.into()), ("eventTrigger", t.clone())]);
        let err = invoke(&mut d, ZoneType::Test, Some(&key()), 1, &p).unwrap_err();
        assert_eq!(err.status, StatusCode::InvalidCommand, "{t:?}");
        assert!(err.message.contains("unknown event trigger"));
    }
}

#[test]
fn a_trigger_for_a_feature_the_device_lacks_fails() {
    // No ChargingSession on a battery, no stateOfCharge on an EVSE.
    let mut battery = device(DeviceKind::Battery);
    assert_eq!(
        status(fire(&mut battery, 0x0006_0000_0000_0001)),
        StatusCode::InvalidCommand
    );
    let mut evse = device(DeviceKind::Evse);
    assert_eq!(
        status(fire(&mut evse, 0x0004_0000_0000_0010)),
        StatusCode::InvalidCommand
    );
}

// ── trigger effects (Appendix A.2) ─────────────────────────────────────

#[test]
fn device_level_triggers_become_actions() {
    let mut d = device(DeviceKind::Evse);
    let cases = [
        (0x0001_0000_0000_0001, Action::EnterCommissioningMode),
        (0x0001_0000_0000_0002, Action::ExitCommissioningMode),
        (0x0001_0000_0000_0003, Action::FactoryReset),
        (
            0x0001_0001_ffff_ff38,
            Action::AdjustClock { offset_s: -200 },
        ),
        (0x0001_0001_0000_012c, Action::AdjustClock { offset_s: 300 }),
    ];
    for (opcode, action) in cases {
        let outcome = fire(&mut d, opcode);
        assert!(succeeded(&outcome));
        assert_eq!(outcome.unwrap().1, Some(action));
    }
    assert!(!d.has_changes());
}

#[test]
fn status_triggers() {
    let mut d = device(DeviceKind::HeatPump);
    let st_of = |d: &Device| {
        (
            value(d, FeatureType::Status, st::OPERATING_STATE),
            value(d, FeatureType::Status, st::FAULT_CODE),
            value(d, FeatureType::Status, st::FAULT_MESSAGE),
        )
    };
    assert!(succeeded(&fire(&mut d, 0x0002_0000_0000_0001)));
    assert_eq!(
        st_of(&d),
        (
            Value::Uint(7),
            Value::Uint(1),
            Value::from("Test trigger fault")
        )
    );
    assert!(succeeded(&fire(&mut d, 0x0002_0000_0000_0002)));
    assert_eq!(st_of(&d), (Value::Uint(4), Value::Uint(0), Value::from("")));
    assert!(succeeded(&fire(&mut d, 0x0002_0000_0000_0003)));
    assert_eq!(st_of(&d).0, Value::Uint(2));
    assert!(succeeded(&fire(&mut d, 0x0002_0000_0000_0004)));
    assert_eq!(st_of(&d).0, Value::Uint(4));
}

#[test]
fn triggers_notify_subscribers() {
    let mut d = device(DeviceKind::Evse);
    d.take_changes();
    fire(&mut d, 0x0002_0000_0000_0001).unwrap();
    let changes = d.take_changes();
    assert!(changes.iter().any(|c| c.endpoint == 1
        && c.feature == FeatureType::Status
        && c.attribute == st::OPERATING_STATE));
}

#[test]
fn measurement_triggers() {
    let mut d = device(DeviceKind::Battery);
    let power = |d: &Device| value(d, FeatureType::Measurement, ms::AC_ACTIVE_POWER);
    for (opcode, expected) in [
        (0x0004_0000_0000_0001u64, 100_000i64),
        (0x0004_0000_0000_0002, 1_000_000),
        (0x0004_0000_0000_0003, 0),
        (0x0004_0001_0000_1388, 5_000),
        (0x0004_0001_ffff_fc18, -1_000),
    ] {
        assert!(succeeded(&fire(&mut d, opcode)));
        assert_eq!(power(&d), Value::from(expected), "{opcode:#x}");
    }
    assert!(succeeded(&fire(&mut d, 0x0004_0000_0000_0010)));
    assert_eq!(
        value(&d, FeatureType::Measurement, ms::STATE_OF_CHARGE),
        Value::Uint(50)
    );
    assert!(succeeded(&fire(&mut d, 0x0004_0000_0000_0011)));
    assert_eq!(
        value(&d, FeatureType::Measurement, ms::STATE_OF_CHARGE),
        Value::Uint(100)
    );
}

#[test]
fn control_and_process_state_triggers_set_the_attribute_only() {
    let mut d = device(DeviceKind::HeatPump);
    for code in 1..=5u64 {
        assert!(succeeded(&fire(&mut d, 0x0005_0000_0000_0000 | code)));
        assert_eq!(
            value(&d, FeatureType::EnergyControl, ec::CONTROL_STATE),
            Value::Uint(code - 1)
        );
    }
    for code in 0x10..=0x16u64 {
        assert!(succeeded(&fire(&mut d, 0x0005_0000_0000_0000 | code)));
        assert_eq!(
            value(&d, FeatureType::EnergyControl, ec::PROCESS_STATE),
            Value::Uint(code - 0x10)
        );
    }
    // No resolver ran: the effective limit is untouched.
    assert_eq!(
        value(
            &d,
            FeatureType::EnergyControl,
            ec::EFFECTIVE_CONSUMPTION_LIMIT
        ),
        Value::Null
    );
}

#[test]
fn ev_triggers_stamp_the_session_with_unix_time() {
    let mut d = device(DeviceKind::Evse);
    let session = |d: &Device, attr| value(d, FeatureType::ChargingSession, attr);
    assert!(succeeded(&fire(&mut d, 0x0006_0000_0000_0001)));
    assert_eq!(session(&d, cs::STATE), Value::Uint(1));
    assert_eq!(session(&d, cs::SESSION_START_TIME), Value::Uint(NOW));
    assert!(succeeded(&fire(&mut d, 0x0006_0000_0000_0003)));
    assert_eq!(session(&d, cs::STATE), Value::Uint(2));
    assert!(succeeded(&fire(&mut d, 0x0006_0000_0000_0002)));
    assert_eq!(session(&d, cs::STATE), Value::Uint(0));
    assert_eq!(session(&d, cs::SESSION_END_TIME), Value::Uint(NOW));
}

#[test]
fn reset_test_state_restores_the_model_and_asks_for_the_rest() {
    let mut d = device(DeviceKind::Evse);
    d.set(1, FeatureType::EnergyControl, ec::OPT_OUT_STATE, 3u8)
        .unwrap();
    for opcode in [
        0x0002_0000_0000_0001,
        0x0004_0000_0000_0002,
        0x0006_0000_0000_0003,
        0x0005_0000_0000_0003,
        0x0005_0000_0000_0014,
    ] {
        fire(&mut d, opcode).unwrap();
    }
    let outcome = fire(&mut d, 0x0001_0000_0000_0004);
    assert!(succeeded(&outcome));
    assert_eq!(outcome.unwrap().1, Some(Action::ResetTestState));
    let v = |ty, attr| value(&d, ty, attr);
    assert_eq!(v(FeatureType::Status, st::OPERATING_STATE), Value::Uint(2));
    assert_eq!(v(FeatureType::Status, st::FAULT_CODE), Value::Uint(0));
    assert_eq!(v(FeatureType::Status, st::FAULT_MESSAGE), Value::from(""));
    assert_eq!(
        v(FeatureType::Measurement, ms::AC_ACTIVE_POWER),
        Value::Uint(0)
    );
    assert_eq!(v(FeatureType::ChargingSession, cs::STATE), Value::Uint(0));
    assert_eq!(
        v(FeatureType::EnergyControl, ec::CONTROL_STATE),
        Value::Uint(0)
    );
    assert_eq!(
        v(FeatureType::EnergyControl, ec::PROCESS_STATE),
        Value::Uint(0)
    );
    assert_eq!(
        v(FeatureType::EnergyControl, ec::OPT_OUT_STATE),
        Value::Uint(0),
        "an opt-out does not leak into the next test"
    );
}

// ── setCommissioningWindowDuration, getTestState ───────────────────────

#[test]
fn window_duration_is_clamped_to_3_s_through_3_h() {
    let mut d = device(DeviceKind::Evse);
    let cases = [
        (Value::Uint(1), 3),
        (Value::Uint(20), 20),
        (Value::Uint(10_800), 10_800),
        (Value::Uint(1_000_000), 10_800),
        (Value::from(-5i64), 3),
        (Value::from("60"), 3),
    ];
    for (secs, expected) in cases {
        let p = params(&[("enableKey", KEY.into()), ("durationSeconds", secs.clone())]);
        let (result, action) = invoke(&mut d, ZoneType::Test, Some(&key()), 2, &p).unwrap();
        assert_eq!(result.get_text("success"), Some(&Value::Bool(true)));
        assert_eq!(
            action,
            Some(Action::SetCommissioningWindowDuration(Duration::from_secs(
                expected
            ))),
            "{secs:?}"
        );
    }
}

#[test]
fn get_test_state_reports_service_and_model_state() {
    let mut d = device(DeviceKind::Evse);
    fire(&mut d, 0x0004_0001_0000_2710).unwrap();
    let zone: ZoneId = "0123456789abcdef".parse().unwrap();
    let state = TestState {
        zones: vec![ZoneEntry {
            zone_id: zone,
            zone_type: ZoneType::Test,
            connected: true,
        }],
        failsafe_timers: vec![FailsafeTimer {
            zone_id: zone,
            remaining_s: 7000,
        }],
        clock_offset_s: -200,
        commissioning_open: true,
        auto_reentry: false,
        pairing_active: true,
        operational_connections: 1,
        pending_connections: 0,
        pase_failures: 2,
    };
    let p = params(&[("enableKey", KEY.into())]);
    let (m, action) = handle(
        &mut d,
        &caller(ZoneType::Test),
        Some(&key()),
        3,
        &p,
        NOW,
        &state,
    )
    .unwrap();
    assert_eq!(action, None);
    let get = |k: &str| m.get_text(k).cloned().unwrap_or_else(|| panic!("{k}"));
    assert_eq!(get("zone_count"), Value::Uint(1));
    let zones = get("zones");
    let z = zones.as_array().unwrap()[0].as_map().unwrap();
    assert_eq!(
        z.get_text("zone_id"),
        Some(&Value::from("0123456789abcdef"))
    );
    assert_eq!(z.get_text("zone_type"), Some(&Value::Uint(3)));
    assert_eq!(z.get_text("connected"), Some(&Value::Bool(true)));
    let timers = get("failsafe_timers");
    let t = timers.as_array().unwrap()[0].as_map().unwrap();
    assert_eq!(t.get_text("remaining_s"), Some(&Value::Uint(7000)));
    assert_eq!(get("clock_offset_s"), Value::from(-200i64));
    assert_eq!(get("commissioning_open"), Value::Bool(true));
    assert_eq!(get("auto_reentry"), Value::Bool(false));
    assert_eq!(get("pairing_active"), Value::Bool(true));
    assert_eq!(get("operational_connections"), Value::Uint(1));
    assert_eq!(get("pending_connections"), Value::Uint(0));
    assert_eq!(get("pase_failures"), Value::Uint(2));
    assert_eq!(get("operating_state"), Value::Uint(2));
    assert_eq!(get("control_state"), Value::Uint(0));
    assert_eq!(get("process_state"), Value::Uint(0));
    assert_eq!(get("charging_state"), Value::Uint(0));
    assert_eq!(get("measurement_power"), Value::Uint(10_000));
    // Every key is text: results are text-keyed (INTEROP.md §6.5).
    assert!(m.iter().all(|(k, _)| k.as_str().is_some()));
}

#[test]
fn get_test_state_on_a_device_without_charging_session_reports_null() {
    let d = device(DeviceKind::HeatPump);
    let m = snapshot(&d, &TestState::default());
    assert_eq!(m.get_text("charging_state"), Some(&Value::Null));
    assert_eq!(m.get_text("zone_count"), Some(&Value::Uint(0)));
}

#[test]
fn the_feature_advertises_its_commands() {
    assert_eq!(feature(true).accepted_commands(), [1, 2, 3]);
    assert_eq!(feature(false).accepted_commands(), [1, 2]);
}
