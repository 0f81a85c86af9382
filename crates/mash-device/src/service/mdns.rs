//! mDNS glue: what the core says to advertise, on mash-discovery.

use mash_discovery::{
    Advertiser, BrowseEvent, Browser, CommissionableInfo, DeviceState, Discriminator,
    OperationalInfo, PairingDecision, PairingRequestFilter,
};
use tracing::{debug, info, warn};

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

/// Listens for pairing requests naming this device (DEC-042) and opens
/// the commissioning window when the filter says so (rate-limited,
/// security.md §11.6).
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
    while let Some(event) = stream.next().await {
        let BrowseEvent::Resolved(found) = event else {
            continue;
        };
        let snapshot = device.snapshot();
        let state = DeviceState {
            window_open: snapshot.window_open,
            non_test_zones: snapshot
                .zones
                .iter()
                .filter(|z| z.zone_type != mash_core::zone::ZoneType::Test)
                .count(),
            max_zones: usize::from(max_zones),
        };
        let now = mash_core::time::Instant::from_millis(
            u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        match filter.handle_request(&found.record, &state, now) {
            PairingDecision::OpenWindow => {
                info!(zone = %found.record.zone_id, "pairing request: opening the commissioning window");
                device.pairing_request().await;
            }
            PairingDecision::Ignore(reason) => debug!(?reason, "pairing request ignored"),
        }
    }
}
