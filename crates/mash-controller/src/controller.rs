//! [`Controller`]: the zone owner — opens its state, commissions devices,
//! keeps one session per device and renews its own certificate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use mash_core::commissioning::{INITIAL_CERT_SEQUENCE, QrPayload, SetupCode};
use mash_core::ids::{DeviceId, ZoneId};
use mash_core::zone::ZoneType;
use mash_pki::{Certificate, UnixTime, VerifiedCsr};
use mash_store::StateDir;
use mash_transport::Target;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::clock::Monotonic;
use crate::commission;
use crate::config::ControllerConfig;
use crate::dialer::{Dialer, OperationalCredentials};
use crate::discovery::Discovery;
use crate::error::{CommissionError, Error, Misuse};
use crate::handle::DeviceHandle;
use crate::model::ControllerModel;
use crate::registry::{DeviceRecord, Registry};
use crate::session;
use crate::zone::{ZoneOwner, issue_time};

/// How long to wait for the device to close the commissioning connection
/// before dialling operationally (it does so right after its
/// CertRenewalAck, once its operational listener is ready; DEC-066).
const COMMISSIONING_CLOSE_WAIT: Duration = Duration::from_secs(2);
/// Longest RetryAfter a commissioning waits out by itself.
const MAX_BUSY_WAIT: Duration = Duration::from_secs(90);
/// How often a BUSY commissioning is retried.
const MAX_BUSY_RETRIES: u32 = 3;

/// A device that has just been commissioned.
#[derive(Debug, Clone)]
pub struct CommissionedDevice {
    /// Its registry record.
    pub record: DeviceRecord,
    /// Its operational session, connected.
    pub handle: DeviceHandle,
}

impl CommissionedDevice {
    /// The device's ID in this zone.
    pub fn device_id(&self) -> DeviceId {
        self.record.device_id
    }

    /// The zone ID of this commissioning (INTEROP.md §4).
    pub fn zone_id(&self) -> ZoneId {
        self.record.zone_id
    }
}

/// A MASH controller: owner of one zone. See the [crate docs](crate).
///
/// Cheap to clone; all clones share the state. Background work (sessions,
/// the renewal timer) runs until [`Controller::shutdown`].
pub struct Controller<D: Dialer> {
    pub(crate) inner: Arc<Inner<D>>,
}

impl<D: Dialer> Clone for Controller<D> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<D: Dialer> std::fmt::Debug for Controller<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("zone_type", &self.inner.config.zone_type)
            .field("zone_name", &self.inner.config.zone_name)
            .finish_non_exhaustive()
    }
}

/// What the controller's tasks share.
pub(crate) struct Inner<D> {
    pub(crate) dialer: D,
    pub(crate) config: ControllerConfig,
    pub(crate) store: StateDir,
    pub(crate) zone: Mutex<ZoneOwner>,
    pub(crate) registry: Mutex<Registry>,
    pub(crate) sessions: Mutex<HashMap<DeviceId, DeviceHandle>>,
    pub(crate) model: ControllerModel,
    pub(crate) mono: Monotonic,
    pub(crate) shutdown: watch::Sender<bool>,
    /// mDNS, when configured.
    pub(crate) discovery: Option<Discovery>,
}

/// Locks, ignoring poisoning: every critical section leaves consistent
/// state (writes go to disk before memory changes).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<D> Inner<D> {
    pub(crate) fn now(&self) -> UnixTime {
        self.config.clock.now()
    }

    pub(crate) fn record(&self, id: &DeviceId) -> Option<DeviceRecord> {
        lock(&self.registry).get(id).cloned()
    }

    pub(crate) fn credentials(&self) -> Arc<OperationalCredentials> {
        lock(&self.zone).credentials()
    }

    pub(crate) fn zone_ca_certificate(&self) -> Certificate {
        lock(&self.zone).ca().certificate().clone()
    }

    /// Signs a renewal CSR for `device_id` (subject kept, DNS SAN = CN;
    /// INTEROP.md §5.8).
    pub(crate) fn sign_renewal(
        &self,
        csr_der: &[u8],
        device_id: DeviceId,
    ) -> Result<Certificate, Error> {
        let csr = VerifiedCsr::verify(csr_der).map_err(Error::DeviceCertificate)?;
        let not_before = issue_time(self.now());
        Ok(lock(&self.zone)
            .ca()
            .renew_device_cert(&csr, device_id, not_before)?)
    }

    /// Records a completed renewal.
    pub(crate) fn renewed(
        &self,
        device_id: &DeviceId,
        not_after: UnixTime,
        sequence: u32,
    ) -> Result<(), Error> {
        lock(&self.registry).update(device_id, |r| {
            r.cert_not_after = not_after;
            r.cert_sequence = sequence;
        })?;
        Ok(())
    }

    /// The device left the zone: forget it.
    pub(crate) fn removed(&self, device_id: &DeviceId) {
        if let Err(e) = lock(&self.registry).remove(device_id) {
            warn!(%device_id, error = %e, "could not delete the device record");
        }
    }
}

