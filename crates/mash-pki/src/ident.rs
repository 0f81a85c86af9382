//! Identifiers derived from keys (INTEROP.md §4, Identifiers and the SKI
//! row of the certificate table).

use sha2::{Digest, Sha256};

pub use mash_core::ids::{DeviceId, ZoneId};

/// Length of a MASH key identifier: SHA-256 truncated to 20 bytes.
pub const KEY_ID_LEN: usize = 20;

/// The subject key identifier MASH puts in every certificate:
/// SHA-256 over the **full** SubjectPublicKeyInfo DER, first 20 bytes
/// (not RFC 5280 method 1, which hashes only the BIT STRING with SHA-1).
pub fn key_id_from_spki(spki_der: &[u8]) -> [u8; KEY_ID_LEN] {
    let digest = Sha256::digest(spki_der);
    let mut id = [0u8; KEY_ID_LEN];
    for (out, byte) in id.iter_mut().zip(digest.iter()) {
        *out = *byte;
    }
    id
}

/// The device ID a controller assigns to a CSR key: lowercase hex of
/// `SHA-256(SPKI DER)[0:8]`. It equals the first 8 bytes of the device
/// certificate's SKI.
pub fn device_id_from_spki(spki_der: &[u8]) -> DeviceId {
    DeviceId::from_spki_der(spki_der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_and_device_id_share_a_prefix() {
        // certificates.json device_csr_commissioning.
        let spki = hex::decode(
            "3059301306072a8648ce3d020106082a8648ce3d030107034200040d1f8536ceebce320eedda\
             108150ae94e212907a85f797cb7fdf085fdf101b05764bc4a16c73e95b39f273836a3ee727ca\
             451275797010d911d39e8275c4feaa",
        )
        .unwrap();
        assert_eq!(
            hex::encode(key_id_from_spki(&spki)),
            "aa085b0026e36f52584076db5849d7e1ca4acac1"
        );
        assert_eq!(device_id_from_spki(&spki).to_string(), "aa085b0026e36f52");
    }
}
