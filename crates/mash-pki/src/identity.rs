//! A certificate together with its private key, ready for a TLS stack.

use crate::cert::Certificate;
use crate::error::PkiError;
use crate::key::KeyPair;

/// A certificate and the key it certifies: what a TLS server or client
/// presents. `cert_der` and `key_pkcs8_der` are the shapes rustls takes
/// (`CertificateDer`, `PrivatePkcs8KeyDer`).
#[derive(Debug)]
pub struct TlsIdentity {
    cert: Certificate,
    key: KeyPair,
}

impl TlsIdentity {
    /// Pairs `cert` with `key`; refuses a key that is not the one the
    /// certificate names ([`PkiError::KeyMismatch`]).
    pub fn new(cert: Certificate, key: KeyPair) -> Result<Self, PkiError> {
        if cert.spki_der() != key.spki_der() {
            return Err(PkiError::KeyMismatch);
        }
        Ok(Self { cert, key })
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The private key.
    pub fn key(&self) -> &KeyPair {
        &self.key
    }

    /// The certificate DER.
    pub fn cert_der(&self) -> &[u8] {
        self.cert.der()
    }

    /// The private key as PKCS#8 DER.
    pub fn key_pkcs8_der(&self) -> Vec<u8> {
        self.key.pkcs8_der()
    }

    /// Splits into certificate and key.
    pub fn into_parts(self) -> (Certificate, KeyPair) {
        (self.cert, self.key)
    }
}
