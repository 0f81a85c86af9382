//! Certificate checks of both sides (INTEROP.md §3.3, tls-profile.md §9).
//!
//! Chains are built with webpki against the locally stored Zone CA(s) only;
//! a CA certificate the peer sends along is never trusted by itself. Names
//! are MASH's own rule (CN or DNS SAN equals the device ID), not hostname
//! verification.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, OtherError};
use rustls::{Error as TlsError, SignatureScheme};
use webpki::ring as algs;
use webpki::{EndEntityCert, ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter};

use super::ClockOffset;
use super::cert_info::LeafFields;
use crate::error::Error;

/// ECDSA only: every MASH key is P-256 (INTEROP.md §3.1; tls-profile.md
/// §5 prohibits RSA).
pub(crate) static SIGNATURE_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        algs::ECDSA_P256_SHA256,
        algs::ECDSA_P256_SHA384,
        algs::ECDSA_P384_SHA256,
        algs::ECDSA_P384_SHA384,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[algs::ECDSA_P256_SHA256],
        ),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[algs::ECDSA_P384_SHA384],
        ),
    ],
};

// DER contents of the EKU OIDs.
const EKU_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const EKU_ANY: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// Accepts a certificate without an EKU extension, or one listing any of
/// the given purposes.
struct EkuAnyOf(&'static [&'static [u8]]);

impl ExtendedKeyUsageValidator for EkuAnyOf {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        let mut empty = true;
        for id in iter {
            let id = id?;
            empty = false;
            if self.0.iter().any(|oid| KeyPurposeId::new(oid) == id) {
                return Ok(());
            }
        }
        if empty {
            Ok(())
        } else {
            Err(webpki::Error::ExtensionValueInvalid)
        }
    }
}

/// Device → controller certificate: clientAuth (or anyExtendedKeyUsage, as
/// Go's verifier allows) or no EKU.
const CLIENT_PURPOSES: EkuAnyOf = EkuAnyOf(&[EKU_CLIENT_AUTH, EKU_ANY]);
/// Controller → device certificate: serverAuth or clientAuth or no EKU.
const SERVER_PURPOSES: EkuAnyOf = EkuAnyOf(&[EKU_SERVER_AUTH, EKU_CLIENT_AUTH, EKU_ANY]);

/// Trust anchors made from Zone CA certificates.
pub(crate) fn trust_anchors(
    cas: impl IntoIterator<Item = impl AsRef<[u8]>>,
) -> Result<Vec<TrustAnchor<'static>>, Error> {
    cas.into_iter()
        .map(|der| {
            webpki::anchor_from_trusted_cert(&CertificateDer::from(der.as_ref()))
                .map(|a| a.to_owned())
                .map_err(super::bad_material)
        })
        .collect()
}

/// Builds and checks the chain: leaf (plus at most one more certificate,
/// tls-profile.md §9.1) to one of `anchors`, valid at `time`; webpki also
/// refuses a CA certificate used as leaf (INTEROP.md §3.3 step 2).
fn verify_chain(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'_>],
    time: UnixTime,
    purposes: &EkuAnyOf,
) -> Result<(), TlsError> {
    if intermediates.len() > 1 {
        return Err(CertificateError::ApplicationVerificationFailure.into());
    }
    let ee = EndEntityCert::try_from(end_entity).map_err(pki_error)?;
    ee.verify_for_usage(
        SIGNATURE_ALGORITHMS.all,
        anchors,
        intermediates,
        time,
        purposes,
        None,
        None,
    )
    .map_err(pki_error)?;
    Ok(())
}

/// The time to validate at: `now`, moved into the leaf's validity window
/// when it lies outside by no more than `tolerance`.
fn tolerant_time(leaf: &CertificateDer<'_>, now: UnixTime, tolerance: Duration) -> UnixTime {
    let Ok(fields) = LeafFields::parse(leaf) else {
        return now;
    };
    let now_s = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let tol = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    let adjusted = if now_s < fields.not_before && fields.not_before - now_s <= tol {
        fields.not_before
    } else if now_s > fields.not_after && now_s - fields.not_after <= tol {
        fields.not_after
    } else {
        now_s
    };
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(adjusted).unwrap_or(0)))
}

