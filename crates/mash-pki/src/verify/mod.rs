//! Certificate checks (INTEROP.md §3.3, §5.2 step 8.5).
//!
//! MASH chains are always two certificates long: an operational leaf
//! signed directly by a Zone CA. A successful check returns
//! [`ChainVerified`], which nothing else can create, so code that needs a
//! verified peer certificate can ask for the proof in its signature.

use core::fmt;
use core::time::Duration;

use crate::cert::{self, Certificate};
use crate::error::{Artifact, CertRole, PkiError};
use crate::ident::DeviceId;
use crate::unix_time::UnixTime;

/// The extended key usage a check requires of the leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// id-kp-serverAuth: a device's certificate as TLS server.
    ServerAuth,
    /// id-kp-clientAuth: a controller's certificate as TLS client.
    ClientAuth,
    /// Either of the two (the Go controller's check of a device cert).
    ServerOrClientAuth,
    /// No requirement.
    Any,
}

impl fmt::Display for KeyPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ServerAuth => "server authentication",
            Self::ClientAuth => "client authentication",
            Self::ServerOrClientAuth => "server or client authentication",
            Self::Any => "any purpose",
        })
    }
}

/// What a leaf must satisfy besides chaining to the Zone CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafPolicy {
    /// Required extended key usage.
    pub purpose: KeyPurpose,
    /// Clock skew accepted on both ends of the validity window.
    pub tolerance: Duration,
}

impl LeafPolicy {
    /// Device checking a controller certificate in the operational
    /// handshake: clientAuth, no skew tolerance (INTEROP.md §3.3 step 1).
    pub const CONTROLLER_CERT: Self = Self {
        purpose: KeyPurpose::ClientAuth,
        tolerance: Duration::ZERO,
    };
    /// Controller checking a device certificate: serverAuth or
    /// clientAuth, valid now (INTEROP.md §3.3, controller side).
    pub const DEVICE_CERT: Self = Self {
        purpose: KeyPurpose::ServerOrClientAuth,
        tolerance: Duration::ZERO,
    };
    /// Device checking the certificate it receives in the commissioning
    /// cert exchange: serverAuth (INTEROP.md §5.2 step 8.5).
    pub const INSTALLED_DEVICE_CERT: Self = Self {
        purpose: KeyPurpose::ServerAuth,
        tolerance: Duration::ZERO,
    };
}

/// Proof that a leaf certificate was issued by a given Zone CA and met a
/// [`LeafPolicy`] at a given time. Only the functions of this module
/// create it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ChainVerified {
    zone_ca_key_id: Option<Vec<u8>>,
    checked_at: UnixTime,
}

impl ChainVerified {
    /// The SKI of the Zone CA the leaf chains to.
    pub fn zone_ca_key_id(&self) -> Option<&[u8]> {
        self.zone_ca_key_id.as_deref()
    }

    /// The time the validity window was checked at.
    pub fn checked_at(&self) -> UnixTime {
        self.checked_at
    }
}

/// Checks that `leaf` is an end-entity certificate issued and signed by
/// `zone_ca`, that both are valid at `now` (± `policy.tolerance`) and
/// that the leaf's extended key usage allows `policy.purpose`.
///
/// Checks run in this order, and the first failure is returned:
/// leaf is not a CA ([`PkiError::IsCa`]); issuer is a CA
/// ([`PkiError::IssuerNotCa`]); no unknown critical extension
/// ([`PkiError::UnhandledCriticalExtension`]); issuer name and, when both are present,
/// AKI/SKI match ([`PkiError::WrongIssuer`]); ecdsa-with-SHA256 signature
/// verifies ([`PkiError::UnsupportedSignature`], [`PkiError::BadSignature`]);
/// validity of leaf then CA ([`PkiError::Expired`],
/// [`PkiError::NotYetValid`]); extended key usage
/// ([`PkiError::WrongKeyUsage`]).
pub fn verify_leaf(
    leaf: &Certificate,
    zone_ca: &Certificate,
    now: UnixTime,
    policy: LeafPolicy,
) -> Result<ChainVerified, PkiError> {
    if leaf.is_ca() {
        return Err(PkiError::IsCa);
    }
    if !zone_ca.is_ca() {
        return Err(PkiError::IssuerNotCa);
    }
    for (cert, role) in [(leaf, CertRole::Leaf), (zone_ca, CertRole::Issuer)] {
        if let Some(oid) = cert.unhandled_critical_extension() {
            return Err(PkiError::UnhandledCriticalExtension {
                role,
                oid: oid.to_owned(),
            });
        }
    }
    check_issuer(leaf, zone_ca)?;
    check_signature(leaf, zone_ca)?;
    check_validity(leaf, CertRole::Leaf, now, policy.tolerance)?;
    check_validity(zone_ca, CertRole::Issuer, now, policy.tolerance)?;
    if !leaf.permits(policy.purpose) {
        return Err(PkiError::WrongKeyUsage {
            required: policy.purpose,
        });
    }
    Ok(ChainVerified {
        zone_ca_key_id: zone_ca.subject_key_id().map(<[u8]>::to_vec),
        checked_at: now,
    })
}

