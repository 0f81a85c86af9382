//! Publishing MASH records (INTEROP.md §9), device and controller side.
//!
//! The advertiser only does what it is told: when to open a window, which
//! zones to announce and when to re-announce a pairing request is decided
//! by the device and controller services.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use mash_core::ids::ZoneId;
use mdns_sd::ServiceInfo;

use crate::error::Error;
use crate::mdns::{DiscoveryConfig, Mdns};
use crate::records::instance::validate_instance_name;
use crate::records::{
    CommissionableInfo, CommissionerInfo, Discriminator, OperationalInfo, PAIRING_REQUEST_PORT,
    PairingRequestInfo, Record,
};

/// How long [`Advertiser::shutdown`] waits for the daemon to confirm the
/// goodbyes.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// Publishes, updates and withdraws MASH records.
///
/// Every record is announced on the selected interfaces with the daemon's
/// host name and all of its addresses there. Publishing a record again
/// updates it in place (new port or TXT); if its instance name changed, the
/// old instance is withdrawn first. Withdrawing sends a goodbye (TTL 0).
/// Dropping the advertiser withdraws everything it published;
/// [`shutdown`](Self::shutdown) does the same and waits for the daemon.
///
/// TTLs: SRV and address records carry 120 s, as INTEROP.md §9 asks;
/// mdns-sd fixes PTR and TXT at 4500 s (RFC 6762's recommendation) and
/// offers no setter. Goodbyes remove all of them at once.
///
/// All methods are non-blocking (they queue a command for the daemon
/// thread) and may be called from async code.
pub struct Advertiser {
    mdns: Mdns,
    published: Mutex<Published>,
}

/// Full mdns-sd service names of what we published, per slot.
#[derive(Default)]
struct Published {
    commissionable: Option<String>,
    operational: HashMap<ZoneId, String>,
    commissioners: HashMap<ZoneId, String>,
    pairing_requests: HashMap<(ZoneId, Discriminator), String>,
}

impl Published {
    fn drain(&mut self) -> Vec<String> {
        let mut all: Vec<String> = self.commissionable.take().into_iter().collect();
        all.extend(self.operational.drain().map(|(_, n)| n));
        all.extend(self.commissioners.drain().map(|(_, n)| n));
        all.extend(self.pairing_requests.drain().map(|(_, n)| n));
        all
    }
}

impl Advertiser {
    /// Starts an mDNS daemon for `config` and returns an advertiser on it.
    /// Use [`Mdns::advertiser`] to share one daemon with a [`Browser`](crate::Browser).
    pub fn new(config: &DiscoveryConfig) -> Result<Self, Error> {
        Ok(Mdns::new(config)?.advertiser())
    }

    pub(crate) fn from_mdns(mdns: Mdns) -> Self {
        Self {
            mdns,
            published: Mutex::default(),
        }
    }

    /// The daemon this advertiser publishes through.
    pub fn mdns(&self) -> &Mdns {
        &self.mdns
    }

    /// Announces `_mash-comm._tcp` (`MASH-%04d`) while the commissioning
    /// window is open; `port` is the listen port.
    pub fn advertise_commissionable(
        &self,
        info: &CommissionableInfo,
        port: u16,
    ) -> Result<(), Error> {
        let name = self.publish(info, port)?;
        let old = self.lock().commissionable.replace(name.clone());
        self.withdraw_replaced(old, &name)
    }

    /// Withdraws `_mash-comm._tcp`; `false` if nothing was advertised.
    pub fn withdraw_commissionable(&self) -> Result<bool, Error> {
        let old = self.lock().commissionable.take();
        self.withdraw_opt(old)
    }

    /// Announces `_mash._tcp` (`<zoneID>-<deviceID>`) for one zone.
    pub fn advertise_operational(&self, info: &OperationalInfo, port: u16) -> Result<(), Error> {
        let name = self.publish(info, port)?;
        let old = self.lock().operational.insert(info.zone_id, name.clone());
        self.withdraw_replaced(old, &name)
    }

    /// Withdraws the operational instance of `zone_id`.
    pub fn withdraw_operational(&self, zone_id: ZoneId) -> Result<bool, Error> {
        let old = self.lock().operational.remove(&zone_id);
        self.withdraw_opt(old)
    }

