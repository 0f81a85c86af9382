//! The device service: a tokio shell around [`DeviceCore`].
//!
//! One task owns the core. Connection tasks pump frames to it and from it;
//! the listener (or, under simulation, the caller) hands it connections;
//! it writes state documents, rebuilds the TLS policy and the mDNS
//! records when the core says so, and sleeps until the core's next timer.
//! Time is `tokio::time`, so the whole service runs under a paused clock.

mod links;
mod mdns;
mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mash_core::commissioning::Verifier;
use mash_core::energy::{self, WallClock};
use mash_core::ids::ZoneId;
use mash_core::time::Instant;
use mash_core::wire::{Operation, Response};
use mash_core::zone::ZoneType;
use mash_pki::UnixTime;
use mash_transport::{
    ClockOffset, Connection, ConnectionConfig, DeviceListener, FramedStream, Identity, Incoming,
    ListenerHandle, SharedPolicy,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tracing::{debug, info, warn};

use self::links::{FromConn, ToConn};
use crate::appliance;
use crate::config::DeviceConfig;
use crate::core::{ConnId, CoreConfig, DeviceCore, DeviceEvent, Output, StoreOp};
use crate::models::{self, ModelOptions};
use crate::persist::{CommissioningRecord, DeviceStore};

/// Why the service could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum DeviceError {
    /// The state directory is unreadable or corrupt.
    Store(mash_store::StoreError),
    /// Certificates could not be made.
    Pki(mash_pki::PkiError),
    /// The listener could not bind.
    Transport(mash_transport::Error),
    /// mDNS could not start.
    Discovery(mash_discovery::Error),
    /// The setup code cannot be used.
    SetupCode(mash_core::commissioning::SetupCodeError),
}

impl std::fmt::Display for DeviceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Store(e) => write!(f, "state: {e}"),
            Self::Pki(e) => write!(f, "certificates: {e}"),
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::Discovery(e) => write!(f, "discovery: {e}"),
            Self::SetupCode(e) => write!(f, "setup code: {e}"),
        }
    }
}

impl std::error::Error for DeviceError {}

/// A zone as observers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSummary {
    /// Zone ID.
    pub zone_id: ZoneId,
    /// Zone type.
    pub zone_type: ZoneType,
    /// The device's ID in the zone.
    pub device_id: String,
    /// The Zone CA (DER), for transports that check client certificates.
    pub zone_ca_der: Vec<u8>,
    /// Whether its controller is connected.
    pub connected: bool,
}

/// The device's externally visible state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Zones.
    pub zones: Vec<ZoneSummary>,
    /// Commissioning window open.
    pub window_open: bool,
    /// Advertised as commissionable (window open and a slot free).
    pub commissionable: bool,
}

type Inspect = Box<dyn FnOnce(&DeviceCore) + Send>;

enum Command {
    OpenWindow(Option<Duration>),
    CloseWindow,
    RemoveZone(ZoneId),
    PairingRequest,
    Request {
        zone: ZoneId,
        operation: Operation,
        endpoint: u8,
        feature: u8,
        payload: Option<mash_core::cbor::Value>,
        reply: oneshot::Sender<Option<Response>>,
    },
    Inspect(Inspect),
    Shutdown(oneshot::Sender<()>),
}

/// Controls a running device. Cheap to clone.
#[derive(Clone)]
pub struct DeviceHandle {
    commands: mpsc::Sender<Command>,
    links: mpsc::Sender<FromConn>,
    snapshot: watch::Receiver<Snapshot>,
    events: broadcast::Sender<DeviceEvent>,
    local_addr: Option<SocketAddr>,
}

