//! The Zone CA a controller owns (INTEROP.md §4, "Zone CA" column).

use core::time::Duration;
use std::fs;
use std::path::Path;

use mash_core::zone::ZoneType;

use crate::builder::{self, DAY, Profile};
use crate::cert::{Certificate, key_usage};
use crate::error::{Artifact, PkiError};
use crate::ident::key_id_from_spki;
use crate::key::KeyPair;
use crate::name;
use crate::persist::write_atomic;
use crate::unix_time::UnixTime;

/// File name of the Zone CA certificate (DER) written by [`ZoneCa::save`].
pub const ZONE_CA_CERT_FILE: &str = "zone-ca.der";
/// File name of the Zone CA private key (PKCS#8 PEM) written by
/// [`ZoneCa::save`].
pub const ZONE_CA_KEY_FILE: &str = "zone-ca-key.pem";

const CN_PREFIX: &str = "MASH Zone CA - ";

/// A Zone CA: self-signed certificate plus private key.
///
/// Subject O=`MASH Zone`, OU={`<ZONETYPE>`, `<zoneID>`},
/// CN=`MASH Zone CA - <zoneID>`; 20×365 days; keyCertSign, cRLSign,
/// digitalSignature (critical); CA:TRUE pathLen 0 (critical); SKI =
/// `SHA-256(SPKI DER)[0:20]`; AKI = own SKI.
///
/// The `<zoneID>` written here is the controller's own label for its zone
/// (a Go `ControllerService` uses its configured ZoneName, the test
/// harness a 16-hex string). It is **not** the PASE-derived
/// [`crate::ZoneId`], which both sides compute after commissioning.
#[derive(Debug)]
pub struct ZoneCa {
    cert: Certificate,
    key: KeyPair,
    zone_type: ZoneType,
    zone_label: String,
    key_id: Vec<u8>,
}

impl ZoneCa {
    /// Validity of a Zone CA certificate: 20×365 days.
    pub const LIFETIME: Duration = Duration::from_secs(7300 * 24 * 60 * 60);

    /// Generates a new Zone CA valid from `now`.
    pub fn generate(
        zone_type: ZoneType,
        zone_label: &str,
        now: UnixTime,
    ) -> Result<Self, PkiError> {
        let type_name = zone_type
            .spec_name()
            .ok_or(PkiError::InvalidInput("zone type has no spec name"))?;
        if zone_label.is_empty() {
            return Err(PkiError::InvalidInput("empty zone label"));
        }
        let key = KeyPair::generate()?;
        let key_id = key_id_from_spki(key.spki_der());
        let subject = name::zone_subject(
            "MASH Zone",
            type_name,
            zone_label,
            &format!("{CN_PREFIX}{zone_label}"),
        );
        let profile = Profile {
            issuer: &subject,
            subject: &subject,
            spki: key.spki_der(),
            not_before: now,
            lifetime: Self::LIFETIME,
            key_usage: key_usage::DIGITAL_SIGNATURE
                | key_usage::KEY_CERT_SIGN
                | key_usage::CRL_SIGN,
            ext_key_usage: &[],
            ca: true,
            subject_key_id: Some(&key_id),
            authority_key_id: Some(&key_id),
            dns_names: &[],
        };
        let cert = builder::issue(&profile, &key)?;
        Ok(Self {
            cert,
            key,
            zone_type,
            zone_label: zone_label.to_owned(),
            key_id: key_id.to_vec(),
        })
    }

    /// Rebuilds a Zone CA from its certificate DER and PKCS#8 PEM key.
    /// The certificate must be a CA and the key must be the one it
    /// certifies.
    pub fn from_parts(cert_der: &[u8], key_pem: &str) -> Result<Self, PkiError> {
        let cert = Certificate::from_der(cert_der)?;
        let key = KeyPair::from_pkcs8_pem(key_pem)?;
        Self::from_cert_and_key(cert, key)
    }

    /// Rebuilds a Zone CA from a parsed certificate and its key.
    pub fn from_cert_and_key(cert: Certificate, key: KeyPair) -> Result<Self, PkiError> {
        if !cert.is_ca() {
            return Err(PkiError::malformed(
                Artifact::Certificate,
                "zone ca is not a ca",
            ));
        }
        if cert.spki_der() != key.spki_der() {
            return Err(PkiError::KeyMismatch);
        }
        let zone_type = cert.zone_type();
        let zone_label = zone_label_of(&cert);
        // Go always writes an SKI; recompute it for a CA that lacks one.
        let key_id = cert.subject_key_id().map_or_else(
            || key_id_from_spki(cert.spki_der()).to_vec(),
            <[u8]>::to_vec,
        );
        Ok(Self {
            cert,
            key,
            zone_type,
            zone_label,
            key_id,
        })
    }

    /// Writes [`ZONE_CA_CERT_FILE`] and [`ZONE_CA_KEY_FILE`] into `dir`, each atomically;
    /// the key file is private (0600) on Unix.
    pub fn save(&self, dir: &Path) -> Result<(), PkiError> {
        write_atomic(
            &dir.join(ZONE_CA_KEY_FILE),
            self.key.pkcs8_pem().as_bytes(),
            true,
        )?;
        write_atomic(&dir.join(ZONE_CA_CERT_FILE), self.cert.der(), false)?;
        Ok(())
    }

