//! Certificate renewal helpers (INTEROP.md §5.8).

use core::time::Duration;

use sha2::{Digest, Sha256};

use crate::cert::Certificate;
use crate::error::PkiError;
use crate::key::KeyPair;
use crate::unix_time::UnixTime;

/// Renewal starts this long before notAfter (DEC-077: 7 days).
pub const RENEWAL_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Length of the nonce binding in CertRenewalCSR key 3.
pub const NONCE_HASH_LEN: usize = 16;

/// `SHA-256(nonce)[0:16]`: the device's binding of its renewal CSR to the
/// controller's nonce (DEC-047). Commissioning CSRs carry none.
pub fn nonce_hash(nonce: &[u8]) -> [u8; NONCE_HASH_LEN] {
    let digest = Sha256::digest(nonce);
    let mut out = [0u8; NONCE_HASH_LEN];
    for (o, d) in out.iter_mut().zip(digest.iter()) {
        *o = *d;
    }
    out
}

/// Whether `received` is the nonce hash of `nonce`. (The Go controller
/// does not check it; we can.)
pub fn nonce_hash_matches(nonce: &[u8], received: &[u8]) -> bool {
    received == nonce_hash(nonce).as_slice()
}

/// Whether `cert` is inside its renewal window at `now`: at or after
/// notAfter − 7 days (including already expired).
pub fn renewal_due(cert: &Certificate, now: UnixTime) -> bool {
    now >= cert.not_after().saturating_sub(RENEWAL_WINDOW)
}

/// The device's check of a renewed certificate: its public key must be
/// the pending key (status 0), else [`PkiError::KeyMismatch`] (status 4,
/// "invalid nonce").
pub fn check_pending_key(cert: &Certificate, pending: &KeyPair) -> Result<(), PkiError> {
    if cert.spki_der() == pending.spki_der() {
        Ok(())
    } else {
        Err(PkiError::KeyMismatch)
    }
}

#[cfg(test)]
mod tests {
    use mash_core::zone::ZoneType;

    use super::*;
    use crate::zone_ca::ZoneCa;

    #[test]
    fn nonce_hash_is_the_sha256_prefix() {
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 ...
        assert_eq!(
            hex::encode(nonce_hash(b"")),
            "e3b0c44298fc1c149afbf4c8996fb924"
        );
        assert!(nonce_hash_matches(
            b"",
            &hex::decode("e3b0c44298fc1c149afbf4c8996fb924").unwrap()
        ));
        assert!(!nonce_hash_matches(b"x", &nonce_hash(b"")));
    }

    #[test]
    fn renewal_becomes_due_seven_days_before_expiry() {
        let now = UnixTime::from_secs(1_796_315_590);
        let ca = ZoneCa::generate(ZoneType::Local, "z", now).unwrap();
        let id = ca.issue_controller_identity(now).unwrap();
        let cert = id.certificate();
        let edge = cert.not_after().saturating_sub(RENEWAL_WINDOW);
        assert!(!renewal_due(cert, now));
        assert!(!renewal_due(cert, UnixTime::from_secs(edge.secs() - 1)));
        assert!(renewal_due(cert, edge));
        assert!(renewal_due(
            cert,
            cert.not_after().saturating_add(Duration::from_secs(1))
        ));
        check_pending_key(cert, id.key()).unwrap();
        let other = KeyPair::generate().unwrap();
        assert!(matches!(
            check_pending_key(cert, &other),
            Err(PkiError::KeyMismatch)
        ));
    }
}
