//! The MASH TLS 1.3 profile and its four configurations (INTEROP.md §3).
//!
//! Common to all: TLS 1.3 only, the three TLS 1.3 AEAD suites, key
//! exchange X25519 then P-256, ECDSA signatures only, no session tickets,
//! no resumption, no 0-RTT (INTEROP.md §3.1, tls-profile.md §2-§8).
//!
//! | side | ALPN | server cert | client cert |
//! |---|---|---|---|
//! | [`CommissioningServerConfig`] (device) | `mash-comm/1` | stable self-signed | none |
//! | [`OperationalServerConfig`] (device) | `mash/1` | chosen by SNI | required, from a zone CA |
//! | [`CommissioningClientConfig`] (controller) | `mash-comm/1` | not verified (PASE authenticates) | none |
//! | [`OperationalClientConfig`] (controller) | `mash/1` | zone CA + device ID | operational cert |

mod cert_info;
mod client;
mod server;
mod verify;

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock};

use mash_core::ids::ZoneId;
use rustls::crypto::CryptoProvider;
use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use cert_info::PeerCertificate;
pub use client::{CommissioningClientConfig, OperationalClientConfig};
pub use server::{CommissioningServerConfig, OperationalServerConfig};

use crate::error::{Error, Misuse};

/// ALPN protocol of operational connections (`"mash/" + major`,
/// INTEROP.md §3.2).
pub const ALPN_OPERATIONAL: &[u8] = b"mash/1";

/// ALPN protocol of commissioning connections (INTEROP.md §3.2).
pub const ALPN_COMMISSIONING: &[u8] = b"mash-comm/1";

/// Clock-skew tolerance for the device's checks of controller certificates
/// (INTEROP.md Appendix A.2, connection-establishment.md §5.4).
pub const CLIENT_CERT_TOLERANCE_SECS: u64 = 300;

/// The crypto provider of the MASH profile: ring, TLS 1.3 suites,
/// X25519 and P-256, ECDSA verification only.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: LazyLock<Arc<CryptoProvider>> = LazyLock::new(|| {
        let mut p = rustls::crypto::ring::default_provider();
        // tls-profile.md §3.1: AES-128-GCM first.
        p.cipher_suites = vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        ];
        // INTEROP.md §3.1: the reference clients offer exactly X25519, P-256.
        p.kx_groups = vec![kx_group::X25519, kx_group::SECP256R1];
        p.signature_verification_algorithms = verify::SIGNATURE_ALGORITHMS;
        Arc::new(p)
    });
    PROVIDER.clone()
}

/// A certificate chain (leaf first) and its private key.
pub struct Identity {
    /// Leaf first; at most the leaf and its zone CA (tls-profile.md §9).
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key (PKCS#8, SEC1 or PKCS#1 DER).
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Bundles a chain and its key.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Self {
        Self { chain, key }
    }

    /// Reads a chain and a key from PEM text.
    pub fn from_pem(chain_pem: &str, key_pem: &str) -> Result<Self, Error> {
        let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Misuse::InvalidCertificate(e.to_string()))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| Misuse::InvalidCertificate(e.to_string()))?;
        Ok(Self { chain, key })
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// A zone's CA certificate, as stored on the device.
#[derive(Debug, Clone)]
pub struct ZoneCa {
    /// The zone it belongs to (INTEROP.md §4 "Zone ID").
    pub zone_id: ZoneId,
    /// The Zone CA certificate (DER).
    pub cert: CertificateDer<'static>,
}

/// A signed offset in seconds added to the device's clock when it checks
/// operational client certificates (conformance "AdjustClock",
/// INTEROP.md Appendix A.2).
///
/// Cheap to clone; all clones share one value, so the device service can
/// change it while configurations built with it are in use.
#[derive(Debug, Clone, Default)]
pub struct ClockOffset(Arc<AtomicI64>);

impl ClockOffset {
    /// A zero offset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the offset (AdjustClock replaces, it does not add).
    pub fn set(&self, seconds: i64) {
        self.0.store(seconds, Ordering::Relaxed);
    }

    /// The current offset in seconds.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Back to zero (ResetTestState, successful PASE).
    pub fn reset(&self) {
        self.set(0);
    }
}

fn bad_material(e: impl fmt::Display) -> Error {
    Misuse::InvalidCertificate(e.to_string()).into()
}
