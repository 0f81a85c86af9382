//! The operational connection driver, the same on device and controller
//! (INTEROP.md §2.2, transport.md §6 and §10.2).
//!
//! [`Connection::new`] splits the framed stream and spawns three small
//! tasks:
//!
//! - the **reader** reads frames; it answers Ping with Pong (same
//!   sequence), passes Pongs to keep-alive, reacts to Close, and hands every
//!   other frame to the application;
//! - the **writer** writes control frames first, then application frames;
//! - the **supervisor** runs the [`KeepAlive`](crate::KeepAlive) state
//!   machine and decides how the connection ends. It never touches the
//!   socket, so a writer stuck on a dead peer cannot stall loss detection.
//!
//! How a connection ends, as [`CloseReason`]:
//!
//! | event | we do | reason |
//! |---|---|---|
//! | peer sends Close | answer Close, close | [`CloseReason::PeerClosed`] |
//! | [`Connection::close`] or every handle dropped | send Close, wait ≤ 5 s for the peer's Close or EOF, close | [`CloseReason::LocalClosed`] |
//! | listener shutdown | as local close | [`CloseReason::Shutdown`] |
//! | 3 pongs missed | close at once | [`CloseReason::KeepAliveTimeout`] |
//! | EOF (also mid-frame) | close | [`CloseReason::Eof`] |
//! | empty/oversize frame | close, no response (INTEROP.md §2.1) | [`CloseReason::Frame`] |
//! | socket or TLS failure | close | [`CloseReason::Io`] / [`CloseReason::Tls`] |
//!
//! The device's failsafe should start on any of these except a local close.

mod tasks;

use std::fmt;
use std::io;
use std::time::Duration;

use mash_core::wire::{FrameError, MAX_MESSAGE_SIZE};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::{Error, Misuse, PeerError};
use crate::framing::FramedStream;
use crate::keepalive::KeepAliveConfig;
use crate::shutdown::ShutdownSignal;

/// Settings of one connection; [`Default`] gives the spec's values.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Keep-alive of this side (on, 30 s / 5 s / 3 by default).
    pub keep_alive: KeepAliveConfig,
    /// How long a graceful close waits for the peer (5 s).
    pub close_timeout: Duration,
    /// Received frames buffered for the application before reading stops
    /// (backpressure).
    pub inbound_capacity: usize,
    /// Frames queued for sending before [`ConnectionSender::send`] waits.
    pub outbound_capacity: usize,
    /// Closes the connection gracefully when this signals.
    pub shutdown: Option<ShutdownSignal>,
    /// Answer a peer's Close only once the application has closed or let
    /// go of the connection (bounded by `close_timeout`), so that answers to
    /// frames received before the Close still go out first
    /// (connection-state-machine.md §7.3). Off by default: the Close is
    /// answered at once, and whatever the application sends later is lost.
    pub answer_close_after_app: bool,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            keep_alive: KeepAliveConfig::SPEC,
            close_timeout: Duration::from_secs(5),
            inbound_capacity: 32,
            outbound_capacity: 32,
            shutdown: None,
            answer_close_after_app: false,
        }
    }
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer sent Close; we answered it.
    PeerClosed,
    /// We closed: [`Connection::close`], or every handle was dropped.
    LocalClosed,
    /// The listener shut down.
    Shutdown,
    /// Too many pongs missed (transport.md §6.5).
    KeepAliveTimeout,
    /// The peer closed the stream without Close, possibly mid-frame.
    Eof,
    /// The peer sent an empty or oversize frame.
    Frame(FrameError),
    /// TLS failed (bad record, alert, ...).
    Tls(rustls::Error),
    /// The socket failed.
    Io {
        /// The error kind.
        kind: io::ErrorKind,
        /// The error text.
        message: String,
    },
}

impl CloseReason {
    /// Whether the connection was lost rather than closed on purpose by
    /// this side; a device starts its failsafe on these.
    pub fn is_loss(&self) -> bool {
        !matches!(self, Self::LocalClosed | Self::Shutdown)
    }

    pub(crate) fn from_error(e: Error) -> Self {
        match e {
            Error::Peer(PeerError::TruncatedFrame) => Self::Eof,
            Error::Peer(PeerError::Frame(f)) => Self::Frame(f),
            Error::Tls(t) => Self::Tls(t),
            Error::Io(io) if io.kind() == io::ErrorKind::UnexpectedEof => Self::Eof,
            Error::Io(io) => Self::Io {
                kind: io.kind(),
                message: io.to_string(),
            },
            other => Self::Io {
                kind: io::ErrorKind::Other,
                message: other.to_string(),
            },
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PeerClosed => f.write_str("closed by peer"),
            Self::LocalClosed => f.write_str("closed locally"),
            Self::Shutdown => f.write_str("listener shut down"),
            Self::KeepAliveTimeout => f.write_str("keep-alive timed out"),
            Self::Eof => f.write_str("peer closed the stream"),
            Self::Frame(e) => write!(f, "invalid frame from peer: {e}"),
            Self::Tls(e) => write!(f, "tls error: {e}"),
            Self::Io { message, .. } => write!(f, "i/o error: {message}"),
        }
    }
}