fn offset_time(now: UnixTime, offset_secs: i64) -> UnixTime {
    let secs = now.as_secs().saturating_add_signed(offset_secs);
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

fn pki_error(e: webpki::Error) -> TlsError {
    use webpki::Error as E;
    let cert = match e {
        E::BadDer | E::BadDerTime | E::TrailingData(_) => CertificateError::BadEncoding,
        E::CertNotValidYet { time, not_before } => {
            CertificateError::NotValidYetContext { time, not_before }
        }
        E::CertExpired { time, not_after } => CertificateError::ExpiredContext { time, not_after },
        E::InvalidCertValidity => CertificateError::Expired,
        E::UnknownIssuer => CertificateError::UnknownIssuer,
        E::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        E::ExtensionValueInvalid | E::EmptyEkuExtension => CertificateError::InvalidPurpose,
        #[allow(deprecated)]
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            CertificateError::InvalidPurpose
        }
        other => CertificateError::Other(OtherError(Arc::new(other))),
    };
    cert.into()
}

fn verify_tls13(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, TlsError> {
    rustls::crypto::verify_tls13_signature(message, cert, dss, &SIGNATURE_ALGORITHMS)
}

fn verify_tls12(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, TlsError> {
    rustls::crypto::verify_tls12_signature(message, cert, dss, &SIGNATURE_ALGORITHMS)
}

/// The device's check of controller certificates (INTEROP.md §3.3): client
/// certificate required; chain to one of the zone CAs; valid at the
/// device's clock plus [`ClockOffset`], with a tolerance; EKU clientAuth or
/// none; leaf not a CA; at most two certificates. CN and SAN are not
/// checked.
pub(crate) struct ZoneClientVerifier {
    anchors: Vec<TrustAnchor<'static>>,
    subjects: Vec<DistinguishedName>,
    clock: ClockOffset,
    tolerance: Duration,
}

impl ZoneClientVerifier {
    pub(crate) fn new(
        anchors: Vec<TrustAnchor<'static>>,
        clock: ClockOffset,
        tolerance: Duration,
    ) -> Self {
        let subjects = anchors
            .iter()
            .map(|a| DistinguishedName::from(a.subject.to_vec()))
            .collect();
        Self {
            anchors,
            subjects,
            clock,
            tolerance,
        }
    }
}

impl fmt::Debug for ZoneClientVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoneClientVerifier")
            .field("zones", &self.anchors.len())
            .finish()
    }
}

impl ClientCertVerifier for ZoneClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.subjects
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        let now = offset_time(now, self.clock.get());
        let time = tolerant_time(end_entity, now, self.tolerance);
        verify_chain(
            end_entity,
            intermediates,
            &self.anchors,
            time,
            &CLIENT_PURPOSES,
        )?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        SIGNATURE_ALGORITHMS.supported_schemes()
    }
}

/// The controller's check of a device certificate (INTEROP.md §3.3): chain
/// to the zone CA, valid now, EKU serverAuth or clientAuth (or none), and
/// subject CN or a DNS SAN equal to the expected device ID, which travels
/// as the TLS server name. No hostname verification.
pub(crate) struct DeviceServerVerifier {
    anchors: Vec<TrustAnchor<'static>>,
}

impl DeviceServerVerifier {
    pub(crate) fn new(anchors: Vec<TrustAnchor<'static>>) -> Self {
        Self { anchors }
    }
}

impl fmt::Debug for DeviceServerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceServerVerifier")
            .finish_non_exhaustive()
    }
}

impl ServerCertVerifier for DeviceServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        verify_chain(
            end_entity,
            intermediates,
            &self.anchors,
            now,
            &SERVER_PURPOSES,
        )?;
        let ServerName::DnsName(device_id) = server_name else {
            return Err(CertificateError::NotValidForName.into());
        };
        let fields = LeafFields::parse(end_entity).map_err(|_| CertificateError::BadEncoding)?;
        let expected = device_id.as_ref();
        let matches = fields.common_name.as_deref() == Some(expected)
            || fields.dns_names.iter().any(|d| d == expected);
        if !matches {
            return Err(CertificateError::NotValidForName.into());
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        SIGNATURE_ALGORITHMS.supported_schemes()
    }
}

/// Commissioning: the device's self-signed certificate is accepted as is,
/// security comes from PASE (INTEROP.md §3.4). The handshake signature is
/// still checked against the presented key.
#[derive(Debug)]
pub(crate) struct AnyServerCert;

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        SIGNATURE_ALGORITHMS.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_moves_the_clock_both_ways() {
        let now = UnixTime::since_unix_epoch(Duration::from_secs(1_000));
        assert_eq!(offset_time(now, -400).as_secs(), 600);
        assert_eq!(offset_time(now, 400).as_secs(), 1_400);
        assert_eq!(offset_time(now, -2_000).as_secs(), 0);
    }

    #[test]
    fn only_ecdsa_schemes_are_offered() {
        let schemes = SIGNATURE_ALGORITHMS.supported_schemes();
        assert_eq!(
            schemes,
            [
                SignatureScheme::ECDSA_NISTP256_SHA256,
                SignatureScheme::ECDSA_NISTP384_SHA384
            ]
        );
    }
}
