//! Device service configuration.

use std::net::{Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use mash_core::commissioning::{Discriminator, SetupCode};
use mash_core::energy;
use mash_core::interaction::SubscriptionLimits;
use mash_transport::{KeepAliveConfig, ListenerConfig};

use crate::access::AccessPolicy;
use crate::models::{DeviceKind, Identity};
use crate::test_control::EnableKey;
use crate::window::DEFAULT_WINDOW;

/// Everything a device needs to run.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    /// What the device is (EVSE, heat pump, battery).
    pub kind: DeviceKind,
    /// Vendor, product, serial...
    pub identity: Identity,
    /// The 8-digit setup code on the label (prohibited codes refused).
    pub setup_code: SetupCode,
    /// The 12-bit discriminator on the label.
    pub discriminator: Discriminator,
    /// Where to listen (dual-stack `[::]:8443` by default).
    pub listen: SocketAddr,
    /// State directory (zones, certificates, keys, settings).
    pub state_dir: PathBuf,
    /// Commissioning window length (15 min; 3 min - 3 h).
    pub window: Duration,
    /// Non-TEST zone slots (2).
    pub max_zones: u8,
    /// At most one zone per zone type (DEC-043).
    pub unique_zone_types: bool,
    /// Conformance test enable key: TestControl and the TEST zone.
    pub test_key: Option<EnableKey>,
    /// Per-zone-type access policy (off by default).
    pub access: Option<AccessPolicy>,
    /// Keep-alive of the device side. Lenient until the first pong by
    /// default, because reference controllers never answer pings.
    pub keep_alive: KeepAliveConfig,
    /// How long a zone may stay away after it is added or after a restart
    /// before failsafe counts it as lost.
    pub connect_grace: Duration,
    /// Advertise and browse on mDNS (off when `None`).
    pub mdns: Option<mash_discovery::DiscoveryConfig>,
}

impl DeviceConfig {
    /// Defaults for a device of `kind` with `setup_code` and `discriminator`,
    /// keeping its state in `state_dir`.
    pub fn new(
        kind: DeviceKind,
        setup_code: SetupCode,
        discriminator: Discriminator,
        state_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            kind,
            identity: Identity::default(),
            setup_code,
            discriminator,
            listen: SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), mash_transport::DEFAULT_PORT),
            state_dir: state_dir.into(),
            window: DEFAULT_WINDOW,
            max_zones: 2,
            unique_zone_types: true,
            test_key: None,
            access: None,
            keep_alive: KeepAliveConfig {
                lenient_until_first_pong: true,
                ..KeepAliveConfig::SPEC
            },
            connect_grace: energy::Config::default().connect_grace,
            mdns: None,
        }
    }

    pub(crate) fn listener(&self) -> ListenerConfig {
        let test_slot = usize::from(self.test_key.is_some());
        ListenerConfig {
            bind: self.listen,
            max_zones: usize::from(self.max_zones) + test_slot,
            ..ListenerConfig::default()
        }
    }

    pub(crate) fn subscriptions(&self) -> SubscriptionLimits {
        SubscriptionLimits::default()
    }
}
