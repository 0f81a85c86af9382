//! A real device service and real controllers over TLS 1.3 on loopback:
//! what a person gets when they run `mash device` and `mash controller`.
//! Waits are on the event itself, bounded; nothing sleeps for a fixed time.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use mash_controller::{
    CommissionError, Controller, ControllerConfig, Error, ReconnectPolicy, SetLimit,
    SubscriptionEvent, TlsDialer,
};
use mash_core::cbor::Value;
use mash_core::commissioning::{Discriminator, SetupCode};
use mash_core::interaction::SubscribePayload;
use mash_core::model::FeatureType;
use mash_core::model::features::energy_control::{ControlState, LimitCause, attr as ec};
use mash_core::model::features::{device_info, measurement};
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_device::{DeviceConfig, DeviceHandle};
use mash_transport::Target;

const CODE: u32 = 20202021;
const WAIT: Duration = Duration::from_secs(10);

fn device_config(dir: &Path, ip: std::net::IpAddr, port: u16) -> DeviceConfig {
    let mut c = DeviceConfig::new(
        DeviceKind::Evse,
        SetupCode::new(CODE).unwrap(),
        Discriminator::new(1234).unwrap(),
        dir.join("device"),
    );
    c.listen = SocketAddr::new(ip, port);
    c
}

async fn start_device(dir: &Path, ip: std::net::IpAddr) -> (DeviceHandle, Target) {
    let device = mash_device::start(device_config(dir, ip, 0)).await.unwrap();
    let addr = device.local_addr().unwrap();
    (device, Target::Addr(SocketAddr::new(ip, addr.port())))
}

async fn controller(dir: &Path, name: &str, zone_type: ZoneType) -> Controller<TlsDialer> {
    let mut config = ControllerConfig::new(dir.join(name), zone_type, name);
    config.reconnect = ReconnectPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(400),
        jitter_percent: 0,
    };
    Controller::open(config, TlsDialer::new().unwrap())
        .await
        .unwrap()
}

fn code() -> SetupCode {
    SetupCode::new(CODE).unwrap()
}

#[tokio::test]
async fn commission_read_subscribe_and_limit_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv4Addr::LOCALHOST.into()).await;
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    let ev = ems.commission(&target, code()).await.unwrap().handle;
    assert!(
        !device.snapshot().window_open,
        "the window closes after commissioning"
    );

    // DeviceInfo with the endpoint list.
    let info = ev
        .read(
            0,
            FeatureType::DeviceInfo,
            &[device_info::attr::ENDPOINTS, device_info::attr::ZONE_COUNT],
        )
        .await
        .unwrap();
    let endpoints = info
        .get_uint(device_info::attr::ENDPOINTS.into())
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(endpoints.len(), 2);
    assert_eq!(
        endpoints[1].as_map().unwrap().get_uint(2),
        Some(&Value::Uint(5)),
        "EV_CHARGER"
    );
    assert_eq!(
        info.get_uint(device_info::attr::ZONE_COUNT.into()),
        Some(&Value::Uint(1))
    );

    // Measurement: a priming report, then deltas as the charger runs.
    let payload = SubscribePayload {
        attributes: vec![measurement::attr::AC_ACTIVE_POWER],
        ..Default::default()
    };
    let mut sub = ev
        .subscribe(1, FeatureType::Measurement, payload)
        .await
        .unwrap();
    assert!(
        sub.priming()
            .get_uint(measurement::attr::AC_ACTIVE_POWER.into())
            .is_some()
    );
    let delta = tokio::time::timeout(WAIT, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(delta, SubscriptionEvent::Report(ref m) if m.len() == 1),
        "{delta:?}"
    );

    // A consumption limit, read back as this zone's and the effective one.
    let r = ev
        .set_limit(
            1,
            SetLimit {
                consumption: Some(3_700_000),
                production: None,
                duration: None,
                cause: LimitCause::LocalOptimization,
            },
        )
        .await
        .unwrap();
    assert!(r.applied);
    assert_eq!(r.control_state, ControlState::Limited);
    let m = ev
        .read(
            1,
            FeatureType::EnergyControl,
            &[ec::MY_CONSUMPTION_LIMIT, ec::EFFECTIVE_CONSUMPTION_LIMIT],
        )
        .await
        .unwrap();
    assert_eq!(
        m.get_uint(ec::MY_CONSUMPTION_LIMIT.into()),
        Some(&Value::Uint(3_700_000))
    );
    assert_eq!(
        m.get_uint(ec::EFFECTIVE_CONSUMPTION_LIMIT.into()),
        Some(&Value::Uint(3_700_000))
    );
    // The charger follows it (one appliance tick later).
    loop {
        let Some(SubscriptionEvent::Report(m)) =
            tokio::time::timeout(WAIT, sub.next()).await.unwrap()
        else {
            continue;
        };
        if m.get_uint(measurement::attr::AC_ACTIVE_POWER.into())
            .and_then(Value::as_i64)
            .is_some_and(|p| p <= 3_700_000)
        {
            break;
        }
    }
    ems.shutdown().await;
    device.shutdown().await;
}

