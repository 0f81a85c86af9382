//! The controller's one error type.
//!
//! Peer faults (the device answered with an error status, sent a response
//! of the wrong shape, refused commissioning) are kept apart from local
//! faults (state files, certificates, transport) and from caller mistakes
//! ([`Misuse`]). Commissioning refusals get their own sub-enum,
//! [`CommissionError`], because callers act on them (wait `retry_after`,
//! ask for the right setup code, remove the other zone first).

use std::fmt;
use std::time::Duration;

use mash_core::commissioning::{self, AuthFailure, ErrorCode, Phase, QrError};
use mash_core::ids::DeviceId;
use mash_core::wire::StatusCode;

/// Everything that can go wrong in the controller service.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Commissioning did not complete (INTEROP.md §5).
    Commission(CommissionError),
    /// The device answered a request with a non-success status
    /// (INTEROP.md §6.1), with its error text (`{1: "..."}`) if it sent one.
    Status {
        /// The status code.
        status: StatusCode,
        /// The device's error text.
        message: Option<String>,
    },
    /// No response within the request timeout (10 s, INTEROP.md §6.1).
    Timeout,
    /// No operational connection to the device came up in time.
    NotConnected {
        /// Why the last connection attempt failed, if one did.
        last_error: Option<String>,
    },
    /// The connection dropped before the response arrived.
    Disconnected,
    /// The device speaks another major version (INTEROP.md §10): the
    /// controller disconnected and does not reconnect on its own.
    IncompatibleVersion {
        /// DeviceInfo.specVersion as read.
        spec_version: String,
    },
    /// The device's answer does not have the shape the protocol gives it.
    InvalidResponse(String),
    /// The device's operational certificate is not acceptable
    /// (INTEROP.md §3.3, controller side).
    DeviceCertificate(mash_pki::PkiError),
    /// The device left this zone (RemoveZone) and is no longer registered.
    DeviceRemoved(DeviceId),
    /// In-band certificate renewal failed (INTEROP.md §5.8).
    Renewal(commissioning::Error),
    /// The transport failed (dial, TLS, socket).
    Transport(mash_transport::Error),
    /// mDNS failed: the daemon could not start on the configured
    /// interfaces, or refused to browse or announce (INTEROP.md §9).
    Discovery(mash_discovery::Error),
    /// Creating, reading or signing a certificate failed locally.
    Pki(mash_pki::PkiError),
    /// A state file could not be read or written, or is corrupt.
    Store(mash_store::StoreError),
    /// The state directory holds state that contradicts itself or the
    /// configuration (another zone type, a registry without a zone).
    State(String),
    /// The caller asked for something impossible; nothing was sent.
    Misuse(Misuse),
    /// The controller has been shut down.
    Shutdown,
}

/// Why commissioning failed (INTEROP.md §5.1-§5.3).
#[derive(Debug)]
#[non_exhaustive]
pub enum CommissionError {
    /// The device is busy (another commissioning, cooldown, slots full):
    /// CommissioningError 5 with its retryAfter.
    Busy {
        /// When to try again (0: the device gave no hint).
        retry_after: Duration,
        /// The device's reason text.
        message: String,
    },
    /// The device already has a zone of this controller's type:
    /// CommissioningError 10.
    ZoneTypeExists {
        /// The device's text.
        message: String,
    },
    /// PASE failed: usually a wrong setup code (PASEComplete error 2), or
    /// an invalid public value (CommissioningError 1).
    AuthenticationFailed(AuthFailure),
    /// Any other CommissioningError from the device.
    Refused {
        /// The error code.
        code: ErrorCode,
        /// The device's text.
        message: String,
        /// Its retry hint.
        retry_after: Duration,
    },
    /// The device did not answer a step in time.
    Timeout(Phase),
    /// The device closed the connection before the exchange finished.
    ConnectionClosed,
    /// The device broke the commissioning protocol.
    Protocol(commissioning::Error),
    /// The device sent a CSR the controller cannot sign.
    InvalidCsr(mash_pki::PkiError),
    /// No commissionable device with this discriminator showed up before
    /// the deadline (INTEROP.md §9); `pairing_requested` says whether a
    /// pairing request was announced meanwhile (DEC-042).
    DeviceNotFound {
        /// The discriminator looked for.
        discriminator: u16,
        /// How long the controller looked.
        waited: Duration,
        /// A pairing request went out and no device answered it either.
        pairing_requested: bool,
    },
    /// Commissioning succeeded and the device is registered, but the
    /// first operational connection did not come up; the controller keeps
    /// trying in the background.
    NotReachable {
        /// The registered device.
        device_id: DeviceId,
        /// Why the operational connection failed.
        source: Box<Error>,
    },
}

