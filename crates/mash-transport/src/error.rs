//! The crate's one error type.
//!
//! Peer faults ([`PeerError`]) and caller faults ([`Misuse`]) are kept
//! apart, as in rustls, so a service can tell "the other side broke the
//! protocol" from "we asked for something impossible".

use std::{fmt, io};

use mash_core::wire::FrameError;

use crate::connection::CloseReason;

/// Everything that can go wrong in the transport.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed.
    Io(io::Error),
    /// The TLS handshake or record layer failed, including every
    /// certificate check (INTEROP.md §3.3).
    Tls(rustls::Error),
    /// The peer broke the transport protocol.
    Peer(PeerError),
    /// The caller asked for something impossible.
    Misuse(Misuse),
    /// TCP connect did not finish within [`DialOptions::connect_timeout`](crate::DialOptions).
    ConnectTimeout,
    /// The TLS handshake did not finish in time (10 s on the device,
    /// INTEROP.md §3.2).
    HandshakeTimeout,
    /// The listener aborted this pre-operational connection: the
    /// stale-connection reaper fired (DEC-064) or the listener is shutting
    /// down.
    Aborted,
    /// The operational connection has ended.
    Closed(CloseReason),
}

/// Protocol violations by the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerError {
    /// The peer sent an empty or oversize frame (INTEROP.md §2.1); the
    /// stream cannot be resynchronised and must be closed.
    Frame(FrameError),
    /// The stream ended in the middle of a frame; treated as closed
    /// (INTEROP.md §2.1).
    TruncatedFrame,
    /// The negotiated ALPN protocol is absent or not the one expected
    /// (INTEROP.md §3.2).
    Alpn(Option<Vec<u8>>),
    /// The peer presented no certificate where one is required.
    NoCertificate,
    /// The peer's certificate passed TLS but cannot be parsed.
    BadCertificate(String),
}

/// Caller faults: nothing was sent to the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misuse {
    /// A frame to send is empty or larger than 8192 bytes.
    Frame(FrameError),
    /// The dial target cannot be parsed.
    InvalidTarget(String),
    /// The interface named in a link-local scope (`%eth0`) does not exist.
    UnknownInterface(String),
    /// The expected device ID cannot be used as a TLS server name.
    InvalidDeviceId(String),
    /// Certificate or key material given to a TLS builder is unusable.
    InvalidCertificate(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "i/o error: {e}"),
            Self::Tls(e) => write!(f, "tls error: {e}"),
            Self::Peer(e) => write!(f, "peer error: {e}"),
            Self::Misuse(e) => write!(f, "invalid use: {e}"),
            Self::ConnectTimeout => f.write_str("tcp connect timed out"),
            Self::HandshakeTimeout => f.write_str("tls handshake timed out"),
            Self::Aborted => f.write_str("pre-operational connection aborted by the listener"),
            Self::Closed(reason) => write!(f, "connection closed: {reason}"),
        }
    }
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "invalid frame: {e}"),
            Self::TruncatedFrame => f.write_str("stream ended mid-frame"),
            Self::Alpn(None) => f.write_str("no alpn protocol negotiated"),
            Self::Alpn(Some(p)) => {
                write!(
                    f,
                    "unexpected alpn protocol {:?}",
                    String::from_utf8_lossy(p)
                )
            }
            Self::NoCertificate => f.write_str("no peer certificate"),
            Self::BadCertificate(e) => write!(f, "unparsable peer certificate: {e}"),
        }
    }
}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "cannot send frame: {e}"),
            Self::InvalidTarget(t) => write!(f, "invalid target {t:?}"),
            Self::UnknownInterface(i) => write!(f, "unknown network interface {i:?}"),
            Self::InvalidDeviceId(d) => write!(f, "device id {d:?} is not a valid server name"),
            Self::InvalidCertificate(e) => write!(f, "invalid certificate material: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Tls(e) => Some(e),
            _ => None,
        }
    }
}

impl std::error::Error for PeerError {}
impl std::error::Error for Misuse {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        // tokio-rustls reports TLS failures as io::Error wrapping rustls::Error.
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(tls) => Self::Tls(tls.clone()),
            None => Self::Io(e),
        }
    }
}

impl From<rustls::Error> for Error {
    fn from(e: rustls::Error) -> Self {
        Self::Tls(e)
    }
}

impl From<PeerError> for Error {
    fn from(e: PeerError) -> Self {
        Self::Peer(e)
    }
}

impl From<Misuse> for Error {
    fn from(e: Misuse) -> Self {
        Self::Misuse(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_without_trailing_period() {
        let all = [
            Error::ConnectTimeout.to_string(),
            Error::HandshakeTimeout.to_string(),
            Error::Aborted.to_string(),
            Error::Peer(PeerError::TruncatedFrame).to_string(),
            Error::Peer(PeerError::Alpn(None)).to_string(),
            Error::Misuse(Misuse::InvalidTarget("x".into())).to_string(),
            Error::Closed(CloseReason::KeepAliveTimeout).to_string(),
        ];
        for m in all {
            assert!(m.chars().next().is_some_and(|c| !c.is_uppercase()), "{m}");
            assert!(!m.ends_with('.'), "{m}");
        }
    }

    #[test]
    fn io_errors_carrying_tls_errors_become_tls_errors() {
        let io = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert!(matches!(
            Error::from(io),
            Error::Tls(rustls::Error::DecryptError)
        ));
    }
}