impl<D: Dialer> Controller<D> {
    /// Opens the controller: loads the zone CA, the controller certificate
    /// and the registry from `config.state_dir`, or creates them on first
    /// start. A corrupt state file is an error. Checks the controller
    /// certificate for renewal now and every
    /// [`renewal_check_interval`](ControllerConfig::renewal_check_interval).
    ///
    /// Must be called inside a tokio runtime.
    pub async fn open(config: ControllerConfig, dialer: D) -> Result<Self, Error> {
        if config.zone_name.is_empty() {
            return Err(Misuse::InvalidConfig("empty zone name").into());
        }
        if config.zone_type.spec_name().is_none() {
            return Err(Misuse::InvalidConfig("unknown zone type").into());
        }
        let store = StateDir::open(&config.state_dir)?;
        let now = config.clock.now();
        let mut zone = ZoneOwner::open(&store, config.zone_type, &config.zone_name, now)?;
        zone.renew_if_due(&store, now)?;
        let registry = Registry::load(store.clone())?;
        let model = ControllerModel::new(&zone.ca().controller_id(), &config.info);
        let discovery = config
            .discovery
            .as_ref()
            .map(Discovery::start)
            .transpose()?;
        let (shutdown, _) = watch::channel(false);
        info!(
            zone = %config.zone_name,
            zone_type = %config.zone_type,
            devices = registry.all().len(),
            "controller opened"
        );
        let inner = Arc::new(Inner {
            dialer,
            config,
            store,
            zone: Mutex::new(zone),
            registry: Mutex::new(registry),
            sessions: Mutex::new(HashMap::new()),
            model,
            mono: Monotonic::new(),
            shutdown,
            discovery,
        });
        tokio::spawn(own_renewal_timer(Arc::downgrade(&inner)));
        Ok(Self { inner })
    }

    /// The zone type.
    pub fn zone_type(&self) -> ZoneType {
        self.inner.config.zone_type
    }

    /// The zone name (the zone CA's label).
    pub fn zone_name(&self) -> &str {
        &self.inner.config.zone_name
    }

    /// Wall-clock time from the configured [`Clock`](crate::Clock), e.g.
    /// for [`EnergyStatus::display`](crate::EnergyStatus::display).
    pub fn now(&self) -> UnixTime {
        self.inner.now()
    }

    /// The zone CA certificate, DER.
    pub fn zone_ca_der(&self) -> Vec<u8> {
        lock(&self.inner.zone).ca().cert_der().to_vec()
    }

    /// The controller's current operational certificate.
    pub fn certificate(&self) -> Certificate {
        lock(&self.inner.zone).certificate().clone()
    }

    /// Every registered device.
    pub fn devices(&self) -> Vec<DeviceRecord> {
        lock(&self.inner.registry).all()
    }

    /// One registered device.
    pub fn device(&self, id: &DeviceId) -> Option<DeviceRecord> {
        self.inner.record(id)
    }

    /// Commissions the device at `target` with the setup code from its
    /// label or QR code (INTEROP.md §5): PASE, then the certificate
    /// exchange (the CSR signed by the zone CA, install sequence 2); then
    /// records the device and connects operationally (`mash/1`, SNI =
    /// device ID).
    ///
    /// Errors a caller acts on are [`Error::Commission`]:
    /// [`CommissionError::Busy`] with the device's retry hint,
    /// [`CommissionError::ZoneTypeExists`],
    /// [`CommissionError::AuthenticationFailed`] (wrong setup code), and
    /// [`CommissionError::NotReachable`] when the device is registered but
    /// the first operational connection failed (the session keeps trying).
    pub async fn commission(
        &self,
        target: &Target,
        code: SetupCode,
    ) -> Result<CommissionedDevice, Error> {
        self.check_running()?;
        let inner = &self.inner;
        let mut attempt = 0;
        let (mut dialed, exchanged) = loop {
            let mut dialed = inner.dialer.dial_commissioning(target).await?;
            let zone_ca_der = self.zone_ca_der();
            let result =
                commission::exchange(&mut dialed.stream, &code, zone_ca_der, inner.mono, |csr| {
                    let csr = VerifiedCsr::verify(csr)?;
                    let not_before = issue_time(inner.now());
                    lock(&inner.zone).ca().issue_device_cert(&csr, not_before)
                })
                .await;
            match result {
                // BUSY with a RetryAfter (cooldown, another commissioning in
                // progress, DEC-063): wait as told and try again, a few times.
                Err(Error::Commission(CommissionError::Busy { retry_after, .. }))
                    if !retry_after.is_zero()
                        && retry_after <= MAX_BUSY_WAIT
                        && attempt < MAX_BUSY_RETRIES =>
                {
                    attempt += 1;
                    drop(dialed);
                    debug!(?retry_after, attempt, "device busy, retrying");
                    tokio::time::sleep(retry_after).await;
                }
                Err(e) => return Err(e),
                Ok(exchanged) => break (dialed, exchanged),
            }
        };
        // The device closes by itself once its operational side is ready.
        let _ = tokio::time::timeout(COMMISSIONING_CLOSE_WAIT, dialed.stream.read_frame()).await;
        drop(dialed);
        let record = DeviceRecord {
            device_id: exchanged.device_id,
            zone_id: exchanged.zone_id,
            address: target.clone(),
            commissioned_at: inner.now(),
            cert_not_after: exchanged.certificate.not_after(),
            cert_sequence: INITIAL_CERT_SEQUENCE,
        };
        lock(&inner.registry).upsert(record.clone())?;
        info!(device_id = %record.device_id, zone_id = %record.zone_id, %target, "device registered");
        let handle = self.connect(record.device_id)?;
        match handle
            .wait_connected(inner.config.first_connect_timeout)
            .await
        {
            Ok(()) => Ok(CommissionedDevice { record, handle }),
            Err(e) => Err(CommissionError::NotReachable {
                device_id: record.device_id,
                source: Box::new(e),
            }
            .into()),
        }
    }

