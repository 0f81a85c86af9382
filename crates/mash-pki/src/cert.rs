//! A parsed certificate and the facts MASH reads from it
//! (INTEROP.md §3.3, §4).

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use mash_core::zone::ZoneType;

use crate::error::{Artifact, PkiError};
use crate::ident::{DeviceId, device_id_from_spki};
use crate::name::GoName;
use crate::oid;
use crate::unix_time::UnixTime;
use crate::verify::KeyPurpose;

/// KeyUsage bits as named in RFC 5280 §4.2.1.3 (bit n = `1 << n`).
pub mod key_usage {
    /// digitalSignature (0).
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// keyEncipherment (2).
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// keyCertSign (5).
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign (6).
    pub const CRL_SIGN: u16 = 1 << 6;
}

/// The extended key usages a certificate lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Eku {
    any: bool,
    server_auth: bool,
    client_auth: bool,
}

/// An X.509 certificate (DER) with the facts MASH needs, read once.
///
/// Parsing accepts any well-formed certificate (so a Go-generated one is
/// read exactly like ours); the checks ([`verify_leaf`](crate::verify_leaf) and friends) decide what is
/// acceptable.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    facts: Facts,
}

impl Certificate {
    /// Parses one DER certificate; trailing bytes are refused.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Result<Self, PkiError> {
        let der = der.into();
        let facts = Facts::read(&parse(&der)?)?;
        Ok(Self { der, facts })
    }

    /// Parses the first `CERTIFICATE` PEM block of `pem`.
    pub fn from_pem(pem: &str) -> Result<Self, PkiError> {
        let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
            .map_err(|err| PkiError::malformed(Artifact::Certificate, err))?;
        if block.label != "CERTIFICATE" {
            return Err(PkiError::malformed(
                Artifact::Certificate,
                format_args!("pem label {:?}", block.label),
            ));
        }
        Self::from_der(block.contents)
    }

    /// The certificate DER, as rustls takes it (`CertificateDer`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Gives the DER back.
    pub fn into_der(self) -> Vec<u8> {
        self.der
    }

    /// The subject Name DER, exactly as encoded.
    pub fn subject_der(&self) -> &[u8] {
        &self.facts.subject_der
    }

    /// The issuer Name DER, exactly as encoded.
    pub fn issuer_der(&self) -> &[u8] {
        &self.facts.issuer_der
    }

    /// The subject CN (the last one if several, as Go reads it).
    pub fn common_name(&self) -> Option<&str> {
        Some(self.facts.subject.common_name.as_str()).filter(|cn| !cn.is_empty())
    }

    /// The subject O values in DER order.
    pub fn organization(&self) -> &[String] {
        &self.facts.subject.organization
    }

    /// The subject OU values in DER order, as Go's parser lists them.
    pub fn organizational_units(&self) -> &[String] {
        &self.facts.subject.organizational_unit
    }

    /// The DNS names of the subjectAltName extension.
    pub fn dns_names(&self) -> &[String] {
        &self.facts.dns_names
    }

    /// The subjectKeyIdentifier extension value, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.facts.subject_key_id.as_deref()
    }

    /// The keyIdentifier of the authorityKeyIdentifier extension, if
    /// present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.facts.authority_key_id.as_deref()
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.facts.spki_der
    }

    /// True when the key is ECDSA on P-256 (INTEROP.md §3.1).
    pub fn is_ecdsa_p256(&self) -> bool {
        self.facts.key_is_p256
    }

    /// The serial number's big-endian magnitude bytes as encoded.
    pub fn serial(&self) -> &[u8] {
        &self.facts.serial
    }

    /// Start of validity.
    pub fn not_before(&self) -> UnixTime {
        self.facts.not_before
    }

    /// End of validity (inclusive).
    pub fn not_after(&self) -> UnixTime {
        self.facts.not_after
    }

    /// True when basicConstraints says CA:TRUE.
    pub fn is_ca(&self) -> bool {
        self.facts.basic_constraints_ca
    }

    /// The basicConstraints pathLenConstraint, if any.
    pub fn path_len(&self) -> Option<u32> {
        self.facts.path_len
    }

    /// The KeyUsage bits (see [`key_usage`]), `None` without the extension.
    pub fn key_usage(&self) -> Option<u16> {
        self.facts.key_usage
    }

    /// Whether the extended key usage permits `purpose`. As in Go, a
    /// certificate without the extension, or listing anyExtendedKeyUsage,
    /// permits every purpose.
    pub fn permits(&self, purpose: KeyPurpose) -> bool {
        let Some(eku) = self.facts.eku else {
            return true;
        };
        if eku.any {
            return true;
        }
        match purpose {
            KeyPurpose::ServerAuth => eku.server_auth,
            KeyPurpose::ClientAuth => eku.client_auth,
            KeyPurpose::ServerOrClientAuth => eku.server_auth || eku.client_auth,
            KeyPurpose::Any => true,
        }
    }

    /// The zone type a device reads from a Zone CA: the **first** OU of
    /// the subject, LOCAL for anything else or when there is no OU
    /// (INTEROP.md §4 notes, §5.2 step 8.2).
    pub fn zone_type(&self) -> ZoneType {
        self.organizational_units()
            .first()
            .map_or(ZoneType::Local, |ou| ZoneType::from_ou(ou))
    }

    /// The zone type named by the first OU, `None` when it is not one of
    /// `GRID`, `LOCAL`, `TEST` (Go's `ExtractZoneTypeFromCert` errors then).
    pub fn zone_type_strict(&self) -> Option<ZoneType> {
        let ou = self.organizational_units().first()?;
        ZoneType::from_spec_name(ou)
    }

    /// The device ID the certificate names in its CN, as a device reads
    /// its own ID back after commissioning (INTEROP.md §5.2 step 9).
    pub fn device_id(&self) -> Result<DeviceId, PkiError> {
        let cn = self.common_name().ok_or(PkiError::MissingCommonName)?;
        cn.parse().map_err(|_| {
            PkiError::malformed(
                Artifact::Certificate,
                format_args!("cn {cn:?} is not a device id"),
            )
        })
    }

    /// `hex(SHA-256(SPKI DER)[0:8])` of this certificate's key. Equal to
    /// [`Certificate::device_id`] after commissioning, but not after a
    /// renewal (the CN keeps the first ID).
    pub fn key_device_id(&self) -> DeviceId {
        device_id_from_spki(&self.facts.spki_der)
    }

    /// True when this certificate's AKI equals `ca`'s SKI: how a device
    /// tells which zone a controller certificate belongs to
    /// (INTEROP.md §3.3, "Device identifies the zone").
    pub fn names_authority(&self, ca: &Certificate) -> bool {
        match (self.authority_key_id(), ca.subject_key_id()) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => false,
        }
    }

    pub(crate) fn signed_with_ecdsa_sha256(&self) -> bool {
        self.facts.signed_with_ecdsa_sha256
    }

    /// The OID (dotted) of the first critical extension this crate does
    /// not process, if any; RFC 5280 §4.2 (and Go) reject such certificates.
    pub(crate) fn unhandled_critical_extension(&self) -> Option<&str> {
        self.facts.unhandled_critical.as_deref()
    }
}