#[tokio::test]
async fn a_restarted_device_keeps_its_zone_and_the_controller_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv4Addr::LOCALHOST.into()).await;
    let Target::Addr(addr) = target.clone() else {
        unreachable!()
    };
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    let ev = ems.commission(&target, code()).await.unwrap().handle;
    ev.write(
        0,
        FeatureType::DeviceInfo,
        [(device_info::attr::LABEL, "Garage")].into_iter().collect(),
    )
    .await
    .unwrap();

    device.shutdown().await;
    let device = mash_device::start(device_config(dir.path(), addr.ip(), addr.port()))
        .await
        .unwrap();
    assert_eq!(device.snapshot().zones.len(), 1, "the zone survived");
    assert!(
        !device.snapshot().window_open,
        "a device with zones does not open its window by itself"
    );
    ev.wait_connected(WAIT).await.unwrap();
    device
        .wait_for(|s| s.zones.iter().all(|z| z.connected))
        .await;
    let m = ev
        .read(0, FeatureType::DeviceInfo, &[device_info::attr::LABEL])
        .await
        .unwrap();
    assert_eq!(
        m.get_uint(device_info::attr::LABEL.into()),
        Some(&Value::from("Garage"))
    );
    ems.shutdown().await;
    device.shutdown().await;
}

#[tokio::test]
async fn a_wrong_setup_code_is_refused_and_nothing_is_joined() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv4Addr::LOCALHOST.into()).await;
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    let err = ems
        .commission(&target, SetupCode::new(20202022).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Commission(CommissionError::AuthenticationFailed(_))
        ),
        "{err:?}"
    );
    assert!(device.snapshot().zones.is_empty());
    assert!(ems.devices().is_empty());
    device.shutdown().await;
}

#[tokio::test]
async fn commissioning_is_refused_while_the_window_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv4Addr::LOCALHOST.into()).await;
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    ems.commission(&target, code()).await.unwrap();
    let smgw = controller(dir.path(), "smgw", ZoneType::Grid).await;
    let err = smgw.commission(&target, code()).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport(_)),
        "TLS refuses mash-comm/1: {err:?}"
    );
    // The user presses the button: now it works.
    device.open_window(None).await;
    smgw.commission(&target, code()).await.unwrap();
    assert_eq!(device.snapshot().zones.len(), 2);
    device.shutdown().await;
}

#[tokio::test]
async fn a_zone_is_served_while_fifty_idle_connections_hold_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv4Addr::LOCALHOST.into()).await;
    let Target::Addr(addr) = target.clone() else {
        unreachable!()
    };
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    let ev = ems.commission(&target, code()).await.unwrap().handle;
    let mut idle = Vec::new();
    for _ in 0..50 {
        if let Ok(s) = tokio::net::TcpStream::connect(addr).await {
            idle.push(s);
        }
    }
    let m = ev
        .read(1, FeatureType::EnergyControl, &[ec::CONTROL_STATE])
        .await
        .unwrap();
    assert_eq!(
        m.get_uint(ec::CONTROL_STATE.into()),
        Some(&Value::Uint(ControlState::Controlled.value().into()))
    );
    drop(idle);
    device.shutdown().await;
}

#[tokio::test]
async fn commission_and_read_over_ipv6_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv6Addr::LOCALHOST.into()).await;
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    let ev = ems.commission(&target, code()).await.unwrap().handle;
    let m = ev
        .read(
            0,
            FeatureType::DeviceInfo,
            &[device_info::attr::SPEC_VERSION],
        )
        .await
        .unwrap();
    assert_eq!(
        m.get_uint(device_info::attr::SPEC_VERSION.into()),
        Some(&Value::from("1.0"))
    );
    device.shutdown().await;
}

#[tokio::test]
async fn the_grid_operator_overrides_the_ems_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv4Addr::LOCALHOST.into()).await;
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    let smgw = controller(dir.path(), "smgw", ZoneType::Grid).await;
    let ev_ems = ems.commission(&target, code()).await.unwrap().handle;
    device.open_window(None).await;
    let ev_grid = smgw.commission(&target, code()).await.unwrap().handle;
    ev_ems
        .set_limit(
            1,
            SetLimit {
                consumption: Some(11_000_000),
                production: None,
                duration: None,
                cause: LimitCause::LocalOptimization,
            },
        )
        .await
        .unwrap();
    let r = ev_grid
        .set_limit(
            1,
            SetLimit {
                consumption: Some(3_700_000),
                production: None,
                duration: Some(Duration::from_secs(1800)),
                cause: LimitCause::GridEmergency,
            },
        )
        .await
        .unwrap();
    assert_eq!(r.effective_consumption, Some(3_700_000));
    let status = ev_ems.energy_status(1).await.unwrap();
    let text = status.display(mash_pki::UnixTime::system_now()).to_string();
    assert!(
        text.starts_with("Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — "),
        "{text}"
    );
    assert!(text.ends_with("min left"), "{text}");
    device.shutdown().await;
}

#[tokio::test]
async fn a_corrupt_state_file_is_reported_not_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (device, target) = start_device(dir.path(), Ipv4Addr::LOCALHOST.into()).await;
    let ems = controller(dir.path(), "ems", ZoneType::Local).await;
    ems.commission(&target, code()).await.unwrap();
    device.shutdown().await;
    let zone_file = std::fs::read_dir(dir.path().join("device"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("zone-")
        })
        .unwrap();
    let text = std::fs::read_to_string(&zone_file).unwrap();
    std::fs::write(&zone_file, &text[..text.len() / 2]).unwrap();
    let err = mash_device::start(device_config(dir.path(), Ipv4Addr::LOCALHOST.into(), 0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
}
