//! Device CSRs (INTEROP.md §4, "CSR, device → controller"): creating them
//! on the device, checking them on the controller.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;

use crate::builder::signature_algorithm;
use crate::cert::{Certificate, is_p256};
use crate::der;
use crate::error::{Artifact, PkiError};
use crate::ident::{DeviceId, device_id_from_spki};
use crate::identity::TlsIdentity;
use crate::key::KeyPair;
use crate::name::GoName;
use crate::oid;

/// Writes a PKCS#10 CSR signed by `key` with subject O=`MASH Device`,
/// OU={`V<vendor_id>`, `P<product_id>`} (decimal, one multi-valued RDN as
/// Go writes it) and, when given, CN=`device_id`. No attributes.
///
/// Commissioning CSRs omit the CN; renewal CSRs carry the device's
/// current device ID (INTEROP.md §5.8).
pub fn create_csr(
    key: &KeyPair,
    vendor_id: u32,
    product_id: u32,
    device_id: Option<DeviceId>,
) -> Result<Vec<u8>, PkiError> {
    let subject = GoName {
        organization: vec!["MASH Device".to_owned()],
        organizational_unit: vec![format!("V{vendor_id}"), format!("P{product_id}")],
        common_name: device_id.map(|id| id.to_string()).unwrap_or_default(),
        ..GoName::default()
    };
    let info = der::sequence(&[
        &der::small_integer(0),
        &subject.to_der(),
        key.spki_der(),
        &der::tlv(0xa0, &[]), // attributes [0] IMPLICIT SET OF, empty
    ]);
    let signature = key.sign(&info)?;
    Ok(der::sequence(&[
        &info,
        &signature_algorithm(),
        &der::bit_string(&signature),
    ]))
}

/// A device's fresh key and the CSR for it, kept until the controller's
/// certificate arrives (INTEROP.md §5.2 step 8.3, §5.8).
#[derive(Debug)]
pub struct PendingCsr {
    key: KeyPair,
    der: Vec<u8>,
}

impl PendingCsr {
    /// A new key and a commissioning CSR (no CN).
    pub fn commissioning(vendor_id: u32, product_id: u32) -> Result<Self, PkiError> {
        Self::with_key(KeyPair::generate()?, vendor_id, product_id, None)
    }

    /// A new key and a renewal CSR with CN = the current device ID.
    pub fn renewal(vendor_id: u32, product_id: u32, current: DeviceId) -> Result<Self, PkiError> {
        Self::with_key(KeyPair::generate()?, vendor_id, product_id, Some(current))
    }

    /// A CSR for an existing key.
    pub fn with_key(
        key: KeyPair,
        vendor_id: u32,
        product_id: u32,
        device_id: Option<DeviceId>,
    ) -> Result<Self, PkiError> {
        let der = create_csr(&key, vendor_id, product_id, device_id)?;
        Ok(Self { key, der })
    }

    /// The CSR DER to send (CertRenewalCSR key 2).
    pub fn csr_der(&self) -> &[u8] {
        &self.der
    }

    /// The pending key.
    pub fn key(&self) -> &KeyPair {
        &self.key
    }

    /// Pairs the issued certificate with the pending key. Refuses a
    /// certificate for another key ([`PkiError::KeyMismatch`], renewal
    /// status 4 in INTEROP.md §5.8) or one that is not ECDSA P-256
    /// ([`PkiError::UnsupportedKey`], status 3).
    pub fn install(self, cert: Certificate) -> Result<TlsIdentity, PkiError> {
        if !cert.is_ecdsa_p256() {
            return Err(PkiError::UnsupportedKey {
                what: Artifact::Certificate,
            });
        }
        TlsIdentity::new(cert, self.key)
    }
}

/// A CSR whose ECDSA P-256 self-signature verified. Only
/// [`VerifiedCsr::verify`] creates it; issuing a device certificate
/// requires it.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    subject: GoName,
    spki_der: Vec<u8>,
}

impl VerifiedCsr {
    /// Parses `der` and checks it the way the controller must
    /// (INTEROP.md §4: "checks the CSR signature and requires an ECDSA
    /// key"): the key must be ECDSA P-256 ([`PkiError::UnsupportedKey`]),
    /// the algorithm ecdsa-with-SHA256 ([`PkiError::UnsupportedSignature`])
    /// and the signature must verify ([`PkiError::BadSignature`]).
    pub fn verify(der: &[u8]) -> Result<Self, PkiError> {
        let (rest, csr) = X509CertificationRequest::from_der(der)
            .map_err(|err| PkiError::malformed(Artifact::Csr, err))?;
        if !rest.is_empty() {
            return Err(PkiError::malformed(
                Artifact::Csr,
                "trailing bytes after csr",
            ));
        }
        let info = &csr.certification_request_info;
        if !is_p256(&info.subject_pki) {
            return Err(PkiError::UnsupportedKey {
                what: Artifact::Csr,
            });
        }
        if csr.signature_algorithm.algorithm.as_bytes() != oid::ECDSA_WITH_SHA256 {
            return Err(PkiError::UnsupportedSignature {
                what: Artifact::Csr,
            });
        }
        csr.verify_signature().map_err(|_| PkiError::BadSignature {
            what: Artifact::Csr,
        })?;
        Ok(Self {
            subject: GoName::from_x509(&info.subject),
            spki_der: info.subject_pki.raw.to_vec(),
        })
    }

    /// The requested key, SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The device ID the controller assigns for this key:
    /// `hex(SHA-256(SPKI DER)[0:8])` (INTEROP.md §4, Identifiers).
    pub fn device_id(&self) -> DeviceId {
        device_id_from_spki(&self.spki_der)
    }

    /// The subject CN, if any (set in renewal CSRs).
    pub fn common_name(&self) -> Option<&str> {
        Some(self.subject.common_name.as_str()).filter(|cn| !cn.is_empty())
    }

    /// The subject OU values (`V<vendor>`, `P<product>` from MASH devices).
    pub fn organizational_units(&self) -> &[String] {
        &self.subject.organizational_unit
    }

    pub(crate) fn subject(&self) -> &GoName {
        &self.subject
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commissioning_csr_has_the_go_layout_and_verifies() {
        let pending = PendingCsr::commissioning(4660, 1).unwrap();
        let der = pending.csr_der();
        // certificates.json device_csr_commissioning.subject_rdns.
        let subject = hex::decode(
            "303131143012060355040a130b4d4153482044657669636531193009060355040b130250\
             31300c060355040b13055634363630",
        )
        .unwrap();
        assert!(der.windows(subject.len()).any(|w| w == subject.as_slice()));
        let csr = VerifiedCsr::verify(der).unwrap();
        assert_eq!(csr.common_name(), None);
        assert_eq!(csr.organizational_units(), ["P1", "V4660"]);
        assert_eq!(csr.device_id(), pending.key().device_id());
    }

    #[test]
    fn renewal_csr_carries_the_current_device_id() {
        let id: DeviceId = "aa085b0026e36f52".parse().unwrap();
        let pending = PendingCsr::renewal(4660, 1, id).unwrap();
        let csr = VerifiedCsr::verify(pending.csr_der()).unwrap();
        assert_eq!(csr.common_name(), Some("aa085b0026e36f52"));
        assert_ne!(csr.device_id(), id);
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut der = PendingCsr::commissioning(1, 2).unwrap().csr_der().to_vec();
        der.push(0);
        assert!(matches!(
            VerifiedCsr::verify(&der),
            Err(PkiError::Malformed {
                what: Artifact::Csr,
                ..
            })
        ));
    }
}
