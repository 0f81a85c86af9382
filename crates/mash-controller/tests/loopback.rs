//! The controller against a minimal device over real loopback TLS 1.3
//! (tests/support: DeviceListener + DeviceHandshake + ServerSession).

mod support;

use std::path::Path;
use std::time::Duration;

use mash_controller::{
    CommissionError, Controller, ControllerConfig, Error, LinkState, ReconnectPolicy, SetLimit,
    SubscriptionEvent, TlsDialer,
};
use mash_core::cbor::Value;
use mash_core::commissioning::SetupCode;
use mash_core::interaction::SubscribePayload;
use mash_core::model::FeatureType;
use mash_core::model::features::energy_control::{ControlState, LimitCause};
use mash_core::model::features::{device_info, measurement};
use mash_core::zone::ZoneType;
use mash_pki::UnixTime;
use mash_transport::Target;
use support::{CODE, EP, TestDevice};

fn config(dir: &Path, zone_type: ZoneType, name: &str) -> ControllerConfig {
    let mut c = ControllerConfig::new(dir, zone_type, name);
    c.reconnect = ReconnectPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter_percent: 0,
    };
    c.request_timeout = Duration::from_secs(5);
    c.first_connect_timeout = Duration::from_secs(5);
    c
}

async fn controller(dir: &Path, zone_type: ZoneType, name: &str) -> Controller<TlsDialer> {
    Controller::open(config(dir, zone_type, name), TlsDialer::new().unwrap())
        .await
        .unwrap()
}

fn target(device: &TestDevice) -> Target {
    Target::from(device.addr.unwrap())
}

fn code() -> SetupCode {
    SetupCode::parse(CODE).unwrap()
}

