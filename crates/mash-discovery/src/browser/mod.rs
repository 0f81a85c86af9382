//! Browsing MASH service types (INTEROP.md §9) into typed, validated
//! results.

mod discovered;
pub(crate) mod hub;
mod stream;

use std::time::Duration;

use mash_core::ids::{DeviceId, ZoneId};

pub use discovered::Discovered;
pub use stream::{BrowseEvent, BrowseStream};

use crate::error::Error;
use crate::mdns::{DiscoveryConfig, Mdns};
use crate::records::{
    CommissionableInfo, CommissionerInfo, Discriminator, OperationalInfo, PairingRequestInfo,
    Record,
};

/// Browses MASH service types.
///
/// Each method starts a browse and returns a [`BrowseStream`]. Several
/// streams of the same type may be open at once. Matching uses the TXT
/// record, never the instance name (INTEROP.md §9). The `find_*` helpers
/// need a tokio runtime with the timer enabled.
#[derive(Clone)]
pub struct Browser {
    mdns: Mdns,
}

/// Which operational records to report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperationalFilter {
    /// Only records with this TXT `ZI`.
    pub zone_id: Option<ZoneId>,
    /// Only records with this TXT `DI`.
    pub device_id: Option<DeviceId>,
}

impl OperationalFilter {
    fn matches(&self, r: &OperationalInfo) -> bool {
        self.zone_id.is_none_or(|z| z == r.zone_id)
            && self.device_id.is_none_or(|d| d == r.device_id)
    }
}

impl Browser {
    /// Starts an mDNS daemon for `config` and returns a browser on it.
    /// Use [`Mdns::browser`] to share one daemon with an [`Advertiser`](crate::Advertiser).
    pub fn new(config: &DiscoveryConfig) -> Result<Self, Error> {
        Ok(Mdns::new(config)?.browser())
    }

    pub(crate) fn from_mdns(mdns: Mdns) -> Self {
        Self { mdns }
    }

    /// The daemon this browser queries through.
    pub fn mdns(&self) -> &Mdns {
        &self.mdns
    }

    /// Browses `R`'s service type, reporting records that pass `filter`.
    pub fn browse<R: Record>(
        &self,
        filter: impl Fn(&R) -> bool + Send + Sync + 'static,
    ) -> Result<BrowseStream<R>, Error> {
        BrowseStream::new(self.mdns.clone(), Box::new(filter))
    }

    /// Commissionable devices (`_mash-comm._tcp`), optionally only those
    /// whose TXT `D` equals `discriminator`.
    pub fn commissionable(
        &self,
        discriminator: Option<Discriminator>,
    ) -> Result<BrowseStream<CommissionableInfo>, Error> {
        self.browse(move |r: &CommissionableInfo| {
            discriminator.is_none_or(|d| d == r.discriminator)
        })
    }

    /// Operational devices (`_mash._tcp`) matching `filter` on TXT `ZI`/`DI`.
    pub fn operational(
        &self,
        filter: OperationalFilter,
    ) -> Result<BrowseStream<OperationalInfo>, Error> {
        self.browse(move |r: &OperationalInfo| filter.matches(r))
    }

    /// Commissioners (`_mashd._udp`).
    pub fn commissioners(&self) -> Result<BrowseStream<CommissionerInfo>, Error> {
        self.browse(|_: &CommissionerInfo| true)
    }

    /// Pairing requests (`_mashp._udp`), optionally only those for
    /// `discriminator` (a device passes its own). Whether to act on one is
    /// up to [`PairingRequestFilter`](crate::PairingRequestFilter).
    pub fn pairing_requests(
        &self,
        discriminator: Option<Discriminator>,
    ) -> Result<BrowseStream<PairingRequestInfo>, Error> {
        self.browse(move |r: &PairingRequestInfo| {
            discriminator.is_none_or(|d| d == r.discriminator)
        })
    }

    /// The first commissionable device with TXT `D` = `discriminator`, or
    /// [`Error::Timeout`]. Waits [`ADDRESS_SETTLE`] more for the rest of
    /// its addresses. testing/behavior/discovery.md §7.3 suggests 10 s
    /// for a browse, 30 s for a discriminator match. With colliding
    /// discriminators, use [`commissionable`](Self::commissionable) to see
    /// them all.
    pub async fn find_commissionable(
        &self,
        discriminator: Discriminator,
        timeout: Duration,
    ) -> Result<Discovered<CommissionableInfo>, Error> {
        first(self.commissionable(Some(discriminator))?, timeout).await
    }

    /// The operational record of `device_id` in `zone_id`, or
    /// [`Error::Timeout`]. Waits [`ADDRESS_SETTLE`] more for the rest of
    /// its addresses.
    pub async fn find_operational(
        &self,
        zone_id: ZoneId,
        device_id: DeviceId,
        timeout: Duration,
    ) -> Result<Discovered<OperationalInfo>, Error> {
        let filter = OperationalFilter {
            zone_id: Some(zone_id),
            device_id: Some(device_id),
        };
        first(self.operational(filter)?, timeout).await
    }
}

/// After the first match, how long `find_*` keep listening for updates of
/// the same instance. mDNS responders answer on IPv4 and IPv6 separately,
/// each with its own family's addresses, so the first resolution often
/// carries only one family; the other follows within milliseconds.
pub const ADDRESS_SETTLE: Duration = Duration::from_millis(250);

async fn first<R: Record>(
    mut stream: BrowseStream<R>,
    timeout: Duration,
) -> Result<Discovered<R>, Error> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut found = match tokio::time::timeout_at(deadline, stream.next_resolved()).await {
        Ok(Some(found)) => found,
        Ok(None) => return Err(Error::Closed),
        Err(_) => return Err(Error::Timeout),
    };
    let settle = deadline.min(tokio::time::Instant::now() + ADDRESS_SETTLE);
    while let Ok(Some(event)) = tokio::time::timeout_at(settle, stream.next()).await {
        if let BrowseEvent::Resolved(update) = event
            && update.instance.eq_ignore_ascii_case(&found.instance)
        {
            let mut addresses = found.addresses;
            addresses.extend(update.addresses.iter().copied());
            found = update;
            found.addresses = discovered::sorted_addresses(addresses);
        }
    }
    Ok(found)
}