/// Caller mistakes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misuse {
    /// The device is not in the registry.
    UnknownDevice(DeviceId),
    /// Invoke parameters must be text-keyed (INTEROP.md §6.5); the device
    /// would silently drop other keys.
    NonTextParameterKey,
    /// The QR payload does not parse.
    InvalidQr(QrError),
    /// The configuration cannot be used.
    InvalidConfig(&'static str),
    /// Finding devices on mDNS needs
    /// [`ControllerConfig::discovery`](crate::ControllerConfig::discovery).
    DiscoveryDisabled,
}

impl Error {
    /// The device's retry hint, for a busy refusal.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Commission(CommissionError::Busy { retry_after, .. })
            | Self::Commission(CommissionError::Refused { retry_after, .. }) => Some(*retry_after),
            _ => None,
        }
    }

    /// The status code, when the device answered with one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether a wrong setup code (or a tampered PASE) is the cause.
    pub fn is_authentication_failure(&self) -> bool {
        matches!(
            self,
            Self::Commission(CommissionError::AuthenticationFailed(_))
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Commission(e) => write!(f, "commissioning failed: {e}"),
            Self::Status {
                status,
                message: Some(m),
            } => write!(f, "device answered {status}: {m}"),
            Self::Status {
                status,
                message: None,
            } => write!(f, "device answered {status}"),
            Self::Timeout => f.write_str("request timed out"),
            Self::NotConnected {
                last_error: Some(e),
            } => write!(f, "device not connected: {e}"),
            Self::NotConnected { last_error: None } => f.write_str("device not connected"),
            Self::Disconnected => f.write_str("connection lost before the response"),
            Self::IncompatibleVersion { spec_version } => {
                write!(f, "incompatible device spec version {spec_version:?}")
            }
            Self::InvalidResponse(what) => write!(f, "invalid response from device: {what}"),
            Self::DeviceCertificate(e) => write!(f, "device certificate rejected: {e}"),
            Self::DeviceRemoved(id) => write!(f, "device {id} was removed from this zone"),
            Self::Renewal(e) => write!(f, "certificate renewal failed: {e}"),
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::Discovery(e) => write!(f, "mdns discovery: {e}"),
            Self::Pki(e) => write!(f, "certificates: {e}"),
            Self::Store(e) => write!(f, "state: {e}"),
            Self::State(what) => write!(f, "inconsistent state: {what}"),
            Self::Misuse(m) => write!(f, "{m}"),
            Self::Shutdown => f.write_str("controller shut down"),
        }
    }
}

