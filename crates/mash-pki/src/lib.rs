//! # mash-pki
//!
//! Certificates for MASH 1.0, shaped exactly like those of the Go
//! reference implementation (INTEROP.md §3.4 and §4):
//!
//! - [`ZoneCa`]: a controller's Zone CA — generate, save/load, read the
//!   zone type from a Zone CA certificate;
//! - controller operational certificates ([`ZoneCa::issue_controller_cert`]);
//! - device CSRs ([`PendingCsr`], [`create_csr`]) and their check on the
//!   controller ([`VerifiedCsr`]), device operational certificates for
//!   commissioning and renewal ([`ZoneCa::issue_device_cert`],
//!   [`ZoneCa::renew_device_cert`]);
//! - the device's self-signed commissioning certificate
//!   ([`commissioning_identity`], DEC-067);
//! - certificate checks that return a [`ChainVerified`] proof
//!   ([`verify_leaf`], [`verify_device_cert`]) and the facts MASH reads
//!   from certificates ([`Certificate`]: SKI/AKI, CN, SANs, OUs, key,
//!   validity, zone type, device ID);
//! - renewal helpers (nonce hash, 7-day window, pending-key check).
//!
//! Keys and certificates come out as DER (certificate, PKCS#8 private
//! key) so a TLS stack can use them; this crate does **not** depend on
//! rustls, open connections, or run the commissioning protocol — the
//! messages that carry these bytes live in `mash-core`, the TLS
//! configuration in `mash-transport`.
//!
//! It never reads the clock on its own: every function that needs the
//! current time takes a [`UnixTime`]. Keys, serials and signatures use
//! the OS random number generator.
//!
//! Certificates are written by a small DER writer of our own rather than
//! rcgen's builder, because Go puts two OUs into one multi-valued RDN and
//! orders its extensions in a fixed way that rcgen cannot reproduce; rcgen
//! (with ring) still generates keys and signs, and x509-parser reads and
//! verifies.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod builder;
mod cert;
mod commissioning_cert;
mod controller_cert;
mod csr;
mod der;
mod device_cert;
mod error;
mod ident;
mod identity;
mod key;
mod name;
mod oid;
mod persist;
mod renewal;
mod unix_time;
mod verify;
mod zone_ca;

pub use cert::{Certificate, key_usage};
pub use commissioning_cert::{
    COMMISSIONING_CERT_LIFETIME, MAX_DISCRIMINATOR, commissioning_identity,
};
pub use csr::{PendingCsr, VerifiedCsr, create_csr};
pub use device_cert::IssuedDeviceCert;
pub use error::{Artifact, CertRole, PkiError};
pub use ident::{DeviceId, KEY_ID_LEN, ZoneId, device_id_from_spki, key_id_from_spki};
pub use identity::TlsIdentity;
pub use key::KeyPair;
pub use mash_core::zone::ZoneType;
pub use renewal::{
    NONCE_HASH_LEN, RENEWAL_WINDOW, check_pending_key, nonce_hash, nonce_hash_matches, renewal_due,
};
pub use unix_time::UnixTime;
pub use verify::{
    ChainVerified, KeyPurpose, LeafPolicy, check_device_name, check_validity, find_zone_ca,
    verify_device_cert, verify_leaf,
};
pub use zone_ca::{ZONE_CA_CERT_FILE, ZONE_CA_KEY_FILE, ZoneCa};

/// Validity of operational certificates (device and controller):
/// 365 days (INTEROP.md §4).
pub const OPERATIONAL_CERT_LIFETIME: core::time::Duration = zone_ca::LEAF_LIFETIME;
