//! Zone-level behaviour on the simulated network: the per-zone-type
//! access policy, the conformance hooks (TEST zone, TestControl), and the
//! device reading what a controller exposes.

use mash_controller::Error;
use mash_core::cbor::{Map, Value};
use mash_core::commissioning::SetupCode;
use mash_core::model::FeatureType;
use mash_core::model::features::energy_control::LimitCause;
use mash_core::model::features::{device_info, measurement, test_control};
use mash_core::wire::{Operation, StatusCode};
use mash_core::zone::ZoneType;
use mash_device::access::AccessPolicy;
use mash_device::models::DeviceKind;
use mash_device::test_control::EnableKey;
use mash_sim::House;

const KEY: &str = "00112233445566778899aabbccddeeff";

fn code() -> SetupCode {
    SetupCode::new(20202021).unwrap()
}

fn status(e: Error) -> StatusCode {
    match e {
        Error::Status { status, .. } => status,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn the_access_policy_lets_the_grid_limit_but_not_change_user_preferences() {
    let mut house = House::new().unwrap();
    let mut config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 5)
        .unwrap();
    config.access = Some(AccessPolicy::study());
    let charger = house.add_device(config).unwrap();
    let smgw = house
        .add_controller(house.controller_config("smgw", ZoneType::Grid))
        .await
        .unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    let grid = smgw
        .commission(&charger.target(), code())
        .await
        .unwrap()
        .handle;
    charger.handle.open_window(None).await;
    let local = ems
        .commission(&charger.target(), code())
        .await
        .unwrap()
        .handle;

    // GRID: measurements and limits yes, the user's label no.
    grid.read(
        1,
        FeatureType::Measurement,
        &[measurement::attr::AC_ACTIVE_POWER],
    )
    .await
    .unwrap();
    let limit = mash_controller::SetLimit {
        consumption: Some(4_000_000),
        production: None,
        duration: None,
        cause: LimitCause::GridOptimization,
    };
    assert!(grid.set_limit(1, limit).await.unwrap().applied);
    let label: Map = [(device_info::attr::LABEL, "Garage")].into_iter().collect();
    assert_eq!(
        status(
            grid.write(0, FeatureType::DeviceInfo, label.clone())
                .await
                .unwrap_err()
        ),
        StatusCode::NotAuthorized
    );
    let mode: Map = [("mode", 1u64)].into_iter().collect();
    let denied = grid
        .invoke(
            1,
            FeatureType::ChargingSession,
            mash_core::model::features::charging_session::cmd::SET_CHARGING_MODE,
            mode,
        )
        .await;
    assert_eq!(status(denied.unwrap_err()), StatusCode::NotAuthorized);
    // LOCAL: everything.
    local
        .write(0, FeatureType::DeviceInfo, label)
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_test_zone_drives_test_control_only_with_an_enable_key() {
    let mut house = House::new().unwrap();
    let mut config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 6)
        .unwrap();
    config.test_key = EnableKey::from_config(KEY).unwrap();
    let charger = house.add_device(config).unwrap();
    let suite = house
        .add_controller(house.controller_config("suite", ZoneType::Test))
        .await
        .unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    let test = suite
        .commission(&charger.target(), code())
        .await
        .unwrap()
        .handle;
    charger.handle.open_window(None).await;
    let local = ems
        .commission(&charger.target(), code())
        .await
        .unwrap()
        .handle;

    let trigger = |opcode: u64| -> Map {
        [
            ("enableKey", Value::from(KEY)),
            ("eventTrigger", Value::Uint(opcode)),
        ]
        .into_iter()
        .collect()
    };
    // SetPower1000 (Measurement, INTEROP.md A.2): acActivePower = 1 kW.
    let r = test
        .invoke(
            0,
            FeatureType::TestControl,
            test_control::cmd::TRIGGER_TEST_EVENT,
            trigger(0x0004_0000_0000_0002),
        )
        .await
        .unwrap();
    assert_eq!(r.get_text("success"), Some(&Value::Bool(true)));
    let m = local
        .read(
            1,
            FeatureType::Measurement,
            &[measurement::attr::AC_ACTIVE_POWER],
        )
        .await
        .unwrap();
    assert_eq!(
        m.get_uint(measurement::attr::AC_ACTIVE_POWER.into()),
        Some(&Value::Uint(1_000_000))
    );
    // Only the TEST zone may use it (NOT_AUTHORIZED before the key check).
    let denied = local
        .invoke(
            0,
            FeatureType::TestControl,
            test_control::cmd::TRIGGER_TEST_EVENT,
            trigger(0x0004_0000_0000_0002),
        )
        .await;
    assert_eq!(status(denied.unwrap_err()), StatusCode::NotAuthorized);
    // EnterCommissioningMode opens the window (closed by hand first: in
    // conformance mode the LOCAL zone's first connection re-opened it).
    charger.handle.close_window().await;
    assert!(!charger.handle.snapshot().window_open);
    test.invoke(
        0,
        FeatureType::TestControl,
        test_control::cmd::TRIGGER_TEST_EVENT,
        trigger(0x0001_0000_0000_0001),
    )
    .await
    .unwrap();
    assert!(charger.handle.snapshot().window_open);
}

#[tokio::test(start_paused = true)]
async fn without_a_key_there_is_no_test_zone() {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 7)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let suite = house
        .add_controller(house.controller_config("suite", ZoneType::Test))
        .await
        .unwrap();
    assert!(suite.commission(&charger.target(), code()).await.is_err());
    assert!(charger.handle.snapshot().zones.is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_device_reads_what_its_controller_exposes() {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 8)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    let done = ems.commission(&charger.target(), code()).await.unwrap();
    let zone = done.zone_id();
    let payload: Map = [(
        1u64,
        Value::Array(vec![Value::Uint(device_info::attr::SPEC_VERSION.into())]),
    )]
    .into_iter()
    .collect();
    let r = charger
        .handle
        .request_controller(
            zone,
            Operation::Read,
            0,
            FeatureType::DeviceInfo.value(),
            Some(Value::Map(payload)),
        )
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::Success);
    let m = r.payload.unwrap();
    assert_eq!(
        m.as_map()
            .unwrap()
            .get_uint(device_info::attr::SPEC_VERSION.into()),
        Some(&Value::from("1.0"))
    );
}

