//! The one error type of this crate.

use core::fmt;

use crate::unix_time::UnixTime;
use crate::verify::KeyPurpose;

/// What kind of object an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Artifact {
    /// An X.509 certificate.
    Certificate,
    /// A PKCS#10 certificate signing request.
    Csr,
    /// A PKCS#8 private key.
    PrivateKey,
}

impl fmt::Display for Artifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Certificate => "certificate",
            Self::Csr => "certificate signing request",
            Self::PrivateKey => "private key",
        })
    }
}

/// Which certificate of a two-certificate chain an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRole {
    /// The end-entity (operational) certificate.
    Leaf,
    /// The Zone CA certificate it should chain to.
    Issuer,
}

impl fmt::Display for CertRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Leaf => "certificate",
            Self::Issuer => "zone ca certificate",
        })
    }
}

/// Everything that can go wrong while creating, reading or checking MASH
/// certificates.
///
/// Variants up to [`PkiError::KeyMismatch`] describe bad input from a peer
/// (see [`PkiError::is_peer_fault`]); the rest are local faults or API
/// misuse.
#[derive(Debug)]
#[non_exhaustive]
pub enum PkiError {
    /// The bytes do not parse as the expected DER/PEM object.
    Malformed {
        /// What we tried to parse.
        what: Artifact,
        /// Parser detail, for logs.
        detail: String,
    },
    /// The key is not ECDSA P-256 (INTEROP.md §3.1: every MASH key is).
    UnsupportedKey {
        /// What carried the key.
        what: Artifact,
    },
    /// The signature algorithm is not ecdsa-with-SHA256.
    UnsupportedSignature {
        /// What carried the signature.
        what: Artifact,
    },
    /// The signature does not verify with the signer's public key.
    BadSignature {
        /// What was signed.
        what: Artifact,
    },
    /// A certificate marks an extension critical that this crate does not
    /// process (RFC 5280 §4.2: it must then be rejected).
    UnhandledCriticalExtension {
        /// Which certificate.
        role: CertRole,
        /// The extension OID, dotted.
        oid: String,
    },
    /// The certificate was not issued by the given Zone CA: its issuer
    /// name or authority key identifier does not match the CA.
    WrongIssuer,
    /// The certificate offered as issuer is not a CA
    /// (basicConstraints CA:TRUE missing).
    IssuerNotCa,
    /// The certificate's validity ended before `now`.
    Expired {
        /// Which certificate expired.
        role: CertRole,
        /// Its notAfter.
        not_after: UnixTime,
        /// The time of the check.
        now: UnixTime,
    },
    /// The certificate's validity starts after `now`.
    NotYetValid {
        /// Which certificate is not yet valid.
        role: CertRole,
        /// Its notBefore.
        not_before: UnixTime,
        /// The time of the check.
        now: UnixTime,
    },
    /// The extended key usage does not permit the required purpose.
    WrongKeyUsage {
        /// The purpose the check asked for.
        required: KeyPurpose,
    },
    /// A CA certificate was presented where an end-entity certificate is
    /// required (INTEROP.md §3.3 step 2).
    IsCa,
    /// Neither the subject CN nor a DNS SAN equals the expected name
    /// (INTEROP.md §3.3, controller side).
    NameMismatch {
        /// The name we expected (a device ID).
        expected: String,
        /// The subject CN found, if any.
        found: Option<String>,
    },
    /// The subject carries no common name where one is required
    /// (the device reads its device ID from it, INTEROP.md §5.2 step 9).
    MissingCommonName,
    /// The certificate's public key is not the pending key
    /// (INTEROP.md §5.8: renewal status 4).
    KeyMismatch,
    /// Key generation or signing failed in the crypto backend.
    Crypto(String),
    /// Reading or writing key material failed.
    Io(std::io::Error),
    /// The caller passed a value this crate cannot encode.
    InvalidInput(&'static str),
}

impl PkiError {
    /// True for faults in data received from a peer (bad certificate,
    /// CSR or signature), false for local faults and API misuse.
    pub fn is_peer_fault(&self) -> bool {
        !matches!(self, Self::Crypto(_) | Self::Io(_) | Self::InvalidInput(_))
    }

    pub(crate) fn malformed(what: Artifact, detail: impl fmt::Display) -> Self {
        Self::Malformed {
            what,
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { what, detail } => write!(f, "malformed {what}: {detail}"),
            Self::UnsupportedKey { what } => write!(f, "{what} key is not ecdsa p-256"),
            Self::UnsupportedSignature { what } => {
                write!(f, "{what} signature algorithm is not ecdsa-with-sha256")
            }
            Self::BadSignature { what } => write!(f, "{what} signature does not verify"),
            Self::UnhandledCriticalExtension { role, oid } => {
                write!(f, "{role} has unhandled critical extension {oid}")
            }
            Self::WrongIssuer => f.write_str("certificate was not issued by this zone ca"),
            Self::IssuerNotCa => f.write_str("issuer certificate is not a ca"),
            Self::Expired {
                role,
                not_after,
                now,
            } => {
                write!(f, "{role} expired at {not_after} (now {now})")
            }
            Self::NotYetValid {
                role,
                not_before,
                now,
            } => {
                write!(f, "{role} not valid before {not_before} (now {now})")
            }
            Self::WrongKeyUsage { required } => {
                write!(
                    f,
                    "certificate extended key usage does not allow {required}"
                )
            }
            Self::IsCa => f.write_str("ca certificate used as end-entity certificate"),
            Self::NameMismatch {
                expected,
                found: Some(found),
            } => {
                write!(f, "certificate names {found:?}, expected {expected:?}")
            }
            Self::NameMismatch {
                expected,
                found: None,
            } => {
                write!(f, "certificate has no name matching {expected:?}")
            }
            Self::MissingCommonName => f.write_str("certificate subject has no common name"),
            Self::KeyMismatch => f.write_str("certificate public key is not the pending key"),
            Self::Crypto(detail) => write!(f, "crypto backend failed: {detail}"),
            Self::Io(err) => write!(f, "key material i/o failed: {err}"),
            Self::InvalidInput(what) => write!(f, "invalid input: {what}"),
        }
    }
}

impl std::error::Error for PkiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<std::io::Error> for PkiError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

impl From<rcgen::Error> for PkiError {
    fn from(err: rcgen::Error) -> Self {
        Self::Crypto(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_without_trailing_period() {
        let samples = [
            PkiError::WrongIssuer,
            PkiError::BadSignature {
                what: Artifact::Csr,
            },
            PkiError::Expired {
                role: CertRole::Leaf,
                not_after: UnixTime::from_secs(0),
                now: UnixTime::from_secs(1),
            },
            PkiError::WrongKeyUsage {
                required: KeyPurpose::ServerAuth,
            },
            PkiError::IsCa,
            PkiError::KeyMismatch,
        ];
        for err in samples {
            let text = err.to_string();
            assert!(!text.ends_with('.'), "{text}");
            let first = text.chars().next().unwrap();
            assert!(first.is_lowercase(), "{text}");
        }
    }
}
