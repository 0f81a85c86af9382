//! The controller on an in-memory [`Dialer`] (`tokio::io::duplex`) under
//! `tokio::time::pause()`: what `mash-sim` will do. Back-off, timeouts and
//! renewal timers run in simulated time, so hours pass in milliseconds.

mod support;

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mash_controller::{
    CommissionError, Controller, ControllerConfig, Dialed, Dialer, Error, LinkState, ManualClock,
    OperationalCredentials, ReconnectPolicy, SubscriptionEvent, TokioClock,
};
use mash_core::cbor::Value;
use mash_core::commissioning::SetupCode;
use mash_core::ids::DeviceId;
use mash_core::interaction::SubscribePayload;
use mash_core::model::FeatureType;
use mash_core::model::features::{device_info, measurement};
use mash_core::wire::{Operation, Request, StatusCode};
use mash_core::zone::ZoneType;
use mash_pki::UnixTime;
use mash_transport::{FramedStream, Target};
use support::{CODE, EP, TestDevice};
use tokio::io::DuplexStream;
use tokio::time::Instant;

/// Connects the controller to one [`TestDevice`] through in-memory pipes.
#[derive(Clone)]
struct SimDialer {
    device: TestDevice,
    online: Arc<AtomicBool>,
    attempts: Arc<Mutex<Vec<Instant>>>,
}

