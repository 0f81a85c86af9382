//! The device's single-port listener (INTEROP.md §3.2, transport.md §5.3-
//! §5.4, security.md §11.9).
//!
//! One TCP port carries both phases. For each TCP connection:
//!
//! 1. **Cap** (DEC-062): if `max_zones + 1` connections are already
//!    pre-operational, the raw TCP connection is closed before TLS.
//! 2. **Route** on the ClientHello: `mash-comm/1` offered anywhere → the
//!    commissioning path, refused while [`TlsPolicy::commissioning`] is
//!    `None` (window closed); otherwise `mash/1` → the operational path,
//!    refused while [`TlsPolicy::operational`] is `None` (no zone). A
//!    refused handshake gets a fatal `access_denied` alert.
//! 3. **Handshake** within 10 s of accept; the negotiated ALPN must be the
//!    path's.
//! 4. The connection is handed to the service as an [`Incoming`], still
//!    pre-operational: it counts against the cap and the **reaper** aborts
//!    it after 90 s (DEC-064) until the service calls
//!    [`PreOperationalGuard::mark_operational`] (or
//!    [`OperationalConn::start`], which does so).
//!
//! Every refusal is logged with its reason at `warn` level.
//!
//! Shutdown follows mini-redis: [`ListenerHandle::shutdown`] broadcasts,
//! the accept loop, handshakes and reaper stop, pre-operational connections
//! are aborted, [`Connection`]s holding the [`ShutdownSignal`] close
//! gracefully, and [`DeviceListener::drain`] waits for all of them.
//!
//! The spec runs the listener only while the commissioning window is open
//! or a zone exists; a service may simply keep it running, since the
//! policy refuses both paths in between.

mod route;
mod socket;
mod tracker;

use std::net::{Ipv6Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use mash_core::ids::ZoneId;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tracing::{debug, info, warn};

pub use tracker::PreOperationalGuard;

use self::route::{Refusal, Routed};
use self::tracker::Tracker;
use crate::connection::{Connection, ConnectionConfig};
use crate::error::Error;
use crate::framing::FramedStream;
use crate::shutdown::ShutdownSignal;
use crate::tls::{CommissioningServerConfig, OperationalServerConfig, PeerCertificate};

/// The TLS stream of an accepted connection.
pub type ServerStream = tokio_rustls::server::TlsStream<TcpStream>;

/// Listener settings; [`Default`] gives the spec's values.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Address to bind; default `[::]:8443`, dual-stack.
    pub bind: SocketAddr,
    /// Zone slots; at most `max_zones + 1` connections may be
    /// pre-operational at once (DEC-062; default 2, so the cap is 3).
    pub max_zones: usize,
    /// From TCP accept to the end of the TLS handshake (10 s).
    pub handshake_timeout: Duration,
    /// Age at which the reaper aborts a pre-operational connection (90 s);
    /// zero disables the reaper (DEC-064).
    pub stale_timeout: Duration,
    /// How often the reaper scans (10 s).
    pub reaper_interval: Duration,
    /// First pause after a failed accept; doubles per failure.
    pub accept_backoff: Duration,
    /// Longest pause after failed accepts.
    pub accept_backoff_max: Duration,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), crate::DEFAULT_PORT),
            max_zones: 2,
            handshake_timeout: Duration::from_secs(10),
            stale_timeout: Duration::from_secs(90),
            reaper_interval: Duration::from_secs(10),
            accept_backoff: Duration::from_millis(50),
            accept_backoff_max: Duration::from_secs(5),
        }
    }
}

impl ListenerConfig {
    /// The transport cap: `max_zones + 1`.
    pub fn cap(&self) -> usize {
        self.max_zones.saturating_add(1)
    }
}

/// Which TLS configurations the device offers right now.
///
/// Asked on every ClientHello, so the answer may change as the
/// commissioning window opens and closes and zones come and go.
pub trait TlsPolicy: Send + Sync + 'static {
    /// The commissioning configuration while the commissioning window is
    /// open, else `None`.
    fn commissioning(&self) -> Option<CommissioningServerConfig>;
    /// The operational configuration while at least one zone exists, else
    /// `None`.
    fn operational(&self) -> Option<OperationalServerConfig>;
}

/// A [`TlsPolicy`] the service updates by setting values.
#[derive(Debug, Default)]
pub struct SharedPolicy {
    commissioning: RwLock<Option<CommissioningServerConfig>>,
    operational: RwLock<Option<OperationalServerConfig>>,
}

impl SharedPolicy {
    /// Both paths closed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens (`Some`) or closes (`None`) the commissioning path.
    pub fn set_commissioning(&self, config: Option<CommissioningServerConfig>) {
        *self
            .commissioning
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = config;
    }

    /// Installs the operational configuration, or `None` when no zone is
    /// left.
    pub fn set_operational(&self, config: Option<OperationalServerConfig>) {
        *self
            .operational
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = config;
    }
}