#[tokio::test]
async fn commission_read_subscribe_and_set_a_limit() {
    let dir = tempfile::tempdir().unwrap();
    let device = TestDevice::start_tls(CODE).await;
    let ems = controller(dir.path(), ZoneType::Local, "home-ems").await;
    let commissioned = ems.commission(&target(&device), code()).await.unwrap();
    assert_eq!(device.zone_count(), 1);
    assert_eq!(ems.devices().len(), 1);
    let ev = commissioned.handle;
    assert_eq!(ev.state(), LinkState::Connected);

    let info = ev
        .read(
            0,
            FeatureType::DeviceInfo,
            &[
                device_info::attr::SPEC_VERSION,
                device_info::attr::PRODUCT_NAME,
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        info.get(device_info::attr::SPEC_VERSION).unwrap().as_str(),
        Some("1.0")
    );
    assert_eq!(
        info.get(device_info::attr::PRODUCT_NAME).unwrap().as_str(),
        Some("test wallbox")
    );
    let all = ev.read_all(0, FeatureType::DeviceInfo).await.unwrap();
    assert!(all.len() > 2);
    let bad = ev
        .read(0, FeatureType::DeviceInfo, &[0x0999])
        .await
        .unwrap_err();
    assert_eq!(
        bad.status(),
        Some(mash_core::wire::StatusCode::InvalidAttribute)
    );

    let spec = SubscribePayload {
        attributes: vec![measurement::attr::AC_ACTIVE_POWER],
        min_interval: Duration::from_millis(20),
        max_interval: Duration::from_secs(60),
    };
    let mut sub = ev
        .subscribe(EP, FeatureType::Measurement, spec)
        .await
        .unwrap();
    assert!(
        sub.priming()
            .contains_key(measurement::attr::AC_ACTIVE_POWER)
    );
    device.set_power(7_400_000);
    let event = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap();
    let Some(SubscriptionEvent::Report(changes)) = event else {
        panic!("{event:?}")
    };
    assert_eq!(
        changes.get(measurement::attr::AC_ACTIVE_POWER),
        Some(&Value::Uint(7_400_000))
    );
    sub.unsubscribe().await.unwrap();

    let result = ev
        .set_limit(
            EP,
            SetLimit::consumption(3_700_000, LimitCause::LocalOptimization),
        )
        .await
        .unwrap();
    assert!(result.applied, "{result:?}");
    assert_eq!(result.effective_consumption, Some(3_700_000));
    assert_ne!(result.control_state, ControlState::Autonomous);
    let status = ev.energy_status(EP).await.unwrap();
    assert_eq!(status.my_consumption_limit, Some(3_700_000));
    assert_eq!(
        status.display(UnixTime::system_now()).to_string(),
        "Limited to 3.7 kW — own limit (LOCAL_OPTIMIZATION)"
    );
    assert!(ev.clear_limit(EP, None).await.unwrap());
    ems.shutdown().await;
    assert_eq!(ev.state(), LinkState::Stopped);
}

#[tokio::test]
async fn wrong_setup_code_is_an_authentication_error() {
    let dir = tempfile::tempdir().unwrap();
    let device = TestDevice::start_tls(CODE).await;
    let ems = controller(dir.path(), ZoneType::Local, "home-ems").await;
    let wrong = SetupCode::parse("20202022").unwrap();
    let err = ems.commission(&target(&device), wrong).await.unwrap_err();
    assert!(err.is_authentication_failure(), "{err}");
    assert_eq!(device.zone_count(), 0);
    assert!(ems.devices().is_empty());
    // Right after a failure the device is cooling down (500 ms) and answers
    // BUSY with a RetryAfter; the controller waits it out by itself.
    ems.commission(&target(&device), code()).await.unwrap();
    assert_eq!(device.zone_count(), 1);
    ems.shutdown().await;
}

/// Commissions a second zone; the device's 500 ms cooldown after the
/// first is waited out by the controller (BUSY + RetryAfter).
async fn commission_after_cooldown(
    controller: &Controller<TlsDialer>,
    device: &TestDevice,
) -> Result<mash_controller::CommissionedDevice, Error> {
    controller.commission(&target(device), code()).await
}

#[tokio::test]
async fn grid_and_local_zones_see_who_limits() {
    let grid_dir = tempfile::tempdir().unwrap();
    let ems_dir = tempfile::tempdir().unwrap();
    let device = TestDevice::start_tls(CODE).await;
    let smgw = controller(grid_dir.path(), ZoneType::Grid, "dso-smgw-0001").await;
    let ems = controller(ems_dir.path(), ZoneType::Local, "home-ems").await;
    let ems_ev = ems
        .commission(&target(&device), code())
        .await
        .unwrap()
        .handle;

    // A second LOCAL controller is refused with ZONE_TYPE_EXISTS (after
    // PASE, INTEROP.md §5.2 step 8.2).
    let other_dir = tempfile::tempdir().unwrap();
    let other = controller(other_dir.path(), ZoneType::Local, "other-ems").await;
    let err = commission_after_cooldown(&other, &device)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Commission(CommissionError::ZoneTypeExists { .. })
        ),
        "{err}"
    );

    let grid_ev = commission_after_cooldown(&smgw, &device)
        .await
        .unwrap()
        .handle;
    assert_eq!(device.zone_count(), 2);
    assert_ne!(
        grid_ev.zone_id(),
        ems_ev.zone_id(),
        "one zone ID per commissioning"
    );

    // Both slots taken: BUSY before PASE, nothing to wait for.
    let err = commission_after_cooldown(&other, &device)
        .await
        .unwrap_err();
    let Error::Commission(CommissionError::Busy {
        retry_after,
        message,
    }) = err
    else {
        panic!("{err}")
    };
    assert_eq!(
        (retry_after, message.as_str()),
        (Duration::ZERO, "zone slots full (2/2)")
    );

    ems_ev
        .set_limit(
            EP,
            SetLimit::consumption(11_000_000, LimitCause::LocalOptimization),
        )
        .await
        .unwrap();
    let grid_limit = SetLimit::consumption(3_700_000, LimitCause::GridEmergency)
        .for_duration(Duration::from_secs(30 * 60));
    let r = grid_ev.set_limit(EP, grid_limit).await.unwrap();
    assert_eq!(r.effective_consumption, Some(3_700_000));

    let now = UnixTime::system_now();
    let seen_by_ems = ems_ev.energy_status(EP).await.unwrap();
    assert_eq!(seen_by_ems.my_consumption_limit, Some(11_000_000));
    assert_eq!(seen_by_ems.my_values_overridden, Some(true));
    assert_eq!(
        seen_by_ems.display(now).to_string(),
        "Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — 30 min left"
    );
    let seen_by_grid = grid_ev.energy_status(EP).await.unwrap();
    assert_eq!(
        format!("{:#}", seen_by_grid.display(now)),
        "Limited to 3.7 kW — own limit — 30 min left"
    );

    // The EMS leaves: RemoveZone with its own zone ID.
    ems_ev.remove_zone().await.unwrap();
    assert_eq!(ems_ev.state(), LinkState::Removed);
    assert!(ems.devices().is_empty());
    assert_eq!(device.zone_count(), 1);
    assert!(matches!(
        ems_ev.read_all(EP, FeatureType::EnergyControl).await,
        Err(Error::DeviceRemoved(_))
    ));
    smgw.shutdown().await;
    ems.shutdown().await;
    other.shutdown().await;
}

