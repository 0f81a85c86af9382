//! What a controller is told when it starts.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mash_core::zone::ZoneType;
use mash_transport::KeepAliveConfig;

use crate::backoff::ReconnectPolicy;
use crate::clock::{Clock, SystemClock};
use crate::discovery::DiscoveryConfig;

/// Request timeout of the reference client (INTEROP.md §6.1, DEC-044).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the controller checks its own certificate (INTEROP.md §5.8).
pub const RENEWAL_CHECK_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Settings of a [`Controller`](crate::Controller).
#[derive(Clone)]
pub struct ControllerConfig {
    /// Where the zone CA, the controller's certificate and the device
    /// registry live (created on first start).
    pub state_dir: PathBuf,
    /// GRID (SMGW, grid operator) or LOCAL (EMS); written into the zone CA
    /// (INTEROP.md §4), which is how devices learn it.
    pub zone_type: ZoneType,
    /// The zone's name: the zone CA's label (`MASH Zone CA - <name>`) and
    /// the controller ID `controller-<name>`.
    pub zone_name: String,
    /// What the controller says about itself in DeviceInfo.
    pub info: ControllerInfo,
    /// Wall-clock time for certificate validity and status texts.
    pub clock: Arc<dyn Clock>,
    /// Reconnection back-off.
    pub reconnect: ReconnectPolicy,
    /// Per-request timeout (10 s).
    pub request_timeout: Duration,
    /// Keep-alive pings on operational connections (transport.md §6).
    pub keep_alive: KeepAliveConfig,
    /// How often certificates are checked for renewal: the controller's
    /// own, and those of connected devices (24 h).
    pub renewal_check_interval: Duration,
    /// How long [`Controller::commission`](crate::Controller::commission)
    /// waits for the first operational connection (10 s).
    pub first_connect_timeout: Duration,
    /// mDNS (INTEROP.md §9): commissioning by discriminator, and finding a
    /// device again by its operational record when it moved. `None` (the
    /// default): no mDNS at all; devices are reached at the addresses
    /// given.
    pub discovery: Option<DiscoveryConfig>,
}

impl ControllerConfig {
    /// The defaults for a zone of `zone_type` named `zone_name`, keeping
    /// state in `state_dir`.
    pub fn new(
        state_dir: impl Into<PathBuf>,
        zone_type: ZoneType,
        zone_name: impl Into<String>,
    ) -> Self {
        Self {
            state_dir: state_dir.into(),
            zone_type,
            zone_name: zone_name.into(),
            info: ControllerInfo::for_zone(zone_type),
            clock: Arc::new(SystemClock),
            reconnect: ReconnectPolicy::default(),
            request_timeout: REQUEST_TIMEOUT,
            keep_alive: KeepAliveConfig::SPEC,
            renewal_check_interval: RENEWAL_CHECK_INTERVAL,
            first_connect_timeout: Duration::from_secs(10),
            discovery: None,
        }
    }

    /// Turns on mDNS discovery.
    pub fn with_discovery(mut self, discovery: DiscoveryConfig) -> Self {
        self.discovery = Some(discovery);
        self
    }

    /// Replaces the wall clock.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

impl fmt::Debug for ControllerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControllerConfig")
            .field("state_dir", &self.state_dir)
            .field("zone_type", &self.zone_type)
            .field("zone_name", &self.zone_name)
            .field("info", &self.info)
            .field("reconnect", &self.reconnect)
            .field("request_timeout", &self.request_timeout)
            .field("discovery", &self.discovery)
            .finish_non_exhaustive()
    }
}

/// The controller's DeviceInfo, served to devices that ask
/// (INTEROP.md §6: both sides can send requests; §7 DeviceInfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerInfo {
    /// vendorName (2).
    pub vendor_name: String,
    /// productName (3).
    pub product_name: String,
    /// serialNumber (4).
    pub serial_number: String,
    /// softwareVersion (10).
    pub software_version: String,
    /// useCases (21), all declared on endpoint 0 as controllers do
    /// (INTEROP.md §7).
    pub use_cases: Vec<UseCase>,
}

impl ControllerInfo {
    /// mash-rs defaults: an SMGW declares grid limitation and monitoring,
    /// an EMS additionally the device-control use cases.
    pub fn for_zone(zone_type: ZoneType) -> Self {
        let use_cases = match zone_type {
            ZoneType::Grid => vec![UseCase::GPL, UseCase::MPD],
            _ => vec![
                UseCase::GPL,
                UseCase::MPD,
                UseCase::EVC,
                UseCase::COB,
                UseCase::OHPCF,
                UseCase::FLOA,
            ],
        };
        Self {
            vendor_name: "mash-rs".into(),
            product_name: match zone_type {
                ZoneType::Grid => "mash-rs smart meter gateway".into(),
                _ => "mash-rs energy manager".into(),
            },
            serial_number: String::new(),
            software_version: env!("CARGO_PKG_VERSION").into(),
            use_cases,
        }
    }
}

/// One entry of DeviceInfo.useCases (INTEROP.md §7):
/// `{1: endpointId, 2: useCaseId, 3: major, 4: minor, 5: scenarios}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseCase {
    /// Use-case ID (GPL 1 ... TOUT 10).
    pub id: u16,
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
    /// Scenario bitmap (bit 0 = BASE).
    pub scenarios: u32,
}

impl UseCase {
    const fn base(id: u16) -> Self {
        Self {
            id,
            major: 1,
            minor: 0,
            scenarios: 1,
        }
    }

    /// Grid Power Limitation, BASE.
    pub const GPL: Self = Self::base(0x01);
    /// Monitor Power Device, BASE.
    pub const MPD: Self = Self::base(0x02);
    /// EV Charging, BASE.
    pub const EVC: Self = Self::base(0x03);
    /// Control of Battery, BASE.
    pub const COB: Self = Self::base(0x04);
    /// Heat Pump Compressor Flexibility, BASE.
    pub const OHPCF: Self = Self::base(0x05);
    /// Flexible Load, BASE.
    pub const FLOA: Self = Self::base(0x07);
}
