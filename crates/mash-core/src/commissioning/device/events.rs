//! What the device handshake asks of, or reports to, the shell, and the
//! proof it needs before acknowledging a certificate.

use alloc::vec::Vec;

use crate::ids::{DeviceId, ZoneId};
use crate::zone::ZoneType;

/// Proof that the shell verified the installed operational certificate:
/// it chains to the Zone CA with EKU serverAuth, its CN (the device ID) is
/// not empty, and the certificate and Zone CA are stored.
///
/// The certificate checks live in `mash-pki`, outside this crate, so the
/// constructor is public; call [`CertificateVerified::assertion`] only on
/// the success path of that verification (grep for it when auditing, as
/// for rustls' `HandshakeSignatureValid::assertion`).
#[derive(Debug)]
pub struct CertificateVerified {
    pub(super) device_id: DeviceId,
}

impl CertificateVerified {
    /// Asserts that verification succeeded for the device ID read from the
    /// certificate's CN.
    pub fn assertion(device_id: DeviceId) -> Self {
        Self { device_id }
    }
}

/// A commissioning that finished (INTEROP.md §5.2 step 9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commissioned {
    /// SHA-256(PASE sharedSecret)\[0:8\].
    pub zone_id: ZoneId,
    /// From the Zone CA's first OU.
    pub zone_type: ZoneType,
    /// From the certificate CN.
    pub device_id: DeviceId,
    /// The Zone CA, DER.
    pub zone_ca_der: Vec<u8>,
    /// The operational certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The install sequence acknowledged (2 from a Go controller).
    pub sequence: u32,
}

/// What the device handshake asks of, or reports to, the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// Parse this Zone CA and answer [`DeviceHandshake::handle_zone_type`](super::DeviceHandshake::handle_zone_type)
    /// with the zone type from its first OU (unknown strings mean LOCAL,
    /// [`ZoneType::from_ou`]), or [`DeviceHandshake::handle_zone_ca_invalid`](super::DeviceHandshake::handle_zone_ca_invalid).
    ZoneCaReceived {
        /// The Zone CA, DER.
        zone_ca_der: Vec<u8>,
    },
    /// Generate a new P-256 key for this zone and a CSR (O=`MASH Device`,
    /// OU=`V<vendor>`,`P<product>`, empty CN); answer
    /// [`DeviceHandshake::handle_csr`](super::DeviceHandshake::handle_csr) or [`DeviceHandshake::handle_csr_failed`](super::DeviceHandshake::handle_csr_failed).
    CsrRequested {
        /// The zone being joined.
        zone_id: ZoneId,
        /// Its type.
        zone_type: ZoneType,
    },
    /// Verify the certificate against the Zone CA (EKU serverAuth), read
    /// the device ID from its CN, store both; answer
    /// [`DeviceHandshake::handle_certificate_verified`](super::DeviceHandshake::handle_certificate_verified) or
    /// [`DeviceHandshake::handle_certificate_rejected`](super::DeviceHandshake::handle_certificate_rejected).
    VerifyCertificate {
        /// The operational certificate, DER.
        certificate_der: Vec<u8>,
        /// The Zone CA it must chain to, DER.
        zone_ca_der: Vec<u8>,
    },
    /// Done: register the zone, close the window and the connection.
    Commissioned(Commissioned),
}
