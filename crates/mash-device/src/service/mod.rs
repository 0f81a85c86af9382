//! The device service: a tokio shell around [`DeviceCore`].
//!
//! One task owns the core. Connection tasks pump frames to it and from it;
//! the listener (or, under simulation, the caller) hands it connections;
//! it writes state documents, rebuilds the TLS policy and the mDNS
//! records when the core says so, and sleeps until the core's next timer.
//! Time is `tokio::time`, so the whole service runs under a paused clock.

mod handle;
mod links;
mod mdns;
mod runner;
mod tls;

pub use handle::{DeviceHandle, Snapshot, ZoneSummary};
use runner::{Runner, snapshot};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use mash_core::commissioning::Verifier;
use mash_core::energy::{self, WallClock};
use mash_core::time::Instant;
use mash_pki::UnixTime;
use mash_transport::{
    ClockOffset, ConnectionConfig, DeviceListener, Incoming, ListenerHandle, SharedPolicy,
};
use tokio::sync::{broadcast, mpsc, watch};
use tracing::debug;

use self::links::FromConn;
use crate::appliance;
use crate::config::DeviceConfig;
use crate::core::{CoreConfig, DeviceCore};
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
                    // links::operational answers what it received first.
                    answer_close_after_app: true,
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