impl fmt::Display for CommissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy {
                retry_after,
                message,
            } => write!(
                f,
                "device busy: {message} (retry after {} ms)",
                retry_after.as_millis()
            ),
            Self::ZoneTypeExists { message } if message.is_empty() => {
                f.write_str("device already has a zone of this type")
            }
            Self::ZoneTypeExists { message } => {
                write!(f, "device already has a zone of this type: {message}")
            }
            Self::AuthenticationFailed(a) => {
                write!(f, "authentication failed (wrong setup code?): {a}")
            }
            Self::Refused {
                code,
                message,
                retry_after,
            } => write!(
                f,
                "device refused with {code}: {message} (retry after {} ms)",
                retry_after.as_millis()
            ),
            Self::Timeout(phase) => write!(f, "device did not answer in phase {phase:?}"),
            Self::ConnectionClosed => f.write_str("device closed the connection"),
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::InvalidCsr(e) => write!(f, "device sent an unusable csr: {e}"),
            Self::DeviceNotFound {
                discriminator,
                waited,
                pairing_requested,
            } => write!(
                f,
                "no commissionable device with discriminator {discriminator} found within {} s{}",
                waited.as_secs(),
                if *pairing_requested {
                    " (a pairing request was announced)"
                } else {
                    ""
                }
            ),
            Self::NotReachable { device_id, source } => write!(
                f,
                "device {device_id} commissioned but not reachable operationally: {source}"
            ),
        }
    }
}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownDevice(id) => write!(f, "unknown device {id}"),
            Self::NonTextParameterKey => f.write_str("command parameters must have text keys"),
            Self::InvalidQr(e) => write!(f, "invalid qr code: {e}"),
            Self::InvalidConfig(what) => write!(f, "invalid configuration: {what}"),
            Self::DiscoveryDisabled => f.write_str("mdns discovery is not configured"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Commission(e) => Some(e),
            Self::DeviceCertificate(e) | Self::Pki(e) => Some(e),
            Self::Renewal(e) => Some(e),
            Self::Transport(e) => Some(e),
            Self::Discovery(e) => Some(e),
            Self::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl std::error::Error for CommissionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Protocol(e) => Some(e),
            Self::InvalidCsr(e) => Some(e),
            Self::NotReachable { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl std::error::Error for Misuse {}

impl From<CommissionError> for Error {
    fn from(e: CommissionError) -> Self {
        Self::Commission(e)
    }
}

impl From<Misuse> for Error {
    fn from(e: Misuse) -> Self {
        Self::Misuse(e)
    }
}

impl From<mash_transport::Error> for Error {
    fn from(e: mash_transport::Error) -> Self {
        Self::Transport(e)
    }
}

impl From<mash_discovery::Error> for Error {
    fn from(e: mash_discovery::Error) -> Self {
        Self::Discovery(e)
    }
}

impl From<mash_pki::PkiError> for Error {
    fn from(e: mash_pki::PkiError) -> Self {
        Self::Pki(e)
    }
}

impl From<mash_store::StoreError> for Error {
    fn from(e: mash_store::StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<commissioning::Error> for CommissionError {
    /// Maps the handshake's error to what the caller acts on
    /// (INTEROP.md §5.1 codes, §5.3 PASE failures).
    fn from(e: commissioning::Error) -> Self {
        use commissioning::Error as E;
        match e {
            E::Rejected(r) => {
                let retry_after = Duration::from_millis(r.retry_after_ms.into());
                match r.error_code {
                    ErrorCode::Busy => Self::Busy {
                        retry_after,
                        message: r.message,
                    },
                    ErrorCode::ZoneTypeExists => Self::ZoneTypeExists { message: r.message },
                    // A bad pA is reported as CommissioningError 1.
                    ErrorCode::AuthFailed | ErrorCode::ConfirmFailed => {
                        Self::AuthenticationFailed(AuthFailure::RejectedByDevice(r.error_code))
                    }
                    code => Self::Refused {
                        code,
                        message: r.message,
                        retry_after,
                    },
                }
            }
            E::AuthenticationFailed(a) => Self::AuthenticationFailed(a),
            E::Timeout(phase) => Self::Timeout(phase),
            E::ConnectionClosed => Self::ConnectionClosed,
            other => Self::Protocol(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use mash_core::commissioning::messages::CommissioningError as Wire;

    use super::*;

    fn rejected(code: ErrorCode, retry_after_ms: u32) -> CommissionError {
        commissioning::Error::Rejected(Wire {
            error_code: code,
            message: "m".into(),
            retry_after_ms,
        })
        .into()
    }

    #[test]
    fn busy_carries_retry_after() {
        let e = Error::from(rejected(ErrorCode::Busy, 85_000));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(85)));
        assert_eq!(
            e.to_string(),
            "commissioning failed: device busy: m (retry after 85000 ms)"
        );
    }

    #[test]
    fn codes_map_to_typed_refusals() {
        assert!(matches!(
            rejected(ErrorCode::ZoneTypeExists, 0),
            CommissionError::ZoneTypeExists { .. }
        ));
        assert!(matches!(
            rejected(ErrorCode::AuthFailed, 0),
            CommissionError::AuthenticationFailed(_)
        ));
        assert!(matches!(
            rejected(ErrorCode::CsrFailed, 0),
            CommissionError::Refused {
                code: ErrorCode::CsrFailed,
                ..
            }
        ));
        let wrong_code: CommissionError = commissioning::Error::AuthenticationFailed(
            AuthFailure::RejectedByDevice(ErrorCode::ConfirmFailed),
        )
        .into();
        assert!(Error::from(wrong_code).is_authentication_failure());
    }

    #[test]
    fn display_is_lowercase_without_period() {
        let errors = [
            Error::Timeout,
            Error::Status {
                status: StatusCode::ConstraintError,
                message: Some("too big".into()),
            },
            Error::Misuse(Misuse::NonTextParameterKey),
            Error::NotConnected { last_error: None },
            Error::Misuse(Misuse::DiscoveryDisabled),
            Error::Commission(CommissionError::DeviceNotFound {
                discriminator: 1234,
                waited: Duration::from_secs(4),
                pairing_requested: true,
            }),
        ];
        for e in errors {
            let s = e.to_string();
            assert!(!s.ends_with('.'), "{s}");
            assert!(s.starts_with(|c: char| c.is_lowercase()), "{s}");
        }
    }
}