impl std::fmt::Debug for DeviceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceHandle")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl DeviceHandle {
    /// The listening address (real network only).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The current state.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.borrow().clone()
    }

    /// Waits until `f` holds for the state (or the device stops).
    pub async fn wait_for(&self, mut f: impl FnMut(&Snapshot) -> bool) -> Snapshot {
        let mut rx = self.snapshot.clone();
        loop {
            {
                let s = rx.borrow_and_update();
                if f(&s) {
                    return s.clone();
                }
            }
            if rx.changed().await.is_err() {
                return rx.borrow().clone();
            }
        }
    }

    /// Device events (zone added, connected, lost...).
    pub fn events(&self) -> broadcast::Receiver<DeviceEvent> {
        self.events.subscribe()
    }

    /// Opens the commissioning window (the "button"); `None` uses the
    /// configured length.
    pub async fn open_window(&self, duration: Option<Duration>) {
        let _ = self.commands.send(Command::OpenWindow(duration)).await;
        self.sync().await;
    }

    /// Closes the commissioning window.
    pub async fn close_window(&self) {
        let _ = self.commands.send(Command::CloseWindow).await;
        self.sync().await;
    }

    /// Removes a zone locally (e.g. from a local UI).
    pub async fn remove_zone(&self, zone: ZoneId) {
        let _ = self.commands.send(Command::RemoveZone(zone)).await;
        self.sync().await;
    }

    /// A pairing request for this device arrived.
    pub async fn pairing_request(&self) {
        let _ = self.commands.send(Command::PairingRequest).await;
        self.sync().await;
    }

    /// Sends a request to a zone's controller (bidirectional sessions);
    /// `None` on timeout or when the zone is not connected.
    pub async fn request_controller(
        &self,
        zone: ZoneId,
        operation: Operation,
        endpoint: u8,
        feature: u8,
        payload: Option<mash_core::cbor::Value>,
    ) -> Option<Response> {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Request {
            zone,
            operation,
            endpoint,
            feature,
            payload,
            reply,
        };
        self.commands.send(cmd).await.ok()?;
        rx.await.ok().flatten()
    }

    /// Returns once the device task has handled everything sent before.
    async fn sync(&self) {
        let _ = self.inspect(|_| ()).await;
    }

    /// Runs `f` on the core and returns its result (inspection, tests).
    pub async fn inspect<R: Send + 'static>(
        &self,
        f: impl FnOnce(&DeviceCore) -> R + Send + 'static,
    ) -> Option<R> {
        let (tx, rx) = oneshot::channel();
        let cmd = Command::Inspect(Box::new(move |core| {
            let _ = tx.send(f(core));
        }));
        self.commands.send(cmd).await.ok()?;
        rx.await.ok()
    }

    /// Hands the device a commissioning connection (simulated networks;
    /// the real listener does this itself).
    pub fn attach_commissioning<S>(&self, stream: FramedStream<S>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        tokio::spawn(links::commissioning(stream, (), self.links.clone()));
    }

    /// Hands the device a zone connection whose certificate matched
    /// `zones` (simulated networks).
    pub fn attach_operational(&self, connection: Connection, zones: Vec<ZoneId>) {
        tokio::spawn(links::operational(connection, zones, self.links.clone()));
    }

    /// Stops the device: the failsafe timer is saved, connections close,
    /// mDNS says goodbye.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// Starts a device on the real network: TLS listener on
/// `config.listen`, mDNS if configured.
pub async fn start(config: DeviceConfig) -> Result<DeviceHandle, DeviceError> {
    let policy = Arc::new(SharedPolicy::new());
    let listener = DeviceListener::bind(config.listener(), policy.clone())
        .await
        .map_err(DeviceError::Transport)?;
    let local_addr = listener.local_addr();
    let (mdns, browser) = match &config.mdns {
        Some(cfg) => {
            let (m, b) = mdns::Mdns::start(cfg, &config, local_addr.port())
                .map_err(DeviceError::Discovery)?;
            (Some(m), Some(b))
        }
        None => (None, None),
    };
    let (discriminator, max_zones) = (config.discriminator.value(), config.max_zones);
    let listener_handle = listener.handle();
    let (mut handle, runner) = prepare(config, Some((policy, listener_handle)), mdns)?;
    handle.local_addr = Some(local_addr);
    tokio::spawn(accept_loop(
        listener,
        handle.links.clone(),
        runner.keep_alive,
    ));
    tokio::spawn(runner.run());
    if let Some(browser) = browser {
        tokio::spawn(mdns::pairing_listener(
            browser,
            handle.clone(),
            discriminator,
            max_zones,
        ));
    }
    Ok(handle)
}

