//! Feature behaviour beyond EnergyControl limits, driven by a controller
//! over the simulated network (testing/behavior/*-feature.md).

use mash_controller::Error;
use mash_core::cbor::{Map, Value};
use mash_core::commissioning::SetupCode;
use mash_core::model::FeatureType;
use mash_core::model::features::charging_session::{attr as cs, cmd};
use mash_core::model::features::energy_control::cmd as ec_cmd;
use mash_core::wire::StatusCode;
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_sim::House;

fn code() -> SetupCode {
    SetupCode::new(20202021).unwrap()
}

/// chargingsession-feature.md §5.3, TC-CHRG-008: setChargingMode applies
/// its optional delays and reports the active mode.
#[tokio::test(start_paused = true)]
async fn set_charging_mode_applies_the_delays() {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 21)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    let local = ems
        .commission(&charger.target(), code())
        .await
        .unwrap()
        .handle;
    let params: Map = [
        ("mode", Value::Uint(0)),
        ("startDelay", Value::Uint(60)),
        ("stopDelay", Value::Uint(120)),
    ]
    .into_iter()
    .collect();
    let r = local
        .invoke(
            1,
            FeatureType::ChargingSession,
            cmd::SET_CHARGING_MODE,
            params,
        )
        .await
        .unwrap();
    assert_eq!(r.get_text("success"), Some(&Value::Bool(true)));
    assert_eq!(r.get_text("activeMode"), Some(&Value::Uint(0)));
    let m = local
        .read(
            1,
            FeatureType::ChargingSession,
            &[cs::START_DELAY, cs::STOP_DELAY],
        )
        .await
        .unwrap();
    assert_eq!(m.get_uint(cs::START_DELAY.into()), Some(&Value::Uint(60)));
    assert_eq!(m.get_uint(cs::STOP_DELAY.into()), Some(&Value::Uint(120)));
}

/// DEC-075: a lifecycle command the device does not offer (the EVSE is
/// not pausable) answers UNSUPPORTED; an unknown command stays
/// INVALID_COMMAND.
#[tokio::test(start_paused = true)]
async fn commands_without_the_capability_are_unsupported() {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 22)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    let local = ems
        .commission(&charger.target(), code())
        .await
        .unwrap()
        .handle;
    let status = |r: Result<Map, Error>| match r {
        Err(Error::Status { status, .. }) => status,
        other => panic!("{other:?}"),
    };
    for (command, expected) in [
        (ec_cmd::PAUSE, StatusCode::Unsupported),
        (ec_cmd::STOP, StatusCode::Unsupported),
        (77, StatusCode::InvalidCommand),
    ] {
        let r = local
            .invoke(1, FeatureType::EnergyControl, command, Map::new())
            .await;
        assert_eq!(status(r), expected, "command {command}");
    }
}
