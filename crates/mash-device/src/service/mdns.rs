//! mDNS glue: what the core says to advertise, on mash-discovery.

use std::collections::BTreeMap;
use std::time::Duration;

use mash_discovery::{
    Advertiser, BrowseEvent, Browser, CommissionableInfo, DeviceState, Discriminator,
    OperationalInfo, PairingDecision, PairingRequestFilter, PairingRequestInfo,
};
use tracing::{debug, info, trace, warn};

use crate::config::DeviceConfig;
use crate::core::DeviceCore;

pub(crate) struct Mdns {
    advertiser: Advertiser,
    port: u16,
    commissionable: CommissionableInfo,
    operational: Vec<String>,
    advertising_commissionable: bool,
}

impl Mdns {
    /// Starts mDNS: the advertiser, and a browser for pairing requests.
    pub(crate) fn start(
        cfg: &mash_discovery::DiscoveryConfig,
        device: &DeviceConfig,
        port: u16,
    ) -> Result<(Self, Browser), mash_discovery::Error> {
        let mdns = mash_discovery::Mdns::new(cfg)?;
        // The discriminator was validated as 12 bits when it was parsed.
        let discriminator = Discriminator::new(device.discriminator.value()).ok_or(
            mash_discovery::Error::InvalidRecord(mash_discovery::DecodeError::InvalidDiscriminator),
        )?;
        let commissionable = CommissionableInfo {
            discriminator,
            categories: mash_discovery::DeviceCategory::new(device.kind.category())
                .into_iter()
                .collect(),
            serial: device.identity.serial_number.clone(),
            brand: device.identity.vendor_name.clone(),
            model: device.identity.product_name.clone(),
            device_name: device.identity.device_label.clone(),
        };
        let this = Self {
            advertiser: mdns.advertiser(),
            port,
            commissionable,
            operational: Vec::new(),
            advertising_commissionable: false,
        };
        Ok((this, mdns.browser()))
    }

    pub(crate) fn update(&mut self, core: &DeviceCore) {
        let state = core.discovery_state();
        if state.commissionable != self.advertising_commissionable {
            let r = if state.commissionable {
                self.advertiser
                    .advertise_commissionable(&self.commissionable, self.port)
                    .map(drop)
            } else {
                self.advertiser.withdraw_commissionable().map(drop)
            };
            if let Err(e) = r {
                warn!(error = %e, "mDNS commissionable record");
            }
            self.advertising_commissionable = state.commissionable;
        }
        let wanted: Vec<String> = state.operational.iter().map(|(z, _)| z.clone()).collect();
        for (zone, device) in &state.operational {
            if self.operational.contains(zone) {
                continue;
            }
            let (Ok(zone_id), Ok(device_id)) = (zone.parse(), device.parse()) else {
                continue;
            };
            let info = OperationalInfo {
                zone_id,
                device_id,
                vendor_product: None,
                firmware: None,
                endpoint_count: u8::try_from(core.device().endpoints().len()).unwrap_or(u8::MAX),
            };
            if let Err(e) = self.advertiser.advertise_operational(&info, self.port) {
                warn!(error = %e, "mDNS operational record");
            }
        }
        for gone in self.operational.iter().filter(|z| !wanted.contains(z)) {
            if let Ok(zone_id) = gone.parse() {
                let _ = self.advertiser.withdraw_operational(zone_id);
            }
        }
        self.operational = wanted;
    }

    pub(crate) async fn shutdown(self) {
        self.advertiser.shutdown().await;
    }
}

/// How often pairing requests still on the network are weighed again.
/// mDNS reports a record once; a request ignored because a window was
/// open, no slot was free or the rate limit held would otherwise never be
/// honoured, though its controller keeps asking (it polls every 5 s,
/// INTEROP.md §9).
const RECHECK_INTERVAL: Duration = Duration::from_secs(5);

