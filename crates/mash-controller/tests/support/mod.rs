//! A minimal MASH device for the controller's tests, built only from the
//! layers below the services: mash-transport's `DeviceListener` (or any
//! byte stream, for the in-memory dialer), mash-core's `DeviceHandshake`,
//! `ServerSession`, `RenewalResponder` and `EnergyControl`, and mash-pki.
//! It does not depend on mash-device.
#![allow(dead_code)]

use std::future::pending;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use mash_controller::{Clock, SystemClock};
use mash_core::cbor::{Map, Value};
use mash_core::commissioning::{
    CertificateCheck, CertificateVerified, CommissioningGate, DeviceEvent, DeviceHandshake,
    RenewalEvent, RenewalResponder, SetupCode, Verifier, ZonePolicy,
};
use mash_core::energy::{Config as EnergyConfig, EnergyControl, WallClock};
use mash_core::ids::{DeviceId, ZoneId};
use mash_core::interaction::{
    Application, Caller, Context, Failure, Inbound, ServerSession, SubscriptionLimits,
};
use mash_core::model::features::{device_info, energy_control as ec, limit_source, measurement};
use mash_core::model::{
    Change, CommandId, Device, Endpoint, EndpointId, EndpointType, Feature, FeatureType,
};
use mash_core::time::Instant;
use mash_core::wire::{Message, Response, StatusCode};
use mash_core::zone::ZoneType;
use mash_pki::{Certificate, LeafPolicy, PendingCsr, commissioning_identity, verify_leaf};
use mash_transport::{
    CertificateDer, ClockOffset, CommissioningServerConfig, Connection, ConnectionConfig,
    ConnectionSender, DeviceListener, FramedStream, Identity, Incoming, KeepAliveConfig,
    ListenerConfig, ListenerHandle, OperationalServerConfig, PrivateKeyDer, SharedPolicy,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::broadcast;

pub const CODE: &str = "20202021";
pub const EP: EndpointId = 1;
const VENDOR: u32 = 4660;
const PRODUCT: u32 = 1;

/// One zone the device belongs to.
#[derive(Clone)]
struct Zone {
    zone_id: ZoneId,
    zone_type: ZoneType,
    device_id: DeviceId,
    ca_der: Vec<u8>,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

struct State {
    model: Device,
    energy: EnergyControl,
    gate: CommissioningGate,
    zones: Vec<Zone>,
}

struct Inner {
    code: SetupCode,
    state: Mutex<State>,
    changes: broadcast::Sender<Arc<Vec<Change>>>,
    policy: Arc<SharedPolicy>,
    offset: ClockOffset,
    conns: Mutex<Vec<ConnectionSender>>,
    start: tokio::time::Instant,
    wall: Arc<dyn Clock>,
    renewals: AtomicU32,
    operational_connects: AtomicU32,
    /// Ignore every frame from controllers (request timeouts).
    mute: AtomicBool,
    /// Responses controllers sent to the device's own requests.
    responses: Mutex<Vec<Response>>,
}

/// The test device. Cheap to clone.
#[derive(Clone)]
pub struct TestDevice {
    inner: Arc<Inner>,
    pub addr: Option<SocketAddr>,
    listener: Option<ListenerHandle>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn model() -> Device {
    Device::new(vec![
        Endpoint::new(0, EndpointType::DeviceRoot).with_feature(
            Feature::new(&device_info::DEVICE_INFO)
                .with_value(device_info::attr::VENDOR_NAME, "test vendor")
                .with_value(device_info::attr::PRODUCT_NAME, "test wallbox")
                .with_value(device_info::attr::SERIAL_NUMBER, "SN-1"),
        ),
        Endpoint::new(EP, EndpointType::EvCharger)
            .with_feature(Feature::new(&measurement::MEASUREMENT).with_all_attributes())
            .with_feature(
                Feature::new(&ec::ENERGY_CONTROL)
                    .with_all_attributes()
                    .with_all_commands()
                    .with_value(ec::attr::ACCEPTS_LIMITS, true)
                    .with_value(ec::attr::ACCEPTS_SETPOINTS, true),
            )
            .with_feature(Feature::new(&limit_source::LIMIT_SOURCE).with_all_attributes()),
    ])
}

/// Commands as a device application answers them.
struct App<'a> {
    energy: &'a mut EnergyControl,
    removed: &'a mut bool,
}

impl Application for App<'_> {
    fn write(
        &mut self,
        ctx: &mut Context<'_>,
        ep: EndpointId,
        feature: FeatureType,
        attribute: u16,
        value: Value,
    ) -> Result<(), Failure> {
        if feature == FeatureType::EnergyControl {
            return self
                .energy
                .write(ctx.device, ctx.caller, ep, attribute, value, ctx.now);
        }
        ctx.device
            .set(ep, feature, attribute, value)
            .map(drop)
            .map_err(Failure::from)
    }

    fn invoke(
        &mut self,
        ctx: &mut Context<'_>,
        ep: EndpointId,
        feature: FeatureType,
        command: CommandId,
        params: &Map,
    ) -> Result<Map, Failure> {
        match feature {
            FeatureType::EnergyControl => self
                .energy
                .invoke(ctx.device, ctx.caller, ep, command, params, ctx.now),
            FeatureType::DeviceInfo if command == device_info::cmd::REMOVE_ZONE => {
                let own = ctx.caller.zone_id.to_string();
                if params.get_text("zoneId").and_then(Value::as_str) != Some(own.as_str()) {
                    return Err(Failure::new(StatusCode::ConstraintError, "not your zone"));
                }
                *self.removed = true;
                let mut m = Map::new();
                m.insert("removed", true);
                Ok(m)
            }
            _ => Err(StatusCode::InvalidCommand.into()),
        }
    }
}

impl TestDevice {
    /// A device without a listener (for in-memory dialers), reading
    /// wall-clock time from `wall`.
    pub fn new(code: &str, wall: Arc<dyn Clock>) -> Self {
        let model = model();
        let clock = WallClock {
            unix_ms_at_zero: wall.now().secs() * 1000,
        };
        let energy = EnergyControl::new(&model, EnergyConfig::default(), clock);
        let (changes, _) = broadcast::channel(64);
        let inner = Arc::new(Inner {
            code: SetupCode::parse(code).unwrap(),
            state: Mutex::new(State {
                model,
                energy,
                gate: CommissioningGate::new(ZonePolicy::default()),
                zones: Vec::new(),
            }),
            changes,
            policy: Arc::new(SharedPolicy::new()),
            offset: ClockOffset::new(),
            conns: Mutex::new(Vec::new()),
            start: tokio::time::Instant::now(),
            wall,
            renewals: AtomicU32::new(0),
            operational_connects: AtomicU32::new(0),
            mute: AtomicBool::new(false),
            responses: Mutex::new(Vec::new()),
        });
        Self {
            inner,
            addr: None,
            listener: None,
        }
    }

    /// A device listening on loopback with TLS (window open for good).
    pub async fn start_tls(code: &str) -> Self {
        let mut this = Self::new(code, Arc::new(SystemClock));
        let identity = commissioning_identity(42, this.inner.wall.now()).unwrap();
        let ident = to_identity(identity.cert_der(), &identity.key_pkcs8_der());
        this.inner
            .policy
            .set_commissioning(Some(CommissioningServerConfig::new(&ident).unwrap()));
        let config = ListenerConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            ..ListenerConfig::default()
        };
        let mut listener = DeviceListener::bind(config, this.inner.policy.clone())
            .await
            .unwrap();
        this.addr = Some(listener.local_addr());
        this.listener = Some(listener.handle());
        let inner = this.inner.clone();
        tokio::spawn(async move {
            while let Some(incoming) = listener.accept().await {
                match incoming {
                    Incoming::Commissioning(c) => {
                        tokio::spawn(inner.clone().serve_commissioning(c.stream));
                    }
                    Incoming::Operational(op) => {
                        let zone = {
                            let st = lock(&inner.state);
                            st.zones
                                .iter()
                                .find(|z| op.zones.contains(&z.zone_id))
                                .cloned()
                        };
                        let Some(zone) = zone else { continue };
                        let conn = op.start(device_connection_config());
                        tokio::spawn(inner.clone().serve_operational(conn, zone));
                    }
                }
            }
        });
        this
    }

    /// Serves a commissioning connection on any stream.
    pub fn serve_commissioning<S>(&self, stream: FramedStream<S>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        tokio::spawn(self.inner.clone().serve_commissioning(stream));
    }

    /// Serves an operational connection on any stream, for `device_id`'s
    /// zone; `false` if the device has no such zone.
    pub fn serve_operational<S>(&self, stream: FramedStream<S>, device_id: DeviceId) -> bool
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Some(zone) = self.zone_of(device_id) else {
            return false;
        };
        let conn = Connection::new(stream, device_connection_config());
        tokio::spawn(self.inner.clone().serve_operational(conn, zone));
        true
    }

    fn zone_of(&self, device_id: DeviceId) -> Option<Zone> {
        lock(&self.inner.state)
            .zones
            .iter()
            .find(|z| z.device_id == device_id)
            .cloned()
    }

    /// The operational certificate for `device_id`, DER.
    pub fn certificate(&self, device_id: DeviceId) -> Option<Vec<u8>> {
        self.zone_of(device_id).map(|z| z.cert_der)
    }

    pub fn zone_count(&self) -> usize {
        lock(&self.inner.state).zones.len()
    }

    pub fn renewals(&self) -> u32 {
        self.inner.renewals.load(Ordering::SeqCst)
    }

    pub fn operational_connects(&self) -> u32 {
        self.inner.operational_connects.load(Ordering::SeqCst)
    }

    /// Sets Measurement.acActivePower on endpoint 1.
    pub fn set_power(&self, mw: i64) {
        let changes = {
            let mut st = lock(&self.inner.state);
            st.model
                .set(
                    EP,
                    FeatureType::Measurement,
                    measurement::attr::AC_ACTIVE_POWER,
                    mw,
                )
                .unwrap();
            st.model.take_changes()
        };
        let _ = self.inner.changes.send(Arc::new(changes));
    }

    /// Sets DeviceInfo.specVersion.
    pub fn set_spec_version(&self, v: &str) {
        let mut st = lock(&self.inner.state);
        st.model
            .set(
                0,
                FeatureType::DeviceInfo,
                device_info::attr::SPEC_VERSION,
                v,
            )
            .unwrap();
        st.model.take_changes();
    }

    /// Closes every operational connection (graceful Close).
    pub async fn drop_connections(&self) {
        let conns: Vec<ConnectionSender> = lock(&self.inner.conns).drain(..).collect();
        for c in conns {
            c.close().await;
        }
    }

    /// Stops answering (frames are read and dropped).
    pub fn set_mute(&self, mute: bool) {
        self.inner.mute.store(mute, Ordering::SeqCst);
    }

    /// Sends a frame to the controller on the newest connection.
    pub async fn send_to_controller(&self, frame: Vec<u8>) {
        let sender = lock(&self.inner.conns).last().cloned();
        sender.unwrap().send(frame).await.unwrap();
    }

    /// The controller's response to the device's request `message_id`.
    pub fn response(&self, message_id: u32) -> Option<Response> {
        lock(&self.inner.responses)
            .iter()
            .find(|r| r.message_id == message_id)
            .cloned()
    }

    pub fn shutdown(&self) {
        if let Some(l) = &self.listener {
            l.shutdown();
        }
    }
}

