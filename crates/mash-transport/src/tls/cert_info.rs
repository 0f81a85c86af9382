//! What the services need to know about a peer's certificate, read once
//! after the handshake.

use rustls::pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use crate::error::PeerError;

/// The peer's certificate chain and the fields MASH reads from its leaf
/// (INTEROP.md §3.3, §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    /// The chain as presented, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// Subject CN of the leaf: the device ID on device certificates,
    /// `controller-<zoneID>` on controller certificates.
    pub common_name: Option<String>,
    /// DNS names in the leaf's subjectAltName.
    pub dns_names: Vec<String>,
    /// The leaf's AuthorityKeyIdentifier; equals the issuing Zone CA's
    /// SubjectKeyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// The leaf's SubjectKeyIdentifier.
    pub subject_key_id: Option<Vec<u8>>,
    /// End of validity, Unix seconds.
    pub not_after: i64,
}

impl PeerCertificate {
    /// Parses the leaf of `chain`.
    pub fn parse(chain: Vec<CertificateDer<'static>>) -> Result<Self, PeerError> {
        let leaf = chain.first().ok_or(PeerError::NoCertificate)?;
        let fields = LeafFields::parse(leaf).map_err(PeerError::BadCertificate)?;
        Ok(Self {
            common_name: fields.common_name,
            dns_names: fields.dns_names,
            authority_key_id: fields.authority_key_id,
            subject_key_id: fields.subject_key_id,
            not_after: fields.not_after,
            chain,
        })
    }

    /// The leaf certificate.
    pub fn leaf(&self) -> Option<&CertificateDer<'static>> {
        self.chain.first()
    }
}

/// Fields of one certificate, borrowed from nothing.
#[derive(Debug, Default)]
pub(crate) struct LeafFields {
    pub(crate) common_name: Option<String>,
    pub(crate) dns_names: Vec<String>,
    pub(crate) authority_key_id: Option<Vec<u8>>,
    pub(crate) subject_key_id: Option<Vec<u8>>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
}

impl LeafFields {
    pub(crate) fn parse(der: &CertificateDer<'_>) -> Result<Self, String> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let mut out = Self {
            common_name: cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map(str::to_owned),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            ..Self::default()
        };
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    out.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                ParsedExtension::SubjectKeyIdentifier(ski) => {
                    out.subject_key_id = Some(ski.0.to_vec());
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    out.dns_names
                        .extend(san.general_names.iter().filter_map(|n| match n {
                            GeneralName::DNSName(d) => Some((*d).to_owned()),
                            _ => None,
                        }));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}
