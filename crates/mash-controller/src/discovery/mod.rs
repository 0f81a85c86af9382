//! Controller-side discovery on mDNS (INTEROP.md §9, DEC-042), on
//! `mash-discovery`.
//!
//! - Commissioning by discriminator ([`Controller::commission_discovered`],
//!   in [`commission`]): browse `_mash-comm._tcp` for the TXT `D`; if no
//!   device answers within [`DiscoveryConfig::browse_timeout`], announce a
//!   pairing request (`_mashp._udp`) and poll until the device shows up
//!   or the deadline passes ([`search`]); then dial what was found, IPv6
//!   first ([`targets`]).
//! - Finding a commissioned device again: when an operational dial fails,
//!   the session browses `_mash._tcp` for the device's `ZI`/`DI` while it
//!   waits out its back-off, and dials the new address at once
//!   ([`Discovery::rediscover`]).
//!
//! mDNS runs only on the interfaces [`DiscoveryConfig::mdns`] selects:
//! named ones, or the host's single usable interface; a multi-homed
//! gateway must name them (`mash_discovery::interfaces`).
//!
//! [`Controller::commission_discovered`]: crate::Controller::commission_discovered

pub(crate) mod commission;
pub(crate) mod search;
pub(crate) mod targets;

use std::future::Future;
use std::time::Duration;

use mash_core::ids::{DeviceId, ZoneId};
use mash_discovery::{BrowseEvent, Mdns, OperationalFilter};
use mash_transport::Target;
use tracing::{debug, info};

use crate::error::Error;

/// How the controller uses mDNS. `Default` gives the spec's timing and
/// the single-interface policy.
#[derive(Debug, Clone)]
pub struct DiscoveryConfig {
    /// Interfaces and host name of the mDNS daemon. The default interface
    /// policy uses the host's only usable interface and refuses to guess
    /// when there are several.
    pub mdns: mash_discovery::DiscoveryConfig,
    /// How long the first `_mash-comm._tcp` browse waits before a pairing
    /// request is announced (10 s, INTEROP.md §9).
    pub browse_timeout: Duration,
    /// How often the controller queries again while its pairing request
    /// is out (5 s, INTEROP.md §9).
    pub poll_interval: Duration,
    /// How often the pairing request is announced again while it is out
    /// (2 min, the reference's re-announce TTL, INTEROP.md §9).
    pub reannounce_interval: Duration,
}

/// The reference's browse before a pairing request (INTEROP.md §9).
pub const BROWSE_TIMEOUT: Duration = Duration::from_secs(10);
/// The reference's poll interval while a pairing request is out.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The reference's pairing-request re-announce interval.
pub const REANNOUNCE_INTERVAL: Duration = Duration::from_secs(120);
/// The reference's default for how long a controller looks for a device
/// to commission (1 h; 7 days in the SMGW profile, INTEROP.md §9).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60 * 60);

impl Default for DiscoveryConfig {
    fn default() -> Self {
        Self {
            mdns: mash_discovery::DiscoveryConfig::default(),
            browse_timeout: BROWSE_TIMEOUT,
            poll_interval: POLL_INTERVAL,
            reannounce_interval: REANNOUNCE_INTERVAL,
        }
    }
}

impl DiscoveryConfig {
    /// The spec's timing on exactly the named interfaces.
    pub fn on_interfaces<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            mdns: mash_discovery::DiscoveryConfig {
                interfaces: mash_discovery::InterfaceConfig::named(names),
                host_name: None,
            },
            ..Self::default()
        }
    }
}

/// A running mDNS daemon and the timing to use it with. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Discovery {
    pub(crate) mdns: Mdns,
    pub(crate) config: DiscoveryConfig,
}

impl Discovery {
    /// Starts the daemon on the configured interfaces.
    pub(crate) fn start(config: &DiscoveryConfig) -> Result<Self, Error> {
        let mdns = Mdns::new(&config.mdns)?;
        info!(interfaces = ?mdns.selection().names(), host = mdns.host_name(), "mDNS discovery started");
        Ok(Self {
            mdns,
            config: config.clone(),
        })
    }

    /// Browses `_mash._tcp` for the record of `device_id` in `zone_id`
    /// (TXT `ZI`/`DI`, INTEROP.md §9) until it shows an address worth
    /// dialling instead of `current` (see [`targets::next_target`]).
    /// Ends with `None` only if the daemon stops; callers race it against
    /// their back-off timer.
    pub(crate) fn rediscover(
        &self,
        zone_id: ZoneId,
        device_id: DeviceId,
        current: Target,
    ) -> impl Future<Output = Option<Target>> + Send + 'static {
        let browser = self.mdns.browser();
        async move {
            let filter = OperationalFilter {
                zone_id: Some(zone_id),
                device_id: Some(device_id),
            };
            let mut stream = match browser.operational(filter) {
                Ok(stream) => stream,
                Err(e) => {
                    debug!(%device_id, error = %e, "cannot browse operational records");
                    return None;
                }
            };
            while let Some(event) = stream.next().await {
                let BrowseEvent::Resolved(found) = event else {
                    continue;
                };
                if let Some(next) = targets::next_target(&current, &found.addresses) {
                    info!(%device_id, from = %current, to = %next, port = found.port, "operational record found at another address");
                    return Some(next);
                }
                debug!(%device_id, addresses = ?found.addresses, "operational record unchanged");
            }
            None
        }
    }
}

/// The zone ID a pairing request carries (TXT `ZI`, INTEROP.md §9: it must
/// be 16 hex characters).
///
/// The protocol's zone IDs come from each commissioning's PASE secret
/// (INTEROP.md §4), so before commissioning a controller has none, and the
/// reference controller (whose zone ID is its name until then) cannot
/// announce a valid request at all (vectors/README.md, difference 3). We
/// use discovery.md §2.5's definition instead: the first 8 bytes of
/// SHA-256 over the zone CA certificate DER. It is stable for the life of
/// the zone CA (20 years) and the same in every request of this zone.
/// Devices only use `ZI` to say who asked; the match is on `D`.
pub(crate) fn pairing_zone_id(zone_ca_der: &[u8]) -> ZoneId {
    ZoneId::from_sha256_of(zone_ca_der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_zone_id_is_sixteen_hex_and_stable() {
        let a = pairing_zone_id(b"zone ca der");
        let text = a.to_string();
        assert_eq!(text.len(), 16);
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, pairing_zone_id(b"zone ca der"));
        assert_ne!(a, pairing_zone_id(b"another zone"));
        assert_eq!(text.parse::<ZoneId>().ok(), Some(a));
    }

    #[test]
    fn defaults_are_the_reference_timing() {
        let c = DiscoveryConfig::default();
        assert_eq!(c.browse_timeout, Duration::from_secs(10));
        assert_eq!(c.poll_interval, Duration::from_secs(5));
        assert_eq!(c.reannounce_interval, Duration::from_secs(120));
        let named = DiscoveryConfig::on_interfaces(["lan0"]);
        assert!(matches!(
            named.mdns.interfaces.policy,
            mash_discovery::InterfacePolicy::Named(ref n) if n == &["lan0".to_string()]
        ));
    }
}
