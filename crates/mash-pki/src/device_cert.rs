//! The device operational certificate (INTEROP.md §4, "Device operational
//! cert" column), issued by the controller from a verified CSR.

use crate::cert::Certificate;
use crate::csr::VerifiedCsr;
use crate::error::PkiError;
use crate::ident::DeviceId;
use crate::unix_time::UnixTime;
use crate::zone_ca::{LeafProfile, ZoneCa};

/// A device certificate issued during commissioning, with the device ID
/// the controller assigned.
#[derive(Debug, Clone)]
pub struct IssuedDeviceCert {
    /// `hex(SHA-256(CSR SPKI DER)[0:8])`; the certificate's CN and DNS SAN.
    pub device_id: DeviceId,
    /// The certificate (CertRenewalInstall key 2).
    pub cert: Certificate,
}

impl ZoneCa {
    /// Commissioning (`SignCSRWithDeviceID`): the subject is the CSR's,
    /// re-encoded in Go's attribute order, with CN replaced by the device
    /// ID derived from the CSR key; DNS SAN = device ID; 365 days from
    /// `now`; EKU clientAuth+serverAuth; CA:FALSE; AKI = this CA's SKI.
    pub fn issue_device_cert(
        &self,
        csr: &VerifiedCsr,
        now: UnixTime,
    ) -> Result<IssuedDeviceCert, PkiError> {
        let device_id = csr.device_id();
        let name = device_id.to_string();
        let mut subject = csr.subject().clone();
        subject.common_name.clone_from(&name);
        let subject = subject.to_der();
        let profile = LeafProfile {
            subject: &subject,
            spki: csr.spki_der(),
            dns_name: &name,
        };
        let cert = self.sign_leaf(&profile, now)?;
        Ok(IssuedDeviceCert { device_id, cert })
    }

    /// Renewal (`SignCSR`): the CSR subject is kept, so its CN must
    /// already be the device ID; DNS SAN = CN. The controller passes the
    /// ID it knows for this device; a CSR naming another ID is refused
    /// ([`PkiError::NameMismatch`], or [`PkiError::MissingCommonName`]
    /// without a CN). Go does not make this check; a Go device always
    /// sends its current ID, so the check costs no interop.
    pub fn renew_device_cert(
        &self,
        csr: &VerifiedCsr,
        expected: DeviceId,
        now: UnixTime,
    ) -> Result<Certificate, PkiError> {
        let cn = csr.common_name().ok_or(PkiError::MissingCommonName)?;
        let expected_text = expected.to_string();
        if cn != expected_text {
            return Err(PkiError::NameMismatch {
                expected: expected_text,
                found: Some(cn.to_owned()),
            });
        }
        let subject = csr.subject().to_der();
        let profile = LeafProfile {
            subject: &subject,
            spki: csr.spki_der(),
            dns_name: cn,
        };
        self.sign_leaf(&profile, now)
    }
}

#[cfg(test)]
mod tests {
    use mash_core::zone::ZoneType;

    use super::*;
    use crate::csr::PendingCsr;
    use crate::verify::{LeafPolicy, verify_device_cert, verify_leaf};

    const NOW: UnixTime = UnixTime::from_secs(1_796_315_590);

    #[test]
    fn commissioning_then_renewal_keeps_the_device_id() {
        let ca = ZoneCa::generate(ZoneType::Local, "2859a7266ff2c1f0", NOW).unwrap();
        let pending = PendingCsr::commissioning(4660, 1).unwrap();
        let csr = VerifiedCsr::verify(pending.csr_der()).unwrap();
        let issued = ca.issue_device_cert(&csr, NOW).unwrap();
        assert_eq!(issued.device_id, pending.key().device_id());
        assert_eq!(issued.cert.device_id().unwrap(), issued.device_id);
        let _proof = verify_leaf(
            &issued.cert,
            ca.certificate(),
            NOW,
            LeafPolicy::INSTALLED_DEVICE_CERT,
        )
        .unwrap();
        let _proof =
            verify_device_cert(&issued.cert, ca.certificate(), issued.device_id, NOW).unwrap();
        let identity = pending.install(issued.cert).unwrap();

        let renewal = PendingCsr::renewal(4660, 1, issued.device_id).unwrap();
        let csr = VerifiedCsr::verify(renewal.csr_der()).unwrap();
        let renewed = ca.renew_device_cert(&csr, issued.device_id, NOW).unwrap();
        assert_eq!(renewed.device_id().unwrap(), issued.device_id);
        assert_eq!(renewed.dns_names(), [issued.device_id.to_string()]);
        assert_ne!(renewed.spki_der(), identity.certificate().spki_der());
        renewal.install(renewed).unwrap();
    }

    #[test]
    fn renewal_for_another_device_id_is_refused() {
        let ca = ZoneCa::generate(ZoneType::Local, "z", NOW).unwrap();
        let mine: DeviceId = "0011223344556677".parse().unwrap();
        let other: DeviceId = "8899aabbccddeeff".parse().unwrap();
        let csr = VerifiedCsr::verify(PendingCsr::renewal(1, 1, other).unwrap().csr_der()).unwrap();
        assert!(matches!(
            ca.renew_device_cert(&csr, mine, NOW),
            Err(PkiError::NameMismatch { .. })
        ));
        let csr = VerifiedCsr::verify(PendingCsr::commissioning(1, 1).unwrap().csr_der()).unwrap();
        assert!(matches!(
            ca.renew_device_cert(&csr, mine, NOW),
            Err(PkiError::MissingCommonName)
        ));
    }
}
