//! Commissioning a device found by its discriminator (INTEROP.md §9,
//! DEC-042): the QR code or label gives the discriminator and the setup
//! code, mDNS gives the address.

use std::time::Duration;

use mash_core::commissioning::{Discriminator, QrPayload, SetupCode};
use mash_discovery::PairingRequestInfo;
use mash_transport::Target;
use tracing::{debug, info};

use super::{pairing_zone_id, search, targets};
use crate::controller::{CommissionedDevice, Controller};
use crate::dialer::Dialer;
use crate::error::{CommissionError, Error, Misuse};

impl<D: Dialer> Controller<D> {
    /// Finds the device whose commissionable record (`_mash-comm._tcp`)
    /// carries TXT `D` = `discriminator` and commissions it with `code`
    /// (see [`commission`](Self::commission)).
    ///
    /// The search (INTEROP.md §9, DEC-042): browse for
    /// [`browse_timeout`](crate::DiscoveryConfig::browse_timeout) (10 s);
    /// if nothing answers, announce a pairing request `_mashp._udp`
    /// (instance `<ZI>-<discriminator>`, TXT `D`, `ZI`, `ZN` = zone name;
    /// `ZI` is derived from the zone CA, see the crate's discovery module)
    /// so that a device with a closed window and a free slot opens it, and
    /// keep polling until the device appears or `deadline` (from now)
    /// passes; the request is withdrawn either way. The device is then
    /// dialled on each of its addresses, IPv6 first, link-local with its
    /// scope ID, until one answers; with several devices sharing the
    /// discriminator, a wrong setup code moves on to the next
    /// (testing/behavior/discovery.md §5.3). The registry keeps the address
    /// that worked.
    ///
    /// Errors: [`CommissionError::DeviceNotFound`] when the deadline
    /// passes; [`Misuse::DiscoveryDisabled`] without
    /// [`ControllerConfig::discovery`](crate::ControllerConfig::discovery);
    /// otherwise those of [`commission`](Self::commission).
    pub async fn commission_discovered(
        &self,
        discriminator: Discriminator,
        code: SetupCode,
        deadline: Duration,
    ) -> Result<CommissionedDevice, Error> {
        let discovery = self
            .inner
            .discovery
            .clone()
            .ok_or(Misuse::DiscoveryDisabled)?;
        // Both types hold 0..=4095; mash-core checked it already.
        let d = mash_discovery::Discriminator::new(discriminator.value())
            .ok_or(Misuse::InvalidConfig("discriminator out of range"))?;
        let request = PairingRequestInfo {
            discriminator: d,
            zone_id: pairing_zone_id(&self.zone_ca_der()),
            zone_name: Some(self.zone_name().to_owned()).filter(|n| !n.is_empty()),
        };
        let found = search::find(&discovery.mdns, &discovery.config, d, &request, deadline).await?;
        let mut last_error = None;
        for device in found {
            for addr in targets::dial_order(&device.addresses) {
                let target = Target::Addr(addr);
                info!(instance = %device.instance, %target, "commissioning discovered device");
                match self.commission(&target, code).await {
                    Ok(done) => return Ok(done),
                    Err(e) if is_unreachable(&e) => {
                        debug!(%target, error = %e, "address did not answer; trying the next");
                        last_error = Some(e);
                    }
                    Err(e) if e.is_authentication_failure() => {
                        // Another device with the same discriminator.
                        debug!(instance = %device.instance, "setup code refused; trying the next device");
                        last_error = Some(e);
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Err(last_error.unwrap_or_else(|| {
            CommissionError::DeviceNotFound {
                discriminator: discriminator.value(),
                waited: deadline,
                pairing_requested: false,
            }
            .into()
        }))
    }

    /// [`commission_discovered`](Self::commission_discovered) with a QR
    /// payload (`MASH:1:<discriminator>:<code>` or the six-field form,
    /// INTEROP.md §9).
    pub async fn commission_qr_discovered(
        &self,
        qr: &str,
        deadline: Duration,
    ) -> Result<CommissionedDevice, Error> {
        let payload = QrPayload::parse(qr).map_err(Misuse::InvalidQr)?;
        self.commission_discovered(payload.discriminator, payload.setup_code, deadline)
            .await
    }
}

/// The address did not lead to a commissioning exchange: another address
/// of the same device may.
fn is_unreachable(e: &Error) -> bool {
    matches!(
        e,
        Error::Transport(_) | Error::Commission(CommissionError::ConnectionClosed)
    )
}