async fn next(sub: &mut mash_controller::Subscription) -> Option<SubscriptionEvent> {
    tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
}

#[tokio::test]
async fn reconnects_and_resubscribes_after_the_device_drops_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let device = TestDevice::start_tls(CODE).await;
    let ems = controller(dir.path(), ZoneType::Local, "home-ems").await;
    let ev = ems
        .commission(&target(&device), code())
        .await
        .unwrap()
        .handle;
    let spec = SubscribePayload {
        attributes: vec![measurement::attr::AC_ACTIVE_POWER],
        min_interval: Duration::from_millis(20),
        max_interval: Duration::from_secs(60),
    };
    let mut sub = ev
        .subscribe(EP, FeatureType::Measurement, spec)
        .await
        .unwrap();
    let mut state = ev.watch_state();

    device.drop_connections().await;
    assert_eq!(next(&mut sub).await, Some(SubscriptionEvent::Interrupted));
    tokio::time::timeout(
        Duration::from_secs(5),
        state.wait_for(|s| matches!(s, LinkState::Disconnected { .. } | LinkState::Connecting)),
    )
    .await
    .unwrap()
    .unwrap();
    let Some(SubscriptionEvent::Resubscribed(priming)) = next(&mut sub).await else {
        panic!("not resubscribed")
    };
    assert!(priming.contains_key(measurement::attr::AC_ACTIVE_POWER));
    assert_eq!(ev.state(), LinkState::Connected);
    assert_eq!(device.operational_connects(), 2);

    device.set_power(1_000_000);
    let Some(SubscriptionEvent::Report(changes)) = next(&mut sub).await else {
        panic!("no report after reconnect")
    };
    assert_eq!(
        changes.get(measurement::attr::AC_ACTIVE_POWER),
        Some(&Value::Uint(1_000_000))
    );
    ems.shutdown().await;
}

#[tokio::test]
async fn a_restarted_controller_reloads_its_zone_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let device = TestDevice::start_tls(CODE).await;
    let first = controller(dir.path(), ZoneType::Local, "home-ems").await;
    let id = first
        .commission(&target(&device), code())
        .await
        .unwrap()
        .device_id();
    let ca = first.zone_ca_der();
    first.shutdown().await;
    drop(first);

    let again = controller(dir.path(), ZoneType::Local, "home-ems").await;
    assert_eq!(again.zone_ca_der(), ca);
    let record = again.device(&id).unwrap();
    assert_eq!(record.cert_sequence, 2);
    let ev = again.connect(id).unwrap();
    let info = ev.read_all(0, FeatureType::DeviceInfo).await.unwrap();
    assert!(info.contains_key(device_info::attr::VENDOR_NAME));
    again.shutdown().await;

    // Another zone type for the same state directory is refused.
    let err = Controller::open(
        config(dir.path(), ZoneType::Grid, "home-ems"),
        TlsDialer::new().unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::State(_)), "{err}");
}
