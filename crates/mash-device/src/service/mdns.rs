//! mDNS glue: what the core says to advertise, on mash-discovery.

use mash_discovery::{Advertiser, CommissionableInfo, Discriminator, OperationalInfo};
use tracing::warn;

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
    pub(crate) fn start(
        cfg: &mash_discovery::DiscoveryConfig,
        device: &DeviceConfig,
        port: u16,
    ) -> Result<Self, mash_discovery::Error> {
        let advertiser = Advertiser::new(cfg)?;
        // The discriminator was validated as 12 bits when it was parsed.
        let discriminator = Discriminator::new(device.discriminator.value()).ok_or(
            mash_discovery::Error::InvalidRecord(mash_discovery::DecodeError::InvalidDiscriminator),
        )?;
        let commissionable = CommissionableInfo {
            discriminator,
            categories: Vec::new(),
            serial: device.identity.serial_number.clone(),
            brand: device.identity.vendor_name.clone(),
            model: device.identity.product_name.clone(),
            device_name: None,
        };
        Ok(Self {
            advertiser,
            port,
            commissionable,
            operational: Vec::new(),
            advertising_commissionable: false,
        })
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
