//! `mash device`: run a simulated EVSE, heat pump or battery.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mash_core::commissioning::{Discriminator, QrPayload, SetupCode};
use mash_device::DeviceConfig;
use mash_device::access::AccessPolicy;
use mash_device::models::{DeviceKind, Identity};
use mash_device::test_control::EnableKey;
use tokio::io::AsyncBufReadExt;

use crate::args;
use crate::output::Output;

/// Flags of `mash device`.
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// What to simulate: evse, heat-pump or battery.
    #[arg(long = "type", default_value = "evse")]
    pub kind: DeviceKind,
    /// The 8-digit setup code on the label; a random valid one if omitted.
    #[arg(long)]
    pub setup_code: Option<String>,
    /// The 12-bit discriminator on the label (0-4095); random if omitted.
    #[arg(long)]
    pub discriminator: Option<u16>,
    /// TCP port for commissioning and operational connections.
    #[arg(long, default_value_t = 8443)]
    pub port: u16,
    /// Address to listen on; the default `::` is dual-stack (IPv4 and IPv6).
    #[arg(long, default_value_t = IpAddr::V6(Ipv6Addr::UNSPECIFIED))]
    pub listen: IpAddr,
    /// Directory for zones, certificates, keys and settings (created if needed).
    #[arg(long, default_value = "mash-device-state")]
    pub state_dir: PathBuf,
    /// Commissioning window length, e.g. 15m (3m to 3h).
    #[arg(long, default_value = "15m", value_parser = args::duration)]
    pub window: Duration,
    /// Open the commissioning window at start even if zones exist (the "button").
    #[arg(long)]
    pub open_window: bool,
    /// Non-TEST zone slots.
    #[arg(long, default_value_t = 2)]
    pub max_zones: u8,
    /// Accept a second zone of a type the device already has (DEC-043
    /// allows one zone per type; some deployments lift that).
    #[arg(long)]
    pub allow_same_zone_type: bool,
    /// Enforce the per-zone-type access matrix of the multi-controller study
    /// (GRID may limit and observe but not change user preferences).
    #[arg(long)]
    pub access_policy: bool,
    /// Conformance test enable key (32 hex characters): enables TestControl and the TEST zone.
    #[arg(long, alias = "enable-key")]
    pub test_enable_key: Option<String>,
    /// Start from an empty state directory (zones, certificates and settings are deleted).
    #[arg(long)]
    pub reset: bool,
    /// Accepted for compatibility with the reference's device: the appliance
    /// simulation always runs, until a TEST zone connects.
    #[arg(long, hide = true)]
    pub simulate: bool,
    /// Advertise and browse on mDNS on these interfaces (repeat the flag);
    /// mDNS stays off without it.
    #[arg(long = "mdns-interface")]
    pub mdns_interfaces: Vec<String>,
    /// Host name in the device's mDNS records (default: the system's).
    #[arg(long)]
    pub mdns_host_name: Option<String>,
    /// Vendor name reported in DeviceInfo.
    #[arg(long)]
    pub vendor: Option<String>,
    /// Serial number reported in DeviceInfo and mDNS.
    #[arg(long)]
    pub serial: Option<String>,
}

impl DeviceArgs {
    /// The device configuration these flags describe.
    pub fn config(&self) -> Result<(DeviceConfig, QrPayload), String> {
        let mut rng = rand::rng();
        let setup_code = match &self.setup_code {
            Some(s) => SetupCode::parse_strict(s).map_err(|e| format!("--setup-code: {e}"))?,
            None => SetupCode::generate(&mut rng),
        };
        let discriminator = match self.discriminator {
            Some(d) => Discriminator::new(d)
                .ok_or_else(|| format!("--discriminator: {d} is not 0-4095"))?,
            None => Discriminator::generate(&mut rng),
        };
        let test_key = match &self.test_enable_key {
            Some(k) => EnableKey::from_config(k).map_err(|e| format!("--test-enable-key: {e}"))?,
            None => None,
        };
        let mut identity = Identity::for_kind(self.kind);
        if let Some(v) = &self.vendor {
            identity.vendor_name.clone_from(v);
        }
        if let Some(s) = &self.serial {
            identity.serial_number.clone_from(s);
        }
        let qr = QrPayload::new(discriminator, setup_code);
        let mut config = DeviceConfig::new(self.kind, setup_code, discriminator, &self.state_dir);
        config.identity = identity;
        config.listen = SocketAddr::new(self.listen, self.port);
        config.window = self.window;
        config.max_zones = self.max_zones;
        config.unique_zone_types = !self.allow_same_zone_type;
        config.test_key = test_key;
        config.access = self.access_policy.then(AccessPolicy::study);
        if !self.mdns_interfaces.is_empty() {
            config.mdns = Some(mash_discovery::DiscoveryConfig {
                interfaces: mash_discovery::InterfaceConfig::named(self.mdns_interfaces.clone()),
                host_name: self.mdns_host_name.clone(),
            });
        }
        Ok((config, qr))
    }
}

/// Runs the device until Ctrl-C.
pub async fn run(args: DeviceArgs, out: Output) -> Result<(), String> {
    let (config, qr) = args.config()?;
    if args.reset {
        mash_device::persist::DeviceStore::open(&config.state_dir)
            .and_then(|s| s.wipe())
            .map_err(|e| format!("--reset: {e}"))?;
    }
    let kind = config.kind;
    let device = mash_device::start(config)
        .await
        .map_err(|e| e.to_string())?;
    if args.open_window {
        device.open_window(None).await;
    }
    let addr = device
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    out.banner(
        &format!(
            "{} listening on {addr} (press Enter to open the commissioning window)",
            kind.name()
        ),
        &[("qr", qr.to_string()), ("listen", addr.clone())],
    );
    let mut events = device.events();
    // The device's "button": Enter (or `open`) opens the commissioning
    // window, `close` closes it.
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            e = events.recv() => match e {
                Ok(e) => out.event(&format!("{e:?}")),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            },
            line = lines.next_line(), if stdin_open => match line {
                Ok(Some(l)) => match l.trim() {
                    "" | "open" => device.open_window(None).await,
                    "close" => device.close_window().await,
                    other => out.event(&format!("unknown input `{other}`: press Enter (or type open) to open the commissioning window, close to close it")),
                },
                _ => stdin_open = false,
            },
        }
    }
    device.shutdown().await;
    out.banner("stopped", &[]);
    Ok(())
}
