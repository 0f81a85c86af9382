//! The commissioning layer's error type and its one mapping to the wire.

use alloc::string::{String, ToString};
use core::fmt;
use core::time::Duration;

use super::decode::MessageError;
use super::gate::Busy;
use super::messages::{CommissioningError, ErrorCode, MessageType, RenewalStatus};
use super::policy::ZonePolicyError;

/// Why a commissioning handshake or a certificate renewal stopped.
///
/// Peer faults ([`Error::InvalidMessage`], [`Error::PeerMisbehaved`],
/// [`Error::AuthenticationFailed`]) are kept apart from refusals, local
/// failures and caller mistakes ([`Error::ApiMisuse`]). What a device
/// sends for each is decided in one place, [`wire_error_code`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer's bytes are not a commissioning message.
    InvalidMessage(MessageError),
    /// A well-formed message that breaks the protocol.
    PeerMisbehaved(PeerMisbehaved),
    /// SPAKE2+ failed: wrong setup code, tampering, or a bad share.
    AuthenticationFailed(AuthFailure),
    /// The device answered with a CommissioningError (controller side).
    Rejected(CommissioningError),
    /// The commissioning gate refused the attempt (device side).
    Busy(Busy),
    /// The zone policy refused the Zone CA (device side).
    ZonePolicy(ZonePolicyError),
    /// A phase ran out of time.
    Timeout(Phase),
    /// The local shell reported a failure.
    Local(LocalFailure),
    /// The connection closed before the exchange finished.
    ConnectionClosed,
    /// The caller used the state machine out of order; its state is
    /// unchanged.
    ApiMisuse(ApiMisuse),
}

/// Protocol violations by a peer whose messages decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerMisbehaved {
    /// A message that is not the one this state waits for.
    UnexpectedMessage {
        /// What the state waits for (`None`: no peer message, the state
        /// waits for the local shell).
        expected: Option<MessageType>,
        /// What arrived.
        got: MessageType,
    },
    /// A commissioning CertRenewalRequest without a Zone CA
    /// (INTEROP.md §5.2 step 8.1: mandatory).
    MissingZoneCa,
    /// A renewal CSR whose nonceHash is not SHA-256(nonce)\[0:16\]
    /// (security.md §11.3).
    NonceHashMismatch,
    /// The device acknowledged the certificate with a failure status.
    InstallRejected(RenewalStatus),
    /// The acknowledged sequence is not the one sent.
    SequenceMismatch {
        /// Sequence in CertRenewalInstall.
        sent: u32,
        /// activeSequence in CertRenewalAck.
        acked: u32,
    },
}

/// How SPAKE2+ failed (INTEROP.md §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// pA or pB is not an uncompressed P-256 point.
    InvalidPublicKey,
    /// The peer's confirmation MAC did not match.
    ConfirmationMismatch,
    /// PASEComplete carried a non-zero error code; cB was not checked.
    RejectedByDevice(ErrorCode),
}

/// A failure the shell reported through a `handle_*` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalFailure {
    /// Key or CSR generation failed.
    CsrGeneration,
    /// The certificate did not verify against the Zone CA.
    CertificateRejected,
    /// The controller could not sign the CSR.
    Signing,
}

/// A `handle_*` call the current state does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiMisuse {
    /// The machine is not waiting for this input.
    NotAwaiting(&'static str),
    /// The machine has already closed.
    Closed,
}

/// A timed phase (security.md §11.5, INTEROP.md §5.2-5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// TLS accept to first PASERequest (5 s, DEC-061).
    FirstMessage,
    /// PASERequest sent, waiting for PASEResponse (controller).
    PaseResponse,
    /// PASEResponse sent, waiting for PASEConfirm (30 s).
    PaseConfirm,
    /// PASEConfirm sent, waiting for PASEComplete (controller).
    PaseComplete,
    /// The 85 s PASE deadline from taking the gate.
    PaseDeadline,
    /// PASE done, waiting for CertRenewalRequest.
    CertRequest,
    /// Zone CA check and CSR generation by the shell (10 s).
    CsrGeneration,
    /// Waiting for the CSR (controller) or the certificate (device, 30 s).
    CertWait,
    /// Certificate verification and storage by the shell (5 s).
    CertInstall,
    /// CertRenewalInstall sent, waiting for CertRenewalAck (controller).
    CertAck,
    /// The 90 s limit on the whole commissioning connection.
    Overall,
}

impl Error {
    /// The device's retry hint, when the device sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Rejected(e) => Some(Duration::from_millis(e.retry_after_ms.into())),
            Self::Busy(b) => Some(Duration::from_millis(b.retry_after_ms.into())),
            _ => None,
        }
    }
}