/// Parses `der` completely or fails.
pub(crate) fn parse(der: &[u8]) -> Result<X509Certificate<'_>, PkiError> {
    let (rest, cert) = X509Certificate::from_der(der)
        .map_err(|err| PkiError::malformed(Artifact::Certificate, err))?;
    if !rest.is_empty() {
        return Err(PkiError::malformed(
            Artifact::Certificate,
            "trailing bytes after certificate",
        ));
    }
    Ok(cert)
}

/// True for an id-ecPublicKey key on the named curve P-256.
pub(crate) fn is_p256(spki: &SubjectPublicKeyInfo<'_>) -> bool {
    let alg = &spki.algorithm;
    alg.algorithm.as_bytes() == oid::EC_PUBLIC_KEY
        && alg
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .is_some_and(|curve| curve.as_bytes() == oid::P256)
}

/// Everything but the DER, read from a parsed certificate.
#[derive(Clone, Debug)]
struct Facts {
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    subject: GoName,
    spki_der: Vec<u8>,
    key_is_p256: bool,
    signed_with_ecdsa_sha256: bool,
    serial: Vec<u8>,
    not_before: UnixTime,
    not_after: UnixTime,
    basic_constraints_ca: bool,
    path_len: Option<u32>,
    key_usage: Option<u16>,
    eku: Option<Eku>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    dns_names: Vec<String>,
    unhandled_critical: Option<String>,
}

/// Extensions whose meaning the checks in this crate take into account.
const HANDLED_EXTENSIONS: [&[u8]; 6] = [
    oid::KEY_USAGE,
    oid::EXT_KEY_USAGE,
    oid::BASIC_CONSTRAINTS,
    oid::SUBJECT_ALT_NAME,
    oid::SUBJECT_KEY_ID,
    oid::AUTHORITY_KEY_ID,
];

impl Facts {
    fn read(cert: &X509Certificate<'_>) -> Result<Self, PkiError> {
        let bad =
            |err: x509_parser::error::X509Error| PkiError::malformed(Artifact::Certificate, err);
        let basic = cert.basic_constraints().map_err(bad)?;
        let key_usage = cert.key_usage().map_err(bad)?.map(|ku| ku.value.flags);
        let eku = cert.extended_key_usage().map_err(bad)?.map(|e| Eku {
            any: e.value.any,
            server_auth: e.value.server_auth,
            client_auth: e.value.client_auth,
        });
        let san = cert.subject_alternative_name().map_err(bad)?;
        let dns_names = san
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut unhandled_critical = None;
        for ext in cert.extensions() {
            if ext.critical
                && unhandled_critical.is_none()
                && !HANDLED_EXTENSIONS.contains(&ext.oid.as_bytes())
            {
                unhandled_critical = Some(ext.oid.to_id_string());
            }
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(id.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    authority_key_id = aki.key_identifier.as_ref().map(|id| id.0.to_vec());
                }
                ParsedExtension::ParseError { error } => {
                    return Err(PkiError::malformed(Artifact::Certificate, error));
                }
                _ => {}
            }
        }
        Ok(Self {
            subject_der: cert.subject().as_raw().to_vec(),
            issuer_der: cert.issuer().as_raw().to_vec(),
            subject: GoName::from_x509(cert.subject()),
            spki_der: cert.public_key().raw.to_vec(),
            key_is_p256: is_p256(cert.public_key()),
            signed_with_ecdsa_sha256: cert.signature_algorithm.algorithm.as_bytes()
                == oid::ECDSA_WITH_SHA256,
            serial: cert.raw_serial().to_vec(),
            not_before: UnixTime::from_secs(cert.validity().not_before.timestamp()),
            not_after: UnixTime::from_secs(cert.validity().not_after.timestamp()),
            basic_constraints_ca: basic.as_ref().is_some_and(|b| b.value.ca),
            path_len: basic.and_then(|b| b.value.path_len_constraint),
            key_usage,
            eku,
            subject_key_id,
            authority_key_id,
            dns_names,
            unhandled_critical,
        })
    }
}