/// Listens for pairing requests naming this device (DEC-042) and opens
/// the commissioning window when the filter says so (no window open, a
/// free non-TEST slot, rate-limited, security.md §11.6). Requests stay
/// "pending" until their controller withdraws them and are weighed again
/// every [`RECHECK_INTERVAL`].
pub(crate) async fn pairing_listener(
    browser: Browser,
    device: crate::DeviceHandle,
    discriminator: u16,
    max_zones: u8,
) {
    let Some(d) = Discriminator::new(discriminator) else {
        return;
    };
    let mut stream = match browser.pairing_requests(Some(d)) {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "cannot browse pairing requests");
            return;
        }
    };
    let start = tokio::time::Instant::now();
    let mut filter = PairingRequestFilter::new(d);
    let mut pending = Pending::default();
    let mut recheck = tokio::time::interval(RECHECK_INTERVAL);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let requests = tokio::select! {
            event = stream.next() => match event {
                Some(event) => pending.handle(event),
                None => return,
            },
            _ = recheck.tick() => pending.all(),
        };
        for request in requests {
            let state = device_state(&device.snapshot(), max_zones);
            let now = mash_core::time::Instant::from_millis(
                u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            match filter.handle_request(&request, &state, now) {
                PairingDecision::OpenWindow => {
                    info!(zone = %request.zone_id, "pairing request: opening the commissioning window");
                    device.pairing_request().await;
                }
                PairingDecision::Ignore(reason) => {
                    trace!(zone = %request.zone_id, ?reason, "pairing request ignored");
                }
            }
        }
    }
}

fn device_state(snapshot: &crate::Snapshot, max_zones: u8) -> DeviceState {
    DeviceState {
        window_open: snapshot.window_open,
        non_test_zones: snapshot
            .zones
            .iter()
            .filter(|z| z.zone_type != mash_core::zone::ZoneType::Test)
            .count(),
        max_zones: usize::from(max_zones),
    }
}

/// The pairing requests currently on the network, by instance name
/// (mDNS names compare case-insensitively).
#[derive(Debug, Default)]
struct Pending {
    requests: BTreeMap<String, PairingRequestInfo>,
}

impl Pending {
    /// Tracks `event`; returns the request to weigh now, if any.
    fn handle(&mut self, event: BrowseEvent<PairingRequestInfo>) -> Vec<PairingRequestInfo> {
        match event {
            BrowseEvent::Resolved(found) => {
                debug!(instance = %found.instance, zone = %found.record.zone_id, "pairing request seen");
                self.requests
                    .insert(found.instance.to_lowercase(), found.record.clone());
                vec![found.record]
            }
            BrowseEvent::Removed { instance } => {
                debug!(%instance, "pairing request withdrawn");
                self.requests.remove(&instance.to_lowercase());
                Vec::new()
            }
        }
    }

    /// Every request still out.
    fn all(&self) -> Vec<PairingRequestInfo> {
        self.requests.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use mash_discovery::Discovered;

    use super::*;

    fn resolved(instance: &str) -> BrowseEvent<PairingRequestInfo> {
        BrowseEvent::Resolved(Discovered {
            record: PairingRequestInfo {
                discriminator: Discriminator::new(42).unwrap(),
                zone_id: "2859a7266ff2c1f0".parse().unwrap(),
                zone_name: None,
            },
            instance: instance.into(),
            host: "ems.local.".into(),
            port: 1,
            addresses: Vec::new(),
        })
    }

    #[test]
    fn requests_stay_pending_until_withdrawn() {
        let mut p = Pending::default();
        assert_eq!(p.handle(resolved("2859a7266ff2c1f0-42")).len(), 1);
        // An update of the same instance is weighed again, not duplicated.
        assert_eq!(p.handle(resolved("2859A7266FF2C1F0-42")).len(), 1);
        assert_eq!(p.all().len(), 1);
        let gone = BrowseEvent::Removed {
            instance: "2859a7266ff2c1f0-42".into(),
        };
        assert!(p.handle(gone).is_empty());
        assert!(p.all().is_empty());
    }
}