/// INTEROP.md Appendix A.3, conformance mode only: the window re-opens when
/// a newly commissioned zone connects and when the last connected zone
/// drops (while a non-TEST slot is free), and a commissioning connection
/// first drops the disconnected non-TEST zones.
#[tokio::test(start_paused = true)]
async fn in_conformance_mode_the_window_re_opens_as_the_reference_runner_expects() {
    let mut house = House::new().unwrap();
    let mut config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 8)
        .unwrap();
    config.test_key = EnableKey::from_config(KEY).unwrap();
    let charger = house.add_device(config).unwrap();
    let window_open = || async {
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            charger.handle.wait_for(|s| s.window_open),
        )
        .await
        .is_ok()
    };
    let target = charger.target();
    let suite = house
        .add_controller(house.controller_config("suite", ZoneType::Test))
        .await
        .unwrap();
    suite.commission(&target, code()).await.unwrap();
    // The suite zone's first connection re-opened the window.
    assert!(window_open().await);

    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    ems.commission(&target, code()).await.unwrap();
    assert!(window_open().await, "the GRID slot is still free");

    // The last connected zone drops: the window re-opens.
    charger.handle.close_window().await;
    suite.shutdown().await;
    ems.shutdown().await;
    assert!(window_open().await);

    // A new LOCAL controller: the disconnected LOCAL zone makes way.
    let ems2 = house
        .add_controller(house.controller_config("ems2", ZoneType::Local))
        .await
        .unwrap();
    ems2.commission(&target, code()).await.unwrap();
    let zones = charger.handle.snapshot().zones;
    let types: Vec<_> = zones.iter().map(|z| z.zone_type).collect();
    assert_eq!(types, [ZoneType::Test, ZoneType::Local], "{zones:?}");
    assert_eq!(
        zones[1].zone_ca_der,
        ems2.zone_ca_der(),
        "the old LOCAL zone is gone"
    );
}

/// Without an enable key none of that happens: a commissioned zone's
/// connection leaves the window closed.
#[tokio::test(start_paused = true)]
async fn outside_conformance_mode_the_window_stays_closed_after_commissioning() {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 9)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    ems.commission(&charger.target(), code()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(!charger.handle.snapshot().window_open);
    ems.shutdown().await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(!charger.handle.snapshot().window_open);
}