impl TlsPolicy for SharedPolicy {
    fn commissioning(&self) -> Option<CommissioningServerConfig> {
        self.commissioning
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn operational(&self) -> Option<OperationalServerConfig> {
        self.operational
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A connection that completed its TLS handshake.
#[derive(Debug)]
pub enum Incoming {
    /// ALPN `mash-comm/1`: run PASE and the certificate exchange on it.
    Commissioning(CommissioningConn),
    /// ALPN `mash/1` with a verified zone client certificate.
    Operational(OperationalConn),
}

impl Incoming {
    /// The peer's address.
    pub fn remote(&self) -> SocketAddr {
        match self {
            Self::Commissioning(c) => c.remote,
            Self::Operational(c) => c.remote,
        }
    }
}

/// A commissioning connection (INTEROP.md §3.4, §5).
///
/// Frames are read and written on [`stream`](Self::stream) directly; the
/// commissioning phase processes no control messages (INTEROP.md §2.2).
/// Stream operations fail with [`Error::Aborted`] once the reaper or a
/// shutdown aborts the connection. The PASE first-message timeout
/// (DEC-061) is the service's.
#[derive(Debug)]
pub struct CommissioningConn {
    /// The peer's address.
    pub remote: SocketAddr,
    /// The framed TLS stream.
    pub stream: FramedStream<ServerStream>,
    /// Its place under the transport cap; released on drop.
    pub guard: PreOperationalGuard,
    /// The listener's shutdown.
    pub shutdown: ShutdownSignal,
}

/// An operational connection whose client certificate chains to one of
/// the device's zone CAs (INTEROP.md §3.3).
#[derive(Debug)]
pub struct OperationalConn {
    /// The peer's address.
    pub remote: SocketAddr,
    /// The controller's certificate.
    pub peer: PeerCertificate,
    /// Zones whose CA SubjectKeyIdentifier equals the certificate's
    /// AuthorityKeyIdentifier, in configuration order. Choosing among them
    /// (disconnected first, legacy fallback) is the service's job.
    pub zones: Vec<ZoneId>,
    /// The framed TLS stream.
    pub stream: FramedStream<ServerStream>,
    /// Its place under the transport cap until it turns operational.
    pub guard: PreOperationalGuard,
    /// The listener's shutdown.
    pub shutdown: ShutdownSignal,
}

impl OperationalConn {
    /// Marks the connection operational (it leaves the cap and the reaper)
    /// and starts the [`Connection`] driver, which closes gracefully when
    /// the listener shuts down.
    pub fn start(mut self, mut config: ConnectionConfig) -> Connection {
        self.guard.mark_operational();
        config.shutdown.get_or_insert(self.shutdown);
        Connection::new(self.stream, config)
    }
}

/// Controls a running [`DeviceListener`] from anywhere. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ListenerHandle {
    shutdown: Arc<watch::Sender<bool>>,
    tracker: Arc<Tracker>,
}

impl ListenerHandle {
    /// Starts graceful shutdown: stops accepting, aborts pre-operational
    /// connections and signals every [`ShutdownSignal`].
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
        self.tracker.abort_all();
    }

    /// Number of connections currently pre-operational.
    pub fn pre_operational(&self) -> usize {
        self.tracker.len()
    }

    /// Aborts every pre-operational connection (ResetTestState step 7,
    /// INTEROP.md Appendix A.2). Returns how many.
    pub fn abort_pre_operational(&self) -> usize {
        self.tracker.abort_all()
    }
}

/// The device's listener. See the [module docs](self).
#[derive(Debug)]
pub struct DeviceListener {
    local_addr: SocketAddr,
    incoming: mpsc::Receiver<Incoming>,
    handle: ListenerHandle,
    shutdown_rx: watch::Receiver<bool>,
    drain_tx: Option<mpsc::Sender<()>>,
    drain_rx: mpsc::Receiver<()>,
}

/// What the listener's tasks share.
struct Shared {
    config: ListenerConfig,
    policy: Arc<dyn TlsPolicy>,
    tracker: Arc<Tracker>,
    incoming: mpsc::Sender<Incoming>,
}

impl DeviceListener {
    /// Binds `config.bind` and starts accepting.
    pub async fn bind(config: ListenerConfig, policy: Arc<dyn TlsPolicy>) -> Result<Self, Error> {
        let listener = socket::bind(config.bind)?;
        let local_addr = listener.local_addr()?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (drain_tx, drain_rx) = mpsc::channel(1);
        let (incoming_tx, incoming) = mpsc::channel(config.cap().max(1));
        let tracker = Arc::new(Tracker::default());
        let signal = ShutdownSignal::new(shutdown_rx.clone(), drain_tx.clone());
        let shared = Arc::new(Shared {
            config,
            policy,
            tracker: tracker.clone(),
            incoming: incoming_tx,
        });
        tokio::spawn(reap(shared.clone(), signal.clone()));
        tokio::spawn(accept_loop(listener, shared, signal));
        info!(%local_addr, "mash listener started");
        Ok(Self {
            local_addr,
            incoming,
            handle: ListenerHandle {
                shutdown: Arc::new(shutdown_tx),
                tracker,
            },
            shutdown_rx,
            drain_tx: Some(drain_tx),
            drain_rx,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle for shutdown and cap inspection.
    pub fn handle(&self) -> ListenerHandle {
        self.handle.clone()
    }

    /// The next connection that completed its handshake; `None` once
    /// shutdown has started. Cancel-safe.
    pub async fn accept(&mut self) -> Option<Incoming> {
        if *self.shutdown_rx.borrow() {
            return None;
        }
        tokio::select! {
            biased;
            _ = self.shutdown_rx.wait_for(|down| *down) => None,
            next = self.incoming.recv() => next,
        }
    }

    /// Shuts down (if not yet started) and waits until the accept loop,
    /// the reaper, every handshake and every connection holding a
    /// [`ShutdownSignal`] have finished.
    pub async fn drain(mut self) {
        self.handle.shutdown();
        // Queued connections are dropped unaccepted, with their signals.
        self.incoming.close();
        while self.incoming.recv().await.is_some() {}
        self.drain_tx = None;
        let _ = self.drain_rx.recv().await;
        info!(local_addr = %self.local_addr, "mash listener stopped");
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut shutdown: ShutdownSignal) {
    let initial = shared.config.accept_backoff;
    let mut backoff = initial;
    loop {
        let accepted = tokio::select! {
            biased;
            () = shutdown.recv() => return,
            r = listener.accept() => r,
        };
        let (tcp, remote) = match accepted {
            Ok(a) => {
                backoff = initial;
                a
            }
            Err(e) => {
                // mini-redis: back off instead of spinning (e.g. EMFILE).
                warn!(error = %e, backoff_ms = backoff.as_millis() as u64, "accept failed");
                tokio::select! {
                    () = shutdown.recv() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(shared.config.accept_backoff_max);
                continue;
            }
        };
        let Some(guard) = shared.tracker.try_register(shared.config.cap(), remote) else {
            warn!(%remote, reason = "connection cap reached (DEC-062)", "refused connection");
            drop(tcp);
            continue;
        };
        // Small frames, request/response: do not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        tokio::spawn(serve(tcp, remote, guard, shared.clone(), shutdown.clone()));
    }
}

/// Handshakes one connection and queues it for [`DeviceListener::accept`].
async fn serve(
    tcp: TcpStream,
    remote: SocketAddr,
    guard: PreOperationalGuard,
    shared: Arc<Shared>,
    mut shutdown: ShutdownSignal,
) {
    let kill = guard.kill_switch();
    let kill_queued = kill.clone();
    let outcome = tokio::select! {
        biased;
        () = shutdown.recv() => Err(Refusal::Shutdown),
        () = kill.fired() => Err(Refusal::Reaped),
        r = tokio::time::timeout(
            shared.config.handshake_timeout,
            route::handshake(tcp, shared.policy.as_ref()),
        ) => r.unwrap_or(Err(Refusal::Timeout)),
    };
    let incoming = match outcome {
        Ok(Routed::Commissioning(stream)) => {
            info!(%remote, alpn = "mash-comm/1", "accepted connection");
            let stream = FramedStream::new(stream).with_kill_switch(kill);
            Incoming::Commissioning(CommissioningConn {
                remote,
                stream,
                guard,
                shutdown,
            })
        }
        Ok(Routed::Operational {
            stream,
            peer,
            zones,
        }) => {
            info!(%remote, alpn = "mash/1", cn = ?peer.common_name, zones = zones.len(),
                "accepted connection");
            let stream = FramedStream::new(stream).with_kill_switch(kill);
            Incoming::Operational(OperationalConn {
                remote,
                peer,
                zones,
                stream,
                guard,
                shutdown,
            })
        }
        Err(refusal) => {
            warn!(%remote, reason = %refusal, "refused connection");
            return;
        }
    };
    // Waiting for the service to accept must not outlive the reaper.
    tokio::select! {
        biased;
        () = kill_queued.fired() => {
            warn!(%remote, reason = %Refusal::Reaped, "dropping unaccepted connection");
        }
        sent = shared.incoming.send(incoming) => if sent.is_err() {
            debug!(%remote, "listener gone, dropping connection");
        },
    }
}

/// The stale-connection reaper (DEC-064).
async fn reap(shared: Arc<Shared>, mut shutdown: ShutdownSignal) {
    let (max_age, every) = (shared.config.stale_timeout, shared.config.reaper_interval);
    if max_age.is_zero() || every.is_zero() {
        return;
    }
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = shutdown.recv() => return,
            _ = tick.tick() => { shared.tracker.reap(max_age); }
        }
    }
}
