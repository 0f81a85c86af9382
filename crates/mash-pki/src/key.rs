//! ECDSA P-256 key pairs (INTEROP.md §3.1: every MASH key is P-256).

use core::fmt;

use rcgen::{PKCS_ECDSA_P256_SHA256, PublicKeyData, SigningKey};

use crate::error::{Artifact, PkiError};
use crate::ident::{DeviceId, device_id_from_spki};

/// An ECDSA P-256 private key with its public half.
///
/// The private key leaves this type only as PKCS#8 (DER for rustls,
/// PEM for files); `Debug` never prints it.
pub struct KeyPair {
    inner: rcgen::KeyPair,
    spki_der: Vec<u8>,
}

impl KeyPair {
    /// Generates a fresh key from the OS RNG. Devices call this once per
    /// zone and per renewal (INTEROP.md §4, CSR).
    pub fn generate() -> Result<Self, PkiError> {
        Self::wrap(rcgen::KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?)
    }

    /// Reads a PKCS#8 DER private key; it must be ECDSA P-256.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, PkiError> {
        let inner = rcgen::KeyPair::try_from(der)
            .map_err(|err| PkiError::malformed(Artifact::PrivateKey, err))?;
        Self::wrap(inner)
    }

    /// Reads a `PRIVATE KEY` PEM block (PKCS#8); it must be ECDSA P-256.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, PkiError> {
        let inner = rcgen::KeyPair::from_pem(pem)
            .map_err(|err| PkiError::malformed(Artifact::PrivateKey, err))?;
        Self::wrap(inner)
    }

    fn wrap(inner: rcgen::KeyPair) -> Result<Self, PkiError> {
        if inner.algorithm() != &PKCS_ECDSA_P256_SHA256 {
            return Err(PkiError::UnsupportedKey {
                what: Artifact::PrivateKey,
            });
        }
        let spki_der = inner.subject_public_key_info();
        Ok(Self { inner, spki_der })
    }

    /// The private key as PKCS#8 DER (what rustls takes as
    /// `PrivatePkcs8KeyDer`).
    pub fn pkcs8_der(&self) -> Vec<u8> {
        self.inner.serialize_der()
    }

    /// The private key as a PKCS#8 `PRIVATE KEY` PEM block.
    pub fn pkcs8_pem(&self) -> String {
        self.inner.serialize_pem()
    }

    /// The public key as SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The public key as an uncompressed SEC1 point (65 bytes).
    pub fn public_key_raw(&self) -> &[u8] {
        self.inner.public_key_raw()
    }

    /// The device ID a controller assigns to a CSR carrying this key
    /// (INTEROP.md §4, Identifiers).
    pub fn device_id(&self) -> DeviceId {
        device_id_from_spki(&self.spki_der)
    }

    /// An ecdsa-with-SHA256 signature over `message`, DER-encoded.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, PkiError> {
        Ok(self.inner.sign(message)?)
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("spki_id", &self.device_id())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_round_trips_in_der_and_pem() {
        let key = KeyPair::generate().unwrap();
        let from_der = KeyPair::from_pkcs8_der(&key.pkcs8_der()).unwrap();
        let from_pem = KeyPair::from_pkcs8_pem(&key.pkcs8_pem()).unwrap();
        assert_eq!(from_der.spki_der(), key.spki_der());
        assert_eq!(from_pem.spki_der(), key.spki_der());
        assert!(key.pkcs8_pem().starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn spki_has_the_p256_layout_go_uses() {
        let key = KeyPair::generate().unwrap();
        let prefix = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
        assert!(key.spki_der().starts_with(&prefix));
        assert_eq!(key.spki_der().len(), prefix.len() + 65);
        assert_eq!(key.public_key_raw().len(), 65);
    }

    #[test]
    fn garbage_is_malformed_and_debug_hides_the_secret() {
        assert!(matches!(
            KeyPair::from_pkcs8_der(b"nope"),
            Err(PkiError::Malformed {
                what: Artifact::PrivateKey,
                ..
            })
        ));
        let key = KeyPair::generate().unwrap();
        let text = format!("{key:?}");
        assert!(text.starts_with("KeyPair"));
        assert!(!text.contains(&hex::encode(key.pkcs8_der())));
    }
}
