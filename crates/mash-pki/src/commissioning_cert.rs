//! The device's commissioning TLS certificate (DEC-067, INTEROP.md §3.4).

use core::time::Duration;

use crate::builder::{self, Profile};
use crate::cert::key_usage;
use crate::error::PkiError;
use crate::identity::TlsIdentity;
use crate::key::KeyPair;
use crate::name::GoName;
use crate::oid;
use crate::unix_time::UnixTime;

/// Validity of the commissioning certificate: 7300 days (20×365).
pub const COMMISSIONING_CERT_LIFETIME: Duration = Duration::from_secs(7300 * 24 * 60 * 60);

/// The largest discriminator (12 bits, INTEROP.md §5.5).
pub const MAX_DISCRIMINATOR: u16 = 4095;

/// Generates the self-signed certificate a device presents on the
/// `mash-comm/1` path: fresh P-256 key, CN=`MASH-<discriminator>`
/// (decimal, not padded), O=`MASH`, valid 7300 days from `now`,
/// digitalSignature|keyEncipherment (critical), EKU serverAuth,
/// CA:FALSE, no SKI/AKI. Clients do not verify it; PASE carries the
/// security.
pub fn commissioning_identity(discriminator: u16, now: UnixTime) -> Result<TlsIdentity, PkiError> {
    if discriminator > MAX_DISCRIMINATOR {
        return Err(PkiError::InvalidInput("discriminator above 4095"));
    }
    let key = KeyPair::generate()?;
    let subject = GoName {
        organization: vec!["MASH".to_owned()],
        common_name: format!("MASH-{discriminator}"),
        ..GoName::default()
    }
    .to_der();
    let profile = Profile {
        issuer: &subject,
        subject: &subject,
        spki: key.spki_der(),
        not_before: now,
        lifetime: COMMISSIONING_CERT_LIFETIME,
        key_usage: key_usage::DIGITAL_SIGNATURE | key_usage::KEY_ENCIPHERMENT,
        ext_key_usage: &[oid::KP_SERVER_AUTH],
        ca: false,
        subject_key_id: None,
        authority_key_id: None,
        dns_names: &[],
    };
    let cert = builder::issue(&profile, &key)?;
    TlsIdentity::new(cert, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::KeyPurpose;

    #[test]
    fn commissioning_cert_names_the_discriminator() {
        let now = UnixTime::from_secs(1_796_315_590);
        let id = commissioning_identity(42, now).unwrap();
        let cert = id.certificate();
        assert_eq!(cert.common_name(), Some("MASH-42"));
        assert_eq!(cert.organization(), ["MASH"]);
        assert_eq!(cert.subject_key_id(), None);
        assert!(cert.permits(KeyPurpose::ServerAuth));
        assert!(!cert.permits(KeyPurpose::ClientAuth));
        assert_eq!(cert.not_after().secs() - now.secs(), 630_720_000);
        assert!(matches!(
            commissioning_identity(4096, now),
            Err(PkiError::InvalidInput(_))
        ));
    }
}