/// The commissioning error code a device puts on the wire for `error`
/// (INTEROP.md §5.1-5.3), or `None` when the device closes silently.
///
/// For [`Error::Rejected`] (controller side) this is the code received.
/// [`AuthFailure::ConfirmationMismatch`] maps to
/// [`ErrorCode::ConfirmFailed`], which the reference sends inside
/// PASEComplete rather than as a CommissioningError.
pub fn wire_error_code(error: &Error) -> Option<ErrorCode> {
    match error {
        Error::AuthenticationFailed(AuthFailure::InvalidPublicKey) => Some(ErrorCode::AuthFailed),
        Error::AuthenticationFailed(AuthFailure::ConfirmationMismatch) => {
            Some(ErrorCode::ConfirmFailed)
        }
        Error::AuthenticationFailed(AuthFailure::RejectedByDevice(code)) => Some(*code),
        Error::Rejected(e) => Some(e.error_code),
        Error::Busy(_) => Some(ErrorCode::Busy),
        Error::ZonePolicy(ZonePolicyError::ZoneTypeExists(_)) => Some(ErrorCode::ZoneTypeExists),
        Error::ZonePolicy(ZonePolicyError::SlotsFull { .. }) => Some(ErrorCode::Busy),
        Error::Local(LocalFailure::CsrGeneration) => Some(ErrorCode::CsrFailed),
        Error::Local(LocalFailure::CertificateRejected) => Some(ErrorCode::CertInstallFailed),
        // TEST without an enable key and unreadable Zone CAs close
        // silently (INTEROP.md §5.2 step 8.2), as do timeouts, bad or
        // unexpected messages and a lost connection.
        Error::ZonePolicy(_)
        | Error::Local(LocalFailure::Signing)
        | Error::InvalidMessage(_)
        | Error::PeerMisbehaved(_)
        | Error::Timeout(_)
        | Error::ConnectionClosed
        | Error::ApiMisuse(_) => None,
    }
}

/// The diagnostic text a device sends with [`wire_error_code`]: the
/// reference's strings.
pub(crate) fn wire_error_message(error: &Error) -> String {
    match error {
        Error::AuthenticationFailed(AuthFailure::InvalidPublicKey) => "invalid public key".into(),
        Error::Busy(b) => b.reason.message(),
        Error::ZonePolicy(ZonePolicyError::ZoneTypeExists(_)) => "zone type already exists".into(),
        Error::ZonePolicy(ZonePolicyError::SlotsFull { .. }) => "zone slots full".into(),
        Error::Local(LocalFailure::CsrGeneration) => "csr generation failed".into(),
        Error::Local(LocalFailure::CertificateRejected) => "certificate installation failed".into(),
        other => other.to_string(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMessage(e) => write!(f, "{e}"),
            Self::PeerMisbehaved(p) => write!(f, "peer misbehaved: {p}"),
            Self::AuthenticationFailed(a) => write!(f, "authentication failed: {a}"),
            Self::Rejected(e) if e.message.is_empty() => {
                write!(
                    f,
                    "device refused commissioning: {} (retry after {} ms)",
                    e.error_code, e.retry_after_ms
                )
            }
            Self::Rejected(e) => write!(
                f,
                "device refused commissioning: {}: {} (retry after {} ms)",
                e.error_code, e.message, e.retry_after_ms
            ),
            Self::Busy(b) => write!(
                f,
                "busy: {} (retry after {} ms)",
                b.reason.message(),
                b.retry_after_ms
            ),
            Self::ZonePolicy(z) => write!(f, "{z}"),
            Self::Timeout(p) => write!(f, "timeout in phase {p:?}"),
            Self::Local(l) => write!(f, "{l}"),
            Self::ConnectionClosed => f.write_str("connection closed"),
            Self::ApiMisuse(m) => write!(f, "api misuse: {m}"),
        }
    }
}

impl fmt::Display for PeerMisbehaved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedMessage {
                expected: Some(expected),
                got,
            } => write!(f, "expected {expected}, got {got}"),
            Self::UnexpectedMessage {
                expected: None,
                got,
            } => write!(f, "unexpected {got}"),
            Self::MissingZoneCa => f.write_str("certificate request without zone ca"),
            Self::NonceHashMismatch => f.write_str("nonce hash does not match the nonce"),
            Self::InstallRejected(s) => write!(f, "certificate install rejected with status {s}"),
            Self::SequenceMismatch { sent, acked } => {
                write!(f, "sent sequence {sent}, device acked {acked}")
            }
        }
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPublicKey => f.write_str("invalid public key"),
            Self::ConfirmationMismatch => f.write_str("confirmation failed"),
            Self::RejectedByDevice(code) => write!(f, "pase failed: error code {}", code.value()),
        }
    }
}

impl fmt::Display for LocalFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CsrGeneration => "csr generation failed",
            Self::CertificateRejected => "certificate rejected",
            Self::Signing => "csr signing failed",
        })
    }
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAwaiting(what) => write!(f, "not waiting for {what}"),
            Self::Closed => f.write_str("already closed"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl From<MessageError> for Error {
    fn from(e: MessageError) -> Self {
        Self::InvalidMessage(e)
    }
}

impl From<PeerMisbehaved> for Error {
    fn from(e: PeerMisbehaved) -> Self {
        Self::PeerMisbehaved(e)
    }
}
