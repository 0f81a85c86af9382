//! Zone ownership: the zone CA, the controller's own operational
//! certificate, their persistence and the renewal of the certificate
//! (INTEROP.md §4, §5.8).
//!
//! Files in the state directory:
//!
//! | file | content | written by |
//! |---|---|---|
//! | `zone-ca.der`, `zone-ca-key.pem` | the zone CA (20 years) | `mash-pki` ([`ZoneCa::save`]), once |
//! | `identity.json` | the controller certificate (hex DER) and its PKCS#8 key | `mash-store`, at creation and renewal |
//! | `controller.json` | zone type, zone name, creation time: the marker that the first start completed | `mash-store`, once, last |
//!
//! A missing `controller.json` means "never started": everything is
//! (re)created, unless device records exist, which is an error. Any file
//! that is present but unreadable is an error, never a fresh start.

use std::sync::Arc;
use std::time::Duration;

use mash_core::zone::ZoneType;
use mash_pki::{Certificate, KeyPair, TlsIdentity, UnixTime, ZoneCa, renewal_due};
use mash_store::StateDir;
use mash_transport::{CertificateDer, Identity, PrivateKeyDer};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::dialer::OperationalCredentials;
use crate::error::Error;
use crate::registry::DEVICE_PREFIX;

/// How far certificates are backdated. Devices check certificates
/// without clock-skew tolerance (INTEROP.md §3.3 step 1, §5.2 step 8.5),
/// so a device clock a second behind ours would refuse a certificate whose
/// notBefore is our "now". The spec documents backdate by 5 minutes
/// (INTEROP.md §11, "Op cert profile"); the shape of the certificate is
/// unchanged.
pub(crate) const BACKDATE: Duration = Duration::from_secs(5 * 60);

/// The notBefore to issue a certificate with at `now`.
pub(crate) fn issue_time(now: UnixTime) -> UnixTime {
    now.saturating_sub(BACKDATE)
}

const META_DOC: &str = "controller";
const IDENTITY_DOC: &str = "identity";
const META_VERSION: u32 = 1;

/// `controller.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    version: u32,
    zone_type: String,
    zone_name: String,
    created_at: i64,
}

/// `identity.json`.
#[derive(Serialize, Deserialize)]
struct StoredIdentity {
    /// Certificate DER, hex.
    certificate: String,
    /// PKCS#8 PEM.
    key: String,
}

/// The zone CA and the controller's certificate.
#[derive(Debug)]
pub(crate) struct ZoneOwner {
    ca: ZoneCa,
    identity: TlsIdentity,
    credentials: Arc<OperationalCredentials>,
}

impl ZoneOwner {
    /// Loads the zone from `store`, or creates it on first start.
    pub(crate) fn open(
        store: &StateDir,
        zone_type: ZoneType,
        zone_name: &str,
        now: UnixTime,
    ) -> Result<Self, Error> {
        match store.read::<Meta>(META_DOC)? {
            Some(meta) => Self::load(store, &meta, zone_type, zone_name),
            None => Self::create(store, zone_type, zone_name, now),
        }
    }

    fn create(
        store: &StateDir,
        zone_type: ZoneType,
        zone_name: &str,
        now: UnixTime,
    ) -> Result<Self, Error> {
        if !store.list(DEVICE_PREFIX)?.is_empty() {
            return Err(Error::State(
                "device records exist but controller.json is missing".into(),
            ));
        }
        let type_name = zone_type
            .spec_name()
            .ok_or_else(|| Error::State(format!("unnamed zone type {zone_type:?}")))?;
        let ca = ZoneCa::generate(zone_type, zone_name, now)?;
        ca.save(store.path())?;
        let identity = ca.issue_controller_identity(issue_time(now))?;
        save_identity(store, &identity)?;
        // Last: from here on the zone exists.
        store.write(
            META_DOC,
            &Meta {
                version: META_VERSION,
                zone_type: type_name.into(),
                zone_name: zone_name.into(),
                created_at: now.secs(),
            },
        )?;
        info!(zone = zone_name, %zone_type, "created zone ca and controller certificate");
        Self::assemble(ca, identity)
    }

    fn load(
        store: &StateDir,
        meta: &Meta,
        zone_type: ZoneType,
        zone_name: &str,
    ) -> Result<Self, Error> {
        if meta.version != META_VERSION {
            return Err(Error::State(format!(
                "controller.json version {} is not supported",
                meta.version
            )));
        }
        if ZoneType::from_spec_name(&meta.zone_type) != Some(zone_type)
            || meta.zone_name != zone_name
        {
            return Err(Error::State(format!(
                "state belongs to zone {:?} ({}), configured {zone_name:?} ({zone_type})",
                meta.zone_name, meta.zone_type
            )));
        }
        let ca = ZoneCa::load(store.path())?;
        if ca.zone_type() != zone_type || ca.zone_label() != zone_name {
            return Err(Error::State(
                "zone ca does not match controller.json".into(),
            ));
        }
        let stored: StoredIdentity = store
            .read(IDENTITY_DOC)?
            .ok_or_else(|| Error::State("identity.json is missing".into()))?;
        let identity = parse_identity(&stored)?;
        if !ca.is_authority_of(identity.certificate()) {
            return Err(Error::State(
                "controller certificate was not issued by the zone ca".into(),
            ));
        }
        Self::assemble(ca, identity)
    }