    /// Reads what [`ZoneCa::save`] wrote.
    pub fn load(dir: &Path) -> Result<Self, PkiError> {
        let cert_der = fs::read(dir.join(ZONE_CA_CERT_FILE))?;
        let key_pem = fs::read_to_string(dir.join(ZONE_CA_KEY_FILE))?;
        Self::from_parts(&cert_der, &key_pem)
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The CA certificate DER (sent to the device in CertRenewalRequest
    /// key 3 during commissioning, INTEROP.md §5.2 step 8.1).
    pub fn cert_der(&self) -> &[u8] {
        self.cert.der()
    }

    /// The CA private key as PKCS#8 PEM.
    pub fn key_pkcs8_pem(&self) -> String {
        self.key.pkcs8_pem()
    }

    /// The zone type written in (or read from) the first OU.
    pub fn zone_type(&self) -> ZoneType {
        self.zone_type
    }

    /// The controller's zone label (`<zoneID>` of the CN and OU).
    pub fn zone_label(&self) -> &str {
        &self.zone_label
    }

    /// The CA's subject key identifier; every certificate it issues
    /// carries it as AKI.
    pub fn key_id(&self) -> &[u8] {
        &self.key_id
    }

    /// Whether `leaf` names this CA as its authority (AKI == SKI). This
    /// says nothing about the signature; use [`crate::verify_leaf`] for
    /// that.
    pub fn is_authority_of(&self, leaf: &Certificate) -> bool {
        leaf.authority_key_id() == Some(self.key_id.as_slice())
    }

    /// The CA private key (tests build unusual leaves with it).
    #[cfg(test)]
    pub(crate) fn signing_key(&self) -> &KeyPair {
        &self.key
    }

    /// Issues a leaf: issuer = this CA's subject, AKI = this CA's SKI.
    pub(crate) fn sign_leaf(
        &self,
        profile: &LeafProfile<'_>,
        now: UnixTime,
    ) -> Result<Certificate, PkiError> {
        let ski = key_id_from_spki(profile.spki);
        let full = Profile {
            issuer: self.cert.subject_der(),
            subject: profile.subject,
            spki: profile.spki,
            not_before: now,
            lifetime: LEAF_LIFETIME,
            key_usage: key_usage::DIGITAL_SIGNATURE | key_usage::KEY_ENCIPHERMENT,
            ext_key_usage: &[crate::oid::KP_CLIENT_AUTH, crate::oid::KP_SERVER_AUTH],
            ca: false,
            subject_key_id: Some(&ski),
            authority_key_id: Some(&self.key_id),
            dns_names: &[profile.dns_name],
        };
        builder::issue(&full, &self.key)
    }
}

/// Validity of operational certificates: 365 days (INTEROP.md §4).
pub(crate) const LEAF_LIFETIME: Duration = Duration::from_secs(365 * DAY.as_secs());

/// The parts that differ between device and controller operational
/// certificates; everything else is shared (INTEROP.md §4 table).
pub(crate) struct LeafProfile<'a> {
    pub(crate) subject: &'a [u8],
    pub(crate) spki: &'a [u8],
    pub(crate) dns_name: &'a str,
}

/// The `<zoneID>` of a Zone CA: the CN after `MASH Zone CA - `, else the
/// second OU, else empty.
fn zone_label_of(cert: &Certificate) -> String {
    if let Some(label) = cert.common_name().and_then(|cn| cn.strip_prefix(CN_PREFIX)) {
        return label.to_owned();
    }
    cert.organizational_units()
        .get(1)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime::from_secs(1_796_315_590);

    #[test]
    fn generated_ca_has_the_go_shape() {
        let ca = ZoneCa::generate(ZoneType::Local, "2859a7266ff2c1f0", NOW).unwrap();
        let cert = ca.certificate();
        assert!(cert.is_ca());
        assert_eq!(cert.path_len(), Some(0));
        assert_eq!(cert.organizational_units(), ["LOCAL", "2859a7266ff2c1f0"]);
        assert_eq!(cert.common_name(), Some("MASH Zone CA - 2859a7266ff2c1f0"));
        assert_eq!(cert.subject_der(), cert.issuer_der());
        assert_eq!(cert.subject_key_id(), cert.authority_key_id());
        assert_eq!(cert.not_before(), NOW);
        assert_eq!(cert.not_after().secs() - NOW.secs(), 630_720_000);
        assert_eq!(ca.zone_type(), ZoneType::Local);
        assert_eq!(ca.zone_label(), "2859a7266ff2c1f0");
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let ca = ZoneCa::generate(ZoneType::Grid, "EV", NOW).unwrap();
        ca.save(dir.path()).unwrap();
        let back = ZoneCa::load(dir.path()).unwrap();
        assert_eq!(back.cert_der(), ca.cert_der());
        assert_eq!(back.zone_type(), ZoneType::Grid);
        assert_eq!(back.zone_label(), "EV");
        assert_eq!(back.key_id(), ca.key_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(ZONE_CA_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn from_parts_refuses_a_foreign_key() {
        let ca = ZoneCa::generate(ZoneType::Local, "home", NOW).unwrap();
        let other = KeyPair::generate().unwrap();
        assert!(matches!(
            ZoneCa::from_parts(ca.cert_der(), &other.pkcs8_pem()),
            Err(PkiError::KeyMismatch)
        ));
    }

    #[test]
    fn unknown_zone_type_and_empty_label_are_refused() {
        assert!(matches!(
            ZoneCa::generate(ZoneType::from_value(9), "x", NOW),
            Err(PkiError::InvalidInput(_))
        ));
        assert!(matches!(
            ZoneCa::generate(ZoneType::Test, "", NOW),
            Err(PkiError::InvalidInput(_))
        ));
    }
}