fn device_connection_config() -> ConnectionConfig {
    ConnectionConfig {
        keep_alive: KeepAliveConfig::disabled(),
        ..ConnectionConfig::default()
    }
}

fn to_identity(cert_der: &[u8], key_der: &[u8]) -> Identity {
    Identity::new(
        vec![CertificateDer::from(cert_der.to_vec())],
        PrivateKeyDer::try_from(key_der.to_vec()).unwrap(),
    )
}

impl Inner {
    fn now(&self) -> Instant {
        let ms = self.start.elapsed().as_millis();
        Instant::from_millis(ms as u64)
    }

    fn publish(&self, changes: Vec<Change>) {
        if !changes.is_empty() {
            let _ = self.changes.send(Arc::new(changes));
        }
    }

    /// Rebuilds the operational TLS configuration from the zones.
    fn rebuild_tls(&self, zones: &[Zone]) {
        if zones.is_empty() {
            self.policy.set_operational(None);
            return;
        }
        let ids: Vec<Identity> = zones
            .iter()
            .map(|z| to_identity(&z.cert_der, &z.key_der))
            .collect();
        let cas: Vec<mash_transport::ZoneCa> = zones
            .iter()
            .map(|z| mash_transport::ZoneCa {
                zone_id: z.zone_id,
                cert: CertificateDer::from(z.ca_der.clone()),
            })
            .collect();
        let config = OperationalServerConfig::new(&ids, &cas, &self.offset).unwrap();
        self.policy.set_operational(Some(config));
    }