impl SimDialer {
    fn new(device: &TestDevice) -> Self {
        Self {
            device: device.clone(),
            online: Arc::new(AtomicBool::new(true)),
            attempts: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn attempts(&self) -> Vec<Instant> {
        self.attempts.lock().unwrap().clone()
    }
}

impl Dialer for SimDialer {
    type Io = DuplexStream;

    async fn dial_commissioning(
        &self,
        _target: &Target,
    ) -> Result<Dialed<DuplexStream>, mash_transport::Error> {
        let (ours, theirs) = tokio::io::duplex(16 * 1024);
        self.device.serve_commissioning(FramedStream::new(theirs));
        Ok(Dialed {
            stream: FramedStream::new(ours),
            remote: None,
            peer_certificate: None,
        })
    }

    async fn dial_operational(
        &self,
        _target: &Target,
        device_id: DeviceId,
        _credentials: &OperationalCredentials,
    ) -> Result<Dialed<DuplexStream>, mash_transport::Error> {
        self.attempts.lock().unwrap().push(Instant::now());
        let refused = || io::Error::new(io::ErrorKind::ConnectionRefused, "device offline").into();
        if !self.online.load(Ordering::SeqCst) {
            return Err(refused());
        }
        let (ours, theirs) = tokio::io::duplex(16 * 1024);
        if !self
            .device
            .serve_operational(FramedStream::new(theirs), device_id)
        {
            return Err(refused());
        }
        Ok(Dialed {
            stream: FramedStream::new(ours),
            remote: None,
            peer_certificate: self.device.certificate(device_id),
        })
    }
}

fn config(dir: &Path) -> ControllerConfig {
    let mut c = ControllerConfig::new(dir, ZoneType::Local, "sim-ems");
    c.reconnect = ReconnectPolicy {
        jitter_percent: 0,
        ..ReconnectPolicy::default()
    };
    c
}

fn target() -> Target {
    "127.0.0.1:8443".parse().unwrap()
}

fn code() -> SetupCode {
    SetupCode::parse(CODE).unwrap()
}

async fn next(sub: &mut mash_controller::Subscription) -> Option<SubscriptionEvent> {
    tokio::time::timeout(Duration::from_secs(120), sub.next())
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn reconnects_on_the_back_off_schedule_and_resubscribes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = TokioClock::new(UnixTime::system_now());
    let device = TestDevice::new(CODE, Arc::new(clock));
    let dialer = SimDialer::new(&device);
    let ems = Controller::open(config(dir.path()).with_clock(clock), dialer.clone())
        .await
        .unwrap();
    let ev = ems.commission(&target(), code()).await.unwrap().handle;
    let spec = SubscribePayload {
        attributes: vec![measurement::attr::AC_ACTIVE_POWER],
        ..SubscribePayload::default()
    };
    let mut sub = ev
        .subscribe(EP, FeatureType::Measurement, spec)
        .await
        .unwrap();

    dialer.online.store(false, Ordering::SeqCst);
    let dropped = Instant::now();
    device.drop_connections().await;
    assert_eq!(next(&mut sub).await, Some(SubscriptionEvent::Interrupted));
    tokio::time::sleep(Duration::from_millis(7_500)).await;
    assert!(matches!(
        ev.state(),
        LinkState::Disconnected { retry_in, .. } if retry_in == Duration::from_secs(8)
    ));
    dialer.online.store(true, Ordering::SeqCst);
    assert!(matches!(
        next(&mut sub).await,
        Some(SubscriptionEvent::Resubscribed(_))
    ));
    assert_eq!(ev.state(), LinkState::Connected);

    // 1 s, then doubling: attempts at +1, +3, +7 (refused) and +15 s.
    let after: Vec<u64> = dialer
        .attempts()
        .iter()
        .filter(|t| **t > dropped)
        .map(|t| (*t - dropped).as_millis() as u64)
        .collect();
    assert_eq!(after, [1_000, 3_000, 7_000, 15_000]);

    // And the back-off starts over once connected.
    device.drop_connections().await;
    assert_eq!(next(&mut sub).await, Some(SubscriptionEvent::Interrupted));
    let again = Instant::now();
    assert!(matches!(
        next(&mut sub).await,
        Some(SubscriptionEvent::Resubscribed(_))
    ));
    assert_eq!((Instant::now() - again).as_millis(), 1_000);
    device.set_power(2_000_000);
    let Some(SubscriptionEvent::Report(changes)) = next(&mut sub).await else {
        panic!("no report")
    };
    assert_eq!(
        changes.get(measurement::attr::AC_ACTIVE_POWER),
        Some(&Value::Uint(2_000_000))
    );
    ems.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_request_times_out_after_ten_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let clock = TokioClock::new(UnixTime::system_now());
    let device = TestDevice::new(CODE, Arc::new(clock));
    let ems = Controller::open(
        config(dir.path()).with_clock(clock),
        SimDialer::new(&device),
    )
    .await
    .unwrap();
    let ev = ems.commission(&target(), code()).await.unwrap().handle;
    device.set_mute(true);
    let start = Instant::now();
    let err = ev.read_all(EP, FeatureType::Measurement).await.unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err}");
    assert_eq!((Instant::now() - start).as_secs(), 10);
    // The connection stays up; the device answers again.
    device.set_mute(false);
    ev.read_all(EP, FeatureType::Measurement).await.unwrap();
    ems.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_device_can_read_the_controller() {
    let dir = tempfile::tempdir().unwrap();
    let clock = TokioClock::new(UnixTime::system_now());
    let device = TestDevice::new(CODE, Arc::new(clock));
    let ems = Controller::open(
        config(dir.path()).with_clock(clock),
        SimDialer::new(&device),
    )
    .await
    .unwrap();
    let _ev = ems.commission(&target(), code()).await.unwrap().handle;
    let mut frame = Vec::new();
    Request {
        // IDs 1-3 are safe here: our responses always carry a payload.
        message_id: 3,
        operation: Operation::Read,
        endpoint_id: 0,
        feature_id: FeatureType::DeviceInfo.value(),
        payload: None,
    }
    .encode(&mut frame);
    device.send_to_controller(frame).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    let response = device.response(3).expect("answered");
    assert_eq!(response.status, StatusCode::Success);
    let map = response.payload.unwrap();
    let map = map.as_map().unwrap();
    assert_eq!(
        map.get(device_info::attr::SPEC_VERSION),
        Some(&Value::Text("1.0".into()))
    );
    assert_eq!(
        map.get(device_info::attr::DEVICE_ID),
        Some(&Value::Text("controller-sim-ems".into()))
    );
    assert!(
        !map.get(device_info::attr::USE_CASES)
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
    ems.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn certificates_are_renewed_seven_days_before_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(UnixTime::system_now());
    let device = TestDevice::new(CODE, Arc::new(clock.clone()));
    let mut cfg = config(dir.path()).with_clock(clock.clone());
    cfg.renewal_check_interval = Duration::from_secs(3600);
    let ems = Controller::open(cfg, SimDialer::new(&device))
        .await
        .unwrap();
    let ev = ems.commission(&target(), code()).await.unwrap().handle;
    let id = ev.device_id();
    let before = ems.device(&id).unwrap();
    let own_before = ems.certificate().not_after();
    assert_eq!(before.cert_sequence, 2);

    // 359 days later both certificates are inside the 7-day window.
    clock.advance(Duration::from_secs(359 * 86_400));
    tokio::time::sleep(Duration::from_secs(3_601)).await;
    assert_eq!(device.renewals(), 1);
    let after = ems.device(&id).unwrap();
    assert_eq!(after.cert_sequence, 3);
    assert!(after.cert_not_after > before.cert_not_after);
    assert!(ems.certificate().not_after() > own_before);
    // The device now presents the renewed certificate; reconnecting works.
    device.drop_connections().await;
    ev.wait_connected(Duration::from_secs(10)).await.unwrap();
    ev.read_all(EP, FeatureType::Measurement).await.unwrap();
    ems.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_device_of_another_major_version_is_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let clock = TokioClock::new(UnixTime::system_now());
    let device = TestDevice::new(CODE, Arc::new(clock));
    device.set_spec_version("2.0");
    let dialer = SimDialer::new(&device);
    let ems = Controller::open(config(dir.path()).with_clock(clock), dialer.clone())
        .await
        .unwrap();
    let err = ems.commission(&target(), code()).await.unwrap_err();
    let Error::Commission(CommissionError::NotReachable { device_id, source }) = err else {
        panic!("{err}")
    };
    assert!(
        matches!(*source, Error::IncompatibleVersion { .. }),
        "{source}"
    );
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(dialer.attempts().len(), 1);
    let handle = ems.connect(device_id).unwrap();
    assert!(matches!(
        handle.wait_connected(Duration::from_secs(5)).await,
        Err(Error::IncompatibleVersion { .. })
    ));
    ems.shutdown().await;
}