    /// Commissions with a QR payload (`MASH:1:<discriminator>:<code>` or
    /// the six-field form, INTEROP.md §9) at a known address; see
    /// [`commission_qr_discovered`](Self::commission_qr_discovered) to find
    /// the device by the QR code's discriminator instead.
    pub async fn commission_qr(
        &self,
        target: &Target,
        qr: &str,
    ) -> Result<CommissionedDevice, Error> {
        let payload = QrPayload::parse(qr).map_err(Misuse::InvalidQr)?;
        self.commission(target, payload.setup_code).await
    }

    /// The session of a registered device: started on first use, then
    /// kept, reconnecting with back-off whenever the connection drops.
    /// Returns at once; requests wait for the connection.
    pub fn connect(&self, device_id: DeviceId) -> Result<DeviceHandle, Error> {
        self.check_running()?;
        let record = self
            .inner
            .record(&device_id)
            .ok_or(Misuse::UnknownDevice(device_id))?;
        let mut sessions = lock(&self.inner.sessions);
        if let Some(handle) = sessions.get(&device_id) {
            if !handle.state().is_final() {
                return Ok(handle.clone());
            }
        }
        let handle = session::spawn(self.inner.clone(), &record);
        sessions.insert(device_id, handle.clone());
        Ok(handle)
    }

    /// Changes where a device is reached; used from the next connection
    /// attempt on.
    pub fn set_address(&self, device_id: DeviceId, address: Target) -> Result<(), Error> {
        lock(&self.inner.registry)
            .update(&device_id, |r| r.address = address)?
            .map(drop)
            .ok_or_else(|| Misuse::UnknownDevice(device_id).into())
    }

    /// Forgets a device locally, without telling it (use
    /// [`DeviceHandle::remove_zone`] to leave the device properly).
    pub fn forget(&self, device_id: DeviceId) -> Result<(), Error> {
        if let Some(handle) = lock(&self.inner.sessions).remove(&device_id) {
            handle.stop();
        }
        lock(&self.inner.registry)
            .remove(&device_id)?
            .map(drop)
            .ok_or_else(|| Misuse::UnknownDevice(device_id).into())
    }

    /// Checks the controller certificate now and renews it when due
    /// (INTEROP.md §5.8); returns whether it renewed.
    pub fn renew_certificate_if_due(&self) -> Result<bool, Error> {
        let now = self.inner.now();
        lock(&self.inner.zone).renew_if_due(&self.inner.store, now)
    }

    /// Stops every session (closing connections gracefully) and the
    /// renewal timer, and waits until the sessions have ended.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        let handles: Vec<DeviceHandle> =
            lock(&self.inner.sessions).drain().map(|(_, h)| h).collect();
        for handle in handles {
            handle.stop();
            let mut state = handle.watch_state();
            let _ = state.wait_for(|s| s.is_final()).await;
        }
    }

    fn check_running(&self) -> Result<(), Error> {
        if *self.inner.shutdown.borrow() {
            Err(Error::Shutdown)
        } else {
            Ok(())
        }
    }
}

/// Checks the controller certificate every `renewal_check_interval`
/// (INTEROP.md §5.8: every 24 h); ends with the controller.
async fn own_renewal_timer<D: Dialer>(inner: Weak<Inner<D>>) {
    let (interval, mut shutdown) = match inner.upgrade() {
        Some(i) => (i.config.renewal_check_interval, i.shutdown.subscribe()),
        None => return,
    };
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let now = inner.now();
        if let Err(e) = lock(&inner.zone).renew_if_due(&inner.store, now) {
            warn!(error = %e, "controller certificate renewal failed");
        }
    }
}