/// The controller's check of a device certificate: [`verify_leaf`] with
/// [`LeafPolicy::DEVICE_CERT`], then the subject CN **or** a DNS SAN must
/// equal `expected` (INTEROP.md §3.3, controller side).
pub fn verify_device_cert(
    leaf: &Certificate,
    zone_ca: &Certificate,
    expected: DeviceId,
    now: UnixTime,
) -> Result<ChainVerified, PkiError> {
    let proof = verify_leaf(leaf, zone_ca, now, LeafPolicy::DEVICE_CERT)?;
    check_device_name(leaf, expected)?;
    Ok(proof)
}

/// Whether `leaf`'s CN or one of its DNS SANs is `expected` (exact,
/// lowercase hex as written by the controller).
pub fn check_device_name(leaf: &Certificate, expected: DeviceId) -> Result<(), PkiError> {
    let expected = expected.to_string();
    let cn_matches = leaf.common_name() == Some(expected.as_str());
    let san_matches = leaf.dns_names().contains(&expected);
    if cn_matches || san_matches {
        Ok(())
    } else {
        Err(PkiError::NameMismatch {
            expected,
            found: leaf.common_name().map(str::to_owned),
        })
    }
}

/// The first of `zone_cas` whose SKI equals `leaf`'s AKI: how a device
/// finds the zone of an incoming controller certificate
/// (INTEROP.md §3.3, "Device identifies the zone"). Returns its index.
pub fn find_zone_ca<'a, I>(leaf: &Certificate, zone_cas: I) -> Option<usize>
where
    I: IntoIterator<Item = &'a Certificate>,
{
    zone_cas.into_iter().position(|ca| leaf.names_authority(ca))
}

/// Whether `cert` is inside its validity window at `now` ± `tolerance`.
pub fn check_validity(
    cert: &Certificate,
    role: CertRole,
    now: UnixTime,
    tolerance: Duration,
) -> Result<(), PkiError> {
    if now.saturating_add(tolerance) < cert.not_before() {
        return Err(PkiError::NotYetValid {
            role,
            not_before: cert.not_before(),
            now,
        });
    }
    if now.saturating_sub(tolerance) > cert.not_after() {
        return Err(PkiError::Expired {
            role,
            not_after: cert.not_after(),
            now,
        });
    }
    Ok(())
}

fn check_issuer(leaf: &Certificate, zone_ca: &Certificate) -> Result<(), PkiError> {
    if leaf.issuer_der() != zone_ca.subject_der() {
        return Err(PkiError::WrongIssuer);
    }
    if let (Some(aki), Some(ski)) = (leaf.authority_key_id(), zone_ca.subject_key_id()) {
        if aki != ski {
            return Err(PkiError::WrongIssuer);
        }
    }
    Ok(())
}

fn check_signature(leaf: &Certificate, zone_ca: &Certificate) -> Result<(), PkiError> {
    if !leaf.signed_with_ecdsa_sha256() {
        return Err(PkiError::UnsupportedSignature {
            what: Artifact::Certificate,
        });
    }
    if !zone_ca.is_ecdsa_p256() {
        return Err(PkiError::UnsupportedKey {
            what: Artifact::Certificate,
        });
    }
    // Both parsed successfully when the `Certificate`s were built.
    let leaf_parsed = cert::parse(leaf.der())?;
    let ca_parsed = cert::parse(zone_ca.der())?;
    leaf_parsed
        .verify_signature(Some(ca_parsed.public_key()))
        .map_err(|err| match err {
            x509_parser::error::X509Error::SignatureVerificationError => PkiError::BadSignature {
                what: Artifact::Certificate,
            },
            x509_parser::error::X509Error::SignatureUnsupportedAlgorithm => {
                PkiError::UnsupportedSignature {
                    what: Artifact::Certificate,
                }
            }
            other => PkiError::malformed(Artifact::Certificate, other),
        })
}

#[cfg(test)]
mod tests;