    /// Announces `_mashd._udp` (instance = zone name, cut to 63 bytes) for
    /// one zone; `port` is normally [`DEFAULT_PORT`](crate::records::DEFAULT_PORT).
    pub fn advertise_commissioner(&self, info: &CommissionerInfo, port: u16) -> Result<(), Error> {
        let name = self.publish(info, port)?;
        let old = self.lock().commissioners.insert(info.zone_id, name.clone());
        self.withdraw_replaced(old, &name)
    }

    /// Withdraws the commissioner instance of `zone_id`.
    pub fn withdraw_commissioner(&self, zone_id: ZoneId) -> Result<bool, Error> {
        let old = self.lock().commissioners.remove(&zone_id);
        self.withdraw_opt(old)
    }

    /// Announces `_mashp._udp` (`<zoneID>-<d>`, SRV port 1). Calling it
    /// again re-announces the same request.
    pub fn announce_pairing_request(&self, info: &PairingRequestInfo) -> Result<(), Error> {
        let name = self.publish(info, PAIRING_REQUEST_PORT)?;
        let key = (info.zone_id, info.discriminator);
        let old = self.lock().pairing_requests.insert(key, name.clone());
        self.withdraw_replaced(old, &name)
    }

    /// Withdraws the pairing request of `zone_id` for `discriminator`.
    pub fn withdraw_pairing_request(
        &self,
        zone_id: ZoneId,
        discriminator: Discriminator,
    ) -> Result<bool, Error> {
        let old = self
            .lock()
            .pairing_requests
            .remove(&(zone_id, discriminator));
        self.withdraw_opt(old)
    }

    /// Withdraws everything and waits (bounded) until the daemon has sent
    /// the goodbyes.
    pub async fn shutdown(self) {
        let names = self.lock().drain();
        for name in names {
            match self.mdns.inner.daemon.unregister(&name) {
                Ok(done) => {
                    let _ = tokio::time::timeout(SHUTDOWN_WAIT, done.recv_async()).await;
                }
                Err(e) => tracing::debug!(%name, error = %e, "unregister on shutdown"),
            }
        }
    }

    /// Registers `record` (or updates it) and returns its full service name.
    fn publish<R: Record>(&self, record: &R, port: u16) -> Result<String, Error> {
        let instance = record.instance_name();
        validate_instance_name(&instance).map_err(|e| Error::InvalidRecord(e.into()))?;
        let txt = record.encode_txt();
        // Self-check: never announce what a reference decoder would drop.
        R::decode_txt(&txt).map_err(Error::InvalidRecord)?;
        let info = ServiceInfo::new(
            R::KIND.ty_domain(),
            &instance,
            &self.mdns.inner.host,
            (),
            port,
            txt.to_properties(),
        )?
        .enable_addr_auto();
        let name = info.get_fullname().to_owned();
        self.mdns.inner.daemon.register(info)?;
        tracing::debug!(service = %R::KIND, %instance, port, "advertised");
        Ok(name)
    }

    fn withdraw_replaced(&self, old: Option<String>, new: &str) -> Result<(), Error> {
        match old {
            Some(old) if !old.eq_ignore_ascii_case(new) => self.withdraw(&old),
            _ => Ok(()),
        }
    }

    fn withdraw_opt(&self, name: Option<String>) -> Result<bool, Error> {
        match name {
            Some(name) => self.withdraw(&name).map(|()| true),
            None => Ok(false),
        }
    }

    fn withdraw(&self, name: &str) -> Result<(), Error> {
        // The status receiver is dropped: the goodbye is sent by the daemon
        // thread whether or not anyone waits for the confirmation.
        self.mdns.inner.daemon.unregister(name)?;
        tracing::debug!(%name, "withdrawn");
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Published> {
        // A poisoned lock only means another thread panicked mid-update of
        // plain bookkeeping; the data is still usable.
        self.published.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Advertiser {
    fn drop(&mut self) {
        for name in self.lock().drain() {
            if let Err(e) = self.mdns.inner.daemon.unregister(&name) {
                tracing::debug!(%name, error = %e, "unregister on drop");
            }
        }
    }
}