    fn assemble(ca: ZoneCa, identity: TlsIdentity) -> Result<Self, Error> {
        let credentials = Arc::new(credentials(&ca, &identity)?);
        Ok(Self {
            ca,
            identity,
            credentials,
        })
    }

    /// The zone CA.
    pub(crate) fn ca(&self) -> &ZoneCa {
        &self.ca
    }

    /// The controller's certificate.
    pub(crate) fn certificate(&self) -> &Certificate {
        self.identity.certificate()
    }

    /// What operational connections are dialled with.
    pub(crate) fn credentials(&self) -> Arc<OperationalCredentials> {
        self.credentials.clone()
    }

    /// Issues, persists and switches to a new controller certificate when
    /// the current one is within 7 days of expiry (INTEROP.md §5.8,
    /// DEC-077). Returns whether it renewed. Connections already up keep
    /// their TLS session; new ones use the new certificate.
    pub(crate) fn renew_if_due(&mut self, store: &StateDir, now: UnixTime) -> Result<bool, Error> {
        if !renewal_due(self.identity.certificate(), now) {
            return Ok(false);
        }
        let identity = self.ca.issue_controller_identity(issue_time(now))?;
        save_identity(store, &identity)?;
        self.credentials = Arc::new(credentials(&self.ca, &identity)?);
        let old = self.identity.certificate().not_after();
        self.identity = identity;
        info!(
            %old,
            new = %self.identity.certificate().not_after(),
            "renewed controller certificate"
        );
        Ok(true)
    }
}

fn save_identity(store: &StateDir, identity: &TlsIdentity) -> Result<(), Error> {
    store.write(
        IDENTITY_DOC,
        &StoredIdentity {
            certificate: hex::encode(identity.cert_der()),
            key: identity.key().pkcs8_pem(),
        },
    )?;
    Ok(())
}

fn parse_identity(stored: &StoredIdentity) -> Result<TlsIdentity, Error> {
    let der = hex::decode(&stored.certificate)
        .map_err(|_| Error::State("identity.json: certificate is not hex".into()))?;
    let cert = Certificate::from_der(der)?;
    let key = KeyPair::from_pkcs8_pem(&stored.key)?;
    Ok(TlsIdentity::new(cert, key)?)
}

fn credentials(ca: &ZoneCa, identity: &TlsIdentity) -> Result<OperationalCredentials, Error> {
    let key = PrivateKeyDer::try_from(identity.key_pkcs8_der()).map_err(|e| {
        warn!(error = e, "controller key unusable for tls");
        Error::State(format!("controller key unusable for tls: {e}"))
    })?;
    let id = Identity::new(
        vec![CertificateDer::from(identity.cert_der().to_vec())],
        key,
    );
    Ok(OperationalCredentials::new(
        CertificateDer::from(ca.cert_der().to_vec()),
        id,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime::from_secs(1_796_315_590);

    #[test]
    fn created_once_then_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateDir::open(dir.path()).unwrap();
        let first = ZoneOwner::open(&store, ZoneType::Grid, "smgw-zone-1", NOW).unwrap();
        assert_eq!(first.ca().zone_type(), ZoneType::Grid);
        assert_eq!(first.ca().zone_label(), "smgw-zone-1");
        let again = ZoneOwner::open(&store, ZoneType::Grid, "smgw-zone-1", NOW).unwrap();
        assert_eq!(again.ca().cert_der(), first.ca().cert_der());
        assert_eq!(again.certificate().der(), first.certificate().der());
        assert!(matches!(
            ZoneOwner::open(&store, ZoneType::Local, "smgw-zone-1", NOW),
            Err(Error::State(_))
        ));
    }

    #[test]
    fn corrupt_identity_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateDir::open(dir.path()).unwrap();
        ZoneOwner::open(&store, ZoneType::Local, "ems", NOW).unwrap();
        let path = dir.path().join("identity.json");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push(' ');
        std::fs::write(&path, text).unwrap();
        assert!(matches!(
            ZoneOwner::open(&store, ZoneType::Local, "ems", NOW),
            Err(Error::Store(_))
        ));
        std::fs::remove_file(dir.path().join("zone-ca.der")).unwrap();
        assert!(ZoneOwner::open(&store, ZoneType::Local, "ems", NOW).is_err());
    }

    #[test]
    fn renews_seven_days_before_expiry_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateDir::open(dir.path()).unwrap();
        let mut owner = ZoneOwner::open(&store, ZoneType::Local, "ems", NOW).unwrap();
        let old = owner.certificate().der().to_vec();
        assert!(!owner.renew_if_due(&store, NOW).unwrap());
        let later = NOW.saturating_add(Duration::from_secs(358 * 86_400 + 1));
        assert!(owner.renew_if_due(&store, later).unwrap());
        assert_ne!(owner.certificate().der(), old.as_slice());
        assert!(owner.certificate().not_after() > later);
        let reloaded = ZoneOwner::open(&store, ZoneType::Local, "ems", later).unwrap();
        assert_eq!(reloaded.certificate().der(), owner.certificate().der());
    }
}