    async fn serve_commissioning<S>(self: Arc<Self>, mut stream: FramedStream<S>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let mut rng = UnwrapErr(SysRng);
        let verifier = Verifier::from_setup_code(&self.code).unwrap();
        let mut hs = DeviceHandshake::new(self.now(), verifier);
        let mut pending_csr: Option<PendingCsr> = None;
        let mut installed: Option<(Vec<u8>, Vec<u8>)> = None;
        loop {
            while let Some(p) = hs.poll_transmit() {
                if stream.write_frame(&p).await.is_err() {
                    return;
                }
            }
            let mut progressed = false;
            while let Some(event) = hs.poll_event() {
                progressed = true;
                let now = self.now();
                let mut st = lock(&self.state);
                let st = &mut *st;
                match event {
                    DeviceEvent::ZoneCaReceived { zone_ca_der } => {
                        let _ = match Certificate::from_der(zone_ca_der) {
                            Ok(ca) => {
                                hs.handle_zone_type(now, ca.zone_type(), &mut st.gate, &mut rng)
                            }
                            Err(_) => hs.handle_zone_ca_invalid(now, &mut st.gate, &mut rng),
                        };
                    }
                    DeviceEvent::CsrRequested { .. } => {
                        let csr = PendingCsr::commissioning(VENDOR, PRODUCT).unwrap();
                        let _ = hs.handle_csr(now, csr.csr_der().to_vec(), &mut st.gate, &mut rng);
                        pending_csr = Some(csr);
                    }
                    DeviceEvent::VerifyCertificate {
                        certificate_der,
                        zone_ca_der,
                    } => {
                        let checked = (|| {
                            let cert = Certificate::from_der(certificate_der).ok()?;
                            let ca = Certificate::from_der(zone_ca_der).ok()?;
                            let _proof = verify_leaf(
                                &cert,
                                &ca,
                                self.wall.now(),
                                LeafPolicy::INSTALLED_DEVICE_CERT,
                            )
                            .ok()?;
                            let id = cert.device_id().ok()?;
                            let identity = pending_csr.take()?.install(cert).ok()?;
                            Some((id, identity))
                        })();
                        let _ = match checked {
                            Some((id, identity)) => {
                                installed =
                                    Some((identity.cert_der().to_vec(), identity.key_pkcs8_der()));
                                hs.handle_certificate_verified(
                                    now,
                                    CertificateVerified::assertion(id),
                                    &mut st.gate,
                                    &mut rng,
                                )
                            }
                            None => hs.handle_certificate_rejected(now, &mut st.gate, &mut rng),
                        };
                    }
                    DeviceEvent::Commissioned(c) => {
                        let Some((cert_der, key_der)) = installed.take() else {
                            continue;
                        };
                        st.zones.push(Zone {
                            zone_id: c.zone_id,
                            zone_type: c.zone_type,
                            device_id: c.device_id,
                            ca_der: c.zone_ca_der,
                            cert_der,
                            key_der,
                        });
                        st.energy
                            .add_zone(&mut st.model, c.zone_id, c.zone_type, now);
                        let policy = ZonePolicy {
                            existing: st.zones.iter().map(|z| z.zone_type).collect(),
                            ..ZonePolicy::default()
                        };
                        st.gate.set_policy(policy);
                        self.rebuild_tls(&st.zones);
                        let changes = st.model.take_changes();
                        self.publish(changes);
                    }
                    _ => {}
                }
            }
            if progressed {
                continue;
            }
            if hs.is_closed() {
                break;
            }
            let deadline = hs
                .poll_timeout()
                .map(|t| self.start + std::time::Duration::from_millis(t.as_millis()));
            let timer = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => pending().await,
                }
            };
            tokio::select! {
                frame = stream.read_frame() => match frame {
                    Ok(Some(p)) => {
                        let now = self.now();
                        let mut st = lock(&self.state);
                        let _ = hs.handle_message(now, &p, &mut st.gate, &mut rng);
                    }
                    _ => {
                        let now = self.now();
                        let mut st = lock(&self.state);
                        hs.handle_close(now, &mut st.gate);
                        break;
                    }
                },
                () = timer => {
                    let now = self.now();
                    let mut st = lock(&self.state);
                    let _ = hs.handle_timeout(now, &mut st.gate, &mut rng);
                }
            }
        }
        // DEC-066: the device closes the commissioning connection itself.
        let _ = stream.shutdown().await;
    }

    async fn serve_operational(self: Arc<Self>, conn: Connection, zone: Zone) {
        self.operational_connects.fetch_add(1, Ordering::SeqCst);
        lock(&self.conns).push(conn.sender());
        let caller = Caller {
            zone_id: zone.zone_id,
            zone_type: zone.zone_type,
        };
        let mut session = ServerSession::new(caller, SubscriptionLimits::default());
        let mut responder = RenewalResponder::new(0);
        let mut renewal_key: Option<PendingCsr> = None;
        let mut changes = self.changes.subscribe();
        {
            let now = self.now();
            let mut st = lock(&self.state);
            let st = &mut *st;
            st.energy.zone_connected(&mut st.model, &zone.zone_id, now);
            let c = st.model.take_changes();
            self.publish(c);
        }
        let mut conn = conn;
        loop {
            let deadline = {
                let st = lock(&self.state);
                [session.poll_timeout(), st.energy.poll_timeout()]
                    .into_iter()
                    .flatten()
                    .min()
                    .map(|t| self.start + std::time::Duration::from_millis(t.as_millis()))
            };
            let timer = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => pending().await,
                }
            };
            tokio::select! {
                frame = conn.recv() => {
                    let Some(frame) = frame else { break };
                    if self.mute.load(Ordering::SeqCst) {
                        continue;
                    }
                    let (out, removed) = self.on_frame(&mut session, &mut responder, &mut renewal_key, &zone, &frame);
                    for f in out {
                        let _ = conn.send(f).await;
                    }
                    if removed {
                        self.remove_zone(&zone);
                        conn.close().await;
                        return;
                    }
                }
                c = changes.recv() => {
                    if let Ok(c) = c {
                        session.handle_changes(&c, self.now());
                    }
                }
                () = timer => {
                    let now = self.now();
                    let notes = {
                        let mut st = lock(&self.state);
                        let st = &mut *st;
                        st.energy.handle_timeout(&mut st.model, now);
                        let c = st.model.take_changes();
                        self.publish(c);
                        session.handle_timeout(&st.model, now);
                        std::iter::from_fn(|| session.poll_notification()).collect::<Vec<_>>()
                    };
                    for n in notes {
                        let mut buf = Vec::new();
                        n.encode(&mut buf);
                        let _ = conn.send(buf).await;
                    }
                }
            }
        }
        let now = self.now();
        let mut st = lock(&self.state);
        let st = &mut *st;
        if st.zones.iter().any(|z| z.zone_id == zone.zone_id) {
            st.energy
                .zone_disconnected(&mut st.model, &zone.zone_id, now);
        }
        let c = st.model.take_changes();
        self.publish(c);
    }

    /// One frame: requests to the session, renewal frames to the
    /// responder. Returns frames to send and whether the zone was removed.
    fn on_frame(
        &self,
        session: &mut ServerSession,
        responder: &mut RenewalResponder,
        renewal_key: &mut Option<PendingCsr>,
        zone: &Zone,
        frame: &[u8],
    ) -> (Vec<Vec<u8>>, bool) {
        let now = self.now();
        let mut out = Vec::new();
        let mut removed = false;
        let mut st = lock(&self.state);
        let st = &mut *st;
        let inbound = session.handle_frame(
            &mut st.model,
            &mut App {
                energy: &mut st.energy,
                removed: &mut removed,
            },
            frame,
            now,
        );
        let changes = st.model.take_changes();
        self.publish(changes);
        match inbound {
            Inbound::Respond(r) => {
                let mut buf = Vec::new();
                r.encode(&mut buf);
                out.push(buf);
            }
            Inbound::Other(Message::Response(r)) => lock(&self.responses).push(r),
            Inbound::Other(Message::Renewal(_)) => {
                if responder.handle_message(frame).is_ok() {
                    self.renewal_events(st, responder, renewal_key, zone);
                }
                out.extend(std::iter::from_fn(|| responder.poll_transmit()));
            }
            _ => {}
        }
        (out, removed)
    }

    fn renewal_events(
        &self,
        st: &mut State,
        responder: &mut RenewalResponder,
        renewal_key: &mut Option<PendingCsr>,
        zone: &Zone,
    ) {
        while let Some(event) = responder.poll_event() {
            match event {
                RenewalEvent::GenerateCsr => {
                    let csr = PendingCsr::renewal(VENDOR, PRODUCT, zone.device_id).unwrap();
                    let _ = responder.handle_csr(csr.csr_der().to_vec());
                    *renewal_key = Some(csr);
                }
                RenewalEvent::CheckCertificate {
                    certificate_der, ..
                } => {
                    let check = match (Certificate::from_der(certificate_der), renewal_key.as_ref())
                    {
                        (Ok(c), Some(k)) if c.spki_der() == k.key().spki_der() => {
                            CertificateCheck::KeyMatches
                        }
                        (Ok(_), _) => CertificateCheck::KeyMismatch,
                        (Err(_), _) => CertificateCheck::Unparseable,
                    };
                    let _ = responder.handle_certificate_check(check);
                }
                RenewalEvent::Renewed {
                    certificate_der, ..
                } => {
                    let Some(key) = renewal_key.take() else {
                        continue;
                    };
                    let key_der = key.key().pkcs8_der();
                    if let Some(z) = st.zones.iter_mut().find(|z| z.zone_id == zone.zone_id) {
                        z.cert_der = certificate_der;
                        z.key_der = key_der;
                    }
                    self.rebuild_tls(&st.zones);
                    self.renewals.fetch_add(1, Ordering::SeqCst);
                }
                _ => {}
            }
        }
    }

    fn remove_zone(&self, zone: &Zone) {
        let now = self.now();
        let mut st = lock(&self.state);
        let st = &mut *st;
        st.zones.retain(|z| z.zone_id != zone.zone_id);
        st.energy.remove_zone(&mut st.model, &zone.zone_id, now);
        let policy = ZonePolicy {
            existing: st.zones.iter().map(|z| z.zone_type).collect(),
            ..ZonePolicy::default()
        };
        st.gate.set_policy(policy);
        self.rebuild_tls(&st.zones);
        let c = st.model.take_changes();
        self.publish(c);
    }
}