/// Shared view of the connection's end.
#[derive(Debug, Clone, Default)]
struct Status {
    reason: Option<CloseReason>,
    finished: bool,
}

/// A frame for the writer, with an optional "written and flushed" signal.
struct Outbound {
    payload: Vec<u8>,
    flushed: Option<oneshot::Sender<()>>,
}

/// An operational connection. See the [module docs](self).
#[derive(Debug)]
pub struct Connection {
    sender: ConnectionSender,
    inbound: mpsc::Receiver<Vec<u8>>,
}

impl Connection {
    /// Starts driving `stream`. Must be called inside a tokio runtime.
    pub fn new<S>(stream: FramedStream<S>, config: ConnectionConfig) -> Self
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (sender, inbound) = tasks::spawn(stream, config);
        Self { sender, inbound }
    }

    /// The next application frame (anything but ping, pong and close);
    /// `None` once the connection has ended and all received frames were
    /// taken. Cancel-safe.
    ///
    /// With [`ConnectionConfig::answer_close_after_app`], frames may still
    /// be sent after the peer's Close ([`CloseReason::PeerClosed`]) to
    /// answer what was received; the connection answers the Close once the
    /// application calls [`Connection::close`] or drops every handle, or
    /// after the close timeout.
    pub async fn recv(&mut self) -> Option<Vec<u8>> {
        self.inbound.recv().await
    }

    /// A handle for sending from other tasks.
    pub fn sender(&self) -> ConnectionSender {
        self.sender.clone()
    }

    /// Queues one frame; see [`ConnectionSender::send`].
    pub async fn send(&self, payload: Vec<u8>) -> Result<(), Error> {
        self.sender.send(payload).await
    }

    /// Closes gracefully: sends Close, waits up to the close timeout for
    /// the peer's Close or EOF, then closes the stream.
    pub async fn close(self) -> CloseReason {
        self.sender.close().await
    }

    /// Why the connection ended, if it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.sender.close_reason()
    }

    /// Resolves once the connection has ended and its socket is closed.
    pub async fn closed(&self) -> CloseReason {
        self.sender.closed().await
    }
}

/// Sends frames on a [`Connection`] from any task. Cheap to clone; the
/// connection closes gracefully once the [`Connection`] and every sender
/// are dropped.
#[derive(Clone)]
pub struct ConnectionSender {
    out: mpsc::Sender<Outbound>,
    close: mpsc::Sender<()>,
    status: watch::Receiver<Status>,
}

impl fmt::Debug for ConnectionSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionSender")
            .field("closed", &self.close_reason())
            .finish()
    }
}

impl ConnectionSender {
    /// Queues one frame payload (1..=8192 bytes), waiting while the send
    /// queue is full. Frames go out in the order queued.
    pub async fn send(&self, payload: Vec<u8>) -> Result<(), Error> {
        self.enqueue(payload, None).await
    }

    /// Like [`send`](Self::send), but resolves only once the frame has been
    /// written and flushed to the stream. Useful to put a notification on
    /// one connection before a response on another (transport.md §8.4).
    pub async fn send_flushed(&self, payload: Vec<u8>) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(payload, Some(tx)).await?;
        rx.await.map_err(|_| self.closed_error())
    }

    async fn enqueue(
        &self,
        payload: Vec<u8>,
        flushed: Option<oneshot::Sender<()>>,
    ) -> Result<(), Error> {
        if payload.is_empty() {
            return Err(Misuse::Frame(FrameError::Empty).into());
        }
        if payload.len() > MAX_MESSAGE_SIZE {
            let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
            return Err(Misuse::Frame(FrameError::TooLarge(len)).into());
        }
        // After the peer's Close, answers to what it sent before are still
        // taken until we answer its Close (see `Connection::recv`).
        if let Some(reason) = self
            .close_reason()
            .filter(|r| *r != CloseReason::PeerClosed)
        {
            return Err(Error::Closed(reason));
        }
        self.out
            .send(Outbound { payload, flushed })
            .await
            .map_err(|_| self.closed_error())
    }

    fn closed_error(&self) -> Error {
        Error::Closed(self.close_reason().unwrap_or(CloseReason::LocalClosed))
    }

    /// Closes gracefully and waits until the connection has ended; see
    /// [`Connection::close`].
    pub async fn close(&self) -> CloseReason {
        // Fails only when the connection is already ending.
        let _ = self.close.try_send(());
        self.closed().await
    }

    /// Why the connection ended, if it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.status.borrow().reason.clone()
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.status.borrow().reason.is_some()
    }

    /// Resolves once the connection has ended and its socket is closed.
    pub async fn closed(&self) -> CloseReason {
        let mut status = self.status.clone();
        let done = status
            .wait_for(|s| s.finished)
            .await
            .map(|s| s.reason.clone());
        done.ok().flatten().unwrap_or(CloseReason::LocalClosed)
    }
}

#[cfg(test)]
mod tests;