/// Starts a device without a network: connections are attached by the
/// caller (the simulator).
pub fn start_detached(config: DeviceConfig) -> Result<DeviceHandle, DeviceError> {
    let (handle, runner) = prepare(config, None, None)?;
    tokio::spawn(runner.run());
    Ok(handle)
}

async fn accept_loop(
    mut listener: DeviceListener,
    device: mpsc::Sender<FromConn>,
    keep_alive: mash_transport::KeepAliveConfig,
) {
    while let Some(incoming) = listener.accept().await {
        match incoming {
            Incoming::Commissioning(c) => {
                debug!(remote = %c.remote, "commissioning connection");
                let guard = (c.guard, c.shutdown);
                tokio::spawn(links::commissioning(c.stream, guard, device.clone()));
            }
            Incoming::Operational(op) => {
                debug!(remote = %op.remote, zones = op.zones.len(), "zone connection");
                let zones = op.zones.clone();
                let conn = op.start(ConnectionConfig {
                    keep_alive,
                    ..ConnectionConfig::default()
                });
                tokio::spawn(links::operational(conn, zones, device.clone()));
            }
        }
    }
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn prepare(
    config: DeviceConfig,
    network: Option<(Arc<SharedPolicy>, ListenerHandle)>,
    mdns: Option<mdns::Mdns>,
) -> Result<(DeviceHandle, Runner), DeviceError> {
    let store = DeviceStore::open(&config.state_dir).map_err(DeviceError::Store)?;
    let restored = store.load().map_err(DeviceError::Store)?;
    let discriminator = config.discriminator.value();
    let commissioning = match restored
        .commissioning
        .clone()
        .filter(|c| c.discriminator == discriminator)
    {
        Some(c) => c,
        None => {
            let now = UnixTime::from_secs(unix_ms() / 1000);
            let id =
                mash_pki::commissioning_identity(discriminator, now).map_err(DeviceError::Pki)?;
            let record = CommissioningRecord {
                discriminator,
                cert_der: id.cert_der().to_vec(),
                key_der: id.key_pkcs8_der(),
            };
            store
                .save_commissioning(&record)
                .map_err(DeviceError::Store)?;
            record
        }
    };
    let model = models::build(
        config.kind,
        &config.identity,
        ModelOptions {
            test_control: config.test_key.is_some(),
            ..ModelOptions::default()
        },
    );
    let core_config = CoreConfig {
        verifier: Verifier::from_setup_code(&config.setup_code).map_err(DeviceError::SetupCode)?,
        discriminator,
        vendor_id: config.identity.vendor_id.unwrap_or(0),
        product_id: config.identity.product_id.map_or(0, u32::from),
        max_zones: config.max_zones,
        unique_zone_types: config.unique_zone_types,
        window: config.window,
        test_key: config.test_key.clone(),
        access: config.access.clone(),
        energy: energy::Config {
            connect_grace: config.connect_grace,
            ..energy::Config::default()
        },
        subscriptions: config.subscriptions(),
    };
    let start = tokio::time::Instant::now();
    let clock = WallClock {
        unix_ms_at_zero: unix_ms(),
    };
    let sim = appliance::SimConfig {
        wall_clock: clock,
        ..appliance::SimConfig::default()
    };
    let core = DeviceCore::new(
        core_config,
        model,
        appliance::appliance(config.kind, &sim),
        restored,
        Instant::ZERO,
        clock,
        rand::make_rng(),
    );
    let (commands_tx, commands) = mpsc::channel(64);
    let (links_tx, links) = mpsc::channel(256);
    let (snapshot_tx, snapshot) = watch::channel(snapshot(&core));
    let (events, _) = broadcast::channel(256);
    let handle = DeviceHandle {
        commands: commands_tx,
        links: links_tx,
        snapshot,
        events: events.clone(),
        local_addr: None,
    };
    let runner = Runner {
        core,
        start,
        store,
        commands,
        links,
        writers: HashMap::new(),
        requests: HashMap::new(),
        next_token: 1,
        snapshot: snapshot_tx,
        events,
        commissioning_identity: tls::commissioning_identity(
            &commissioning.cert_der,
            &commissioning.key_der,
        ),
        clock_offset: ClockOffset::new(),
        policy: network.as_ref().map(|n| n.0.clone()),
        listener: network.map(|n| n.1),
        mdns,
        keep_alive: config.keep_alive,
    };
    Ok((handle, runner))
}

struct Runner {
    core: DeviceCore,
    start: tokio::time::Instant,
    store: DeviceStore,
    commands: mpsc::Receiver<Command>,
    links: mpsc::Receiver<FromConn>,
    writers: HashMap<ConnId, mpsc::UnboundedSender<ToConn>>,
    requests: HashMap<u64, oneshot::Sender<Option<Response>>>,
    next_token: u64,
    snapshot: watch::Sender<Snapshot>,
    events: broadcast::Sender<DeviceEvent>,
    commissioning_identity: Identity,
    clock_offset: ClockOffset,
    policy: Option<Arc<SharedPolicy>>,
    listener: Option<ListenerHandle>,
    mdns: Option<mdns::Mdns>,
    keep_alive: mash_transport::KeepAliveConfig,
}

impl Runner {
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn deadline(&self) -> Option<tokio::time::Instant> {
        self.core
            .poll_timeout()
            .map(|t| self.start + Duration::from_millis(t.as_millis()))
    }

    async fn run(mut self) {
        loop {
            self.drain();
            let deadline = self.deadline();
            tokio::select! {
                Some(msg) = self.links.recv() => self.on_link(msg),
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Shutdown(done)) => {
                        self.shutdown().await;
                        let _ = done.send(());
                        return;
                    }
                    Some(cmd) => self.on_command(cmd),
                    None => {
                        self.shutdown().await;
                        return;
                    }
                },
                () = sleep_until(deadline) => {
                    let now = self.now();
                    self.core.handle_timeout(now);
                }
            }
        }
    }

    fn on_link(&mut self, msg: FromConn) {
        let now = self.now();
        match msg {
            FromConn::CommissioningOpened { reply, tx } => {
                // The TLS policy already refuses `mash-comm/1` while the window
                // is closed; attached (simulated) connections are checked here.
                if !self.core.window_open() {
                    debug!("commissioning connection refused: window closed");
                    return;
                }
                let conn = self.core.commissioning_opened(now);
                self.writers.insert(conn, tx);
                let _ = reply.send(conn);
            }
            FromConn::OperationalOpened { zones, reply, tx } => {
                let opened = self
                    .core
                    .operational_opened(&zones, now)
                    .map(|(conn, _)| conn);
                if let Some(conn) = opened {
                    self.writers.insert(conn, tx);
                }
                let _ = reply.send(opened);
            }
            FromConn::Frame {
                conn,
                commissioning: true,
                payload,
            } => self.core.commissioning_frame(conn, &payload, now),
            FromConn::Frame {
                conn,
                commissioning: false,
                payload,
            } => self.core.operational_frame(conn, &payload, now),
            FromConn::Closed {
                conn,
                commissioning,
                reason,
            } => {
                debug!(conn, %reason, "connection closed");
                self.writers.remove(&conn);
                if commissioning {
                    self.core.commissioning_closed(conn, now);
                } else {
                    self.core.operational_closed(conn, now);
                }
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        let now = self.now();
        match cmd {
            Command::OpenWindow(d) => self.core.open_window(now, d),
            Command::CloseWindow => self.core.close_window(),
            Command::RemoveZone(z) => self.core.remove_zone(&z, now),
            Command::PairingRequest => {
                self.core.pairing_request(now);
            }
            Command::Request {
                zone,
                operation,
                endpoint,
                feature,
                payload,
                reply,
            } => {
                let token = self.next_token;
                self.next_token += 1;
                let request = mash_core::wire::Request {
                    message_id: 0,
                    operation,
                    endpoint_id: endpoint,
                    feature_id: feature,
                    payload,
                };
                if self.core.request_controller(&zone, request, token, now) {
                    self.requests.insert(token, reply);
                } else {
                    let _ = reply.send(None);
                }
            }
            Command::Inspect(f) => f(&self.core),
            Command::Shutdown(_) => {}
        }
    }

    fn drain(&mut self) {
        let mut snapshot_dirty = false;
        while let Some(out) = self.core.poll_output() {
            match out {
                Output::Transmit { conn, frame } => {
                    if let Some(w) = self.writers.get(&conn) {
                        let _ = w.send(ToConn::Frame(frame));
                    }
                }
                Output::Close { conn } => {
                    if let Some(w) = self.writers.get(&conn) {
                        let _ = w.send(ToConn::Close);
                    }
                }
                Output::Store(op) => self.store(op),
                Output::TlsChanged => {
                    if let Some(policy) = &self.policy {
                        tls::apply(
                            policy,
                            &self.core.tls_material(),
                            &self.commissioning_identity,
                            &self.clock_offset,
                        );
                    }
                    snapshot_dirty = true;
                }
                Output::DiscoveryChanged => {
                    if let Some(mdns) = &mut self.mdns {
                        mdns.update(&self.core);
                    }
                    snapshot_dirty = true;
                }
                Output::ClockOffset(s) => self.clock_offset.set(s),
                Output::AbortPreOperational => {
                    if let Some(l) = &self.listener {
                        l.abort_pre_operational();
                    }
                }
                Output::ClientReply(r) => {
                    if let Some(tx) = self.requests.remove(&r.token) {
                        let _ = tx.send(r.response);
                    }
                }
                Output::Event(e) => {
                    info!(event = ?e, "device event");
                    if matches!(
                        e,
                        DeviceEvent::ZoneConnected { .. } | DeviceEvent::ZoneDisconnected { .. }
                    ) {
                        snapshot_dirty = true;
                    }
                    let _ = self.events.send(e);
                }
            }
        }
        if snapshot_dirty {
            self.snapshot.send_replace(snapshot(&self.core));
        }
    }

    fn store(&self, op: StoreOp) {
        let result = match &op {
            StoreOp::SaveZone(z) => self.store.save_zone(z),
            StoreOp::ForgetZone(id) => self.store.forget_zone(id),
            StoreOp::SaveSettings(s) => self.store.save_settings(s),
        };
        if let Err(e) = result {
            warn!(error = %e, "could not persist state");
        }
    }

    async fn shutdown(&mut self) {
        let now = self.now();
        if let Err(e) = self.store.save_settings(&self.core.settings_snapshot(now)) {
            warn!(error = %e, "could not persist failsafe state");
        }
        for w in self.writers.values() {
            let _ = w.send(ToConn::Close);
        }
        if let Some(l) = &self.listener {
            l.shutdown();
        }
        if let Some(mdns) = self.mdns.take() {
            mdns.shutdown().await;
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn snapshot(core: &DeviceCore) -> Snapshot {
    let d = core.discovery_state();
    Snapshot {
        zones: core
            .zones()
            .iter()
            .filter_map(|z| {
                let zone_id = z.id()?;
                Some(ZoneSummary {
                    zone_id,
                    zone_type: z.ty(),
                    device_id: z.device_id.clone(),
                    zone_ca_der: z.zone_ca_der.clone(),
                    connected: core.is_connected(&zone_id),
                })
            })
            .collect(),
        window_open: core.window_open(),
        commissionable: d.commissionable,
    }
}
