//! Errors: [`DecodeError`] for records received from peers, [`Error`] for
//! everything the advertiser and browser do.

use core::fmt;

use crate::interfaces::InterfaceError;

/// A received (or hand-built) record does not follow INTEROP.md §9.
///
/// These are peer faults. The browser drops such records with a trace log;
/// the pure decoders return them so callers and tests can see why.
///
/// The variants follow the reference's error classes (the texts in
/// `vectors/mdns.json` are Go's; only the class is interoperable).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A required TXT key is absent, or present with a value the reference
    /// treats as absent (an empty `ZN`, a `ZI`/`DI` that is not 16
    /// characters long).
    MissingField(&'static str),
    /// `D` (or the number in an instance name) is not a decimal number
    /// in 0..=4095.
    InvalidDiscriminator,
    /// A `cat` entry is not a number in 1..=7; carries the entry as received.
    InvalidCategory(String),
    /// `ZI` is 16 characters long but not hex.
    InvalidZoneId,
    /// `DI` is 16 characters long but not hex.
    InvalidDeviceId,
    /// A TXT value we need is not UTF-8; carries the key.
    InvalidUtf8(&'static str),
    /// An instance name does not have the shape its service type requires.
    InvalidInstanceName(InstanceNameError),
}

/// Why an instance name was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstanceNameError {
    /// The name is empty.
    Empty,
    /// The name is longer than a DNS label (63 bytes).
    TooLong,
    /// The name does not have the `MASH-<d>`, `<zone>-<device>` or
    /// `<zone>-<d>` shape.
    Malformed,
    /// The zone ID part of a pairing-request name is not 16 characters.
    ZoneIdLength,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingField(key) => write!(f, "missing required field: {key}"),
            Self::InvalidDiscriminator => f.write_str("discriminator out of range"),
            Self::InvalidCategory(v) => write!(f, "invalid category {v:?}"),
            Self::InvalidZoneId => f.write_str("invalid zone ID format"),
            Self::InvalidDeviceId => f.write_str("invalid device ID format"),
            Self::InvalidUtf8(key) => write!(f, "TXT value of {key} is not UTF-8"),
            Self::InvalidInstanceName(e) => write!(f, "invalid instance name: {e}"),
        }
    }
}

impl fmt::Display for InstanceNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty name",
            Self::TooLong => "longer than 63 bytes",
            Self::Malformed => "unexpected format",
            Self::ZoneIdLength => "invalid zone ID length",
        })
    }
}

impl std::error::Error for DecodeError {}
impl std::error::Error for InstanceNameError {}

impl From<InstanceNameError> for DecodeError {
    fn from(e: InstanceNameError) -> Self {
        Self::InvalidInstanceName(e)
    }
}

/// An advertiser or browser operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The interface configuration cannot be applied on this host.
    Interfaces(InterfaceError),
    /// The configured host name is not a usable DNS label.
    InvalidHostName(String),
    /// A record we were asked to publish would not pass a MASH decoder
    /// (e.g. an empty zone name, an instance name over 63 bytes).
    InvalidRecord(DecodeError),
    /// The mDNS daemon refused the request.
    Daemon(DaemonError),
    /// The mDNS daemon has shut down.
    Closed,
    /// Nothing matching was found before the deadline.
    Timeout,
}

/// An error reported by the underlying mDNS responder (mdns-sd).
#[derive(Debug)]
pub struct DaemonError(pub(crate) mdns_sd::Error);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Interfaces(e) => write!(f, "interface selection: {e}"),
            Self::InvalidHostName(h) => write!(f, "invalid mDNS host name {h:?}"),
            Self::InvalidRecord(e) => write!(f, "refusing to advertise: {e}"),
            Self::Daemon(e) => write!(f, "mdns daemon: {e}"),
            Self::Closed => f.write_str("mdns daemon has shut down"),
            Self::Timeout => f.write_str("discovery timed out"),
        }
    }
}

impl fmt::Display for DaemonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Interfaces(e) => Some(e),
            Self::InvalidRecord(e) => Some(e),
            Self::Daemon(e) => Some(e),
            Self::InvalidHostName(_) | Self::Closed | Self::Timeout => None,
        }
    }
}

impl std::error::Error for DaemonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<mdns_sd::Error> for Error {
    fn from(e: mdns_sd::Error) -> Self {
        match e {
            mdns_sd::Error::DaemonShutdown => Self::Closed,
            e => Self::Daemon(DaemonError(e)),
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Self::InvalidRecord(e)
    }
}

impl From<InterfaceError> for Error {
    fn from(e: InterfaceError) -> Self {
        Self::Interfaces(e)
    }
}
