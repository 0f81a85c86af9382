//! What handles ask of a session, and what a session waits for.

use mash_core::cbor::Map;
use mash_core::wire::Response;
use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::handle::SubscriptionEvent;
use crate::request::Outgoing;

/// A request from a [`DeviceHandle`](crate::DeviceHandle) or
/// [`Subscription`](crate::Subscription) to its session task.
#[derive(Debug)]
pub(crate) enum Command {
    /// Send a request; answer with the response.
    Request {
        outgoing: Outgoing,
        reply: oneshot::Sender<Result<Response, Error>>,
    },
    /// Subscribe, and keep the subscription across reconnects.
    Subscribe {
        outgoing: Outgoing,
        events: mpsc::UnboundedSender<SubscriptionEvent>,
        reply: oneshot::Sender<Result<(u64, Map), Error>>,
    },
    /// End a subscription (by its local ID).
    Unsubscribe {
        local: u64,
        reply: Option<oneshot::Sender<Result<(), Error>>>,
    },
    /// RemoveZone: on success the session ends and the record goes.
    RemoveZone {
        outgoing: Outgoing,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// Stop the session.
    Stop,
}

/// Who is waiting for the response to a message ID.
#[derive(Debug)]
pub(crate) enum Waiter {
    /// An application request.
    Caller(oneshot::Sender<Result<Response, Error>>),
    /// A subscribe; `reply` is `None` when renewing after a reconnect.
    Subscribe {
        local: u64,
        reply: Option<oneshot::Sender<Result<(u64, Map), Error>>>,
    },
    /// An unsubscribe; nobody may be waiting.
    Unsubscribe(Option<oneshot::Sender<Result<(), Error>>>),
    /// The specVersion read after connecting (INTEROP.md §10).
    VersionCheck,
    /// RemoveZone.
    RemoveZone(oneshot::Sender<Result<(), Error>>),
}

impl Waiter {
    /// Tells the waiter the request failed.
    pub(crate) fn fail(self, error: impl Fn() -> Error) {
        match self {
            Self::Caller(tx) => {
                let _ = tx.send(Err(error()));
            }
            Self::Subscribe {
                reply: Some(tx), ..
            } => {
                let _ = tx.send(Err(error()));
            }
            Self::Unsubscribe(Some(tx)) | Self::RemoveZone(tx) => {
                let _ = tx.send(Err(error()));
            }
            Self::Subscribe { reply: None, .. } | Self::Unsubscribe(None) | Self::VersionCheck => {}
        }
    }
}

impl Command {
    /// Answers a command that cannot be served now (no connection).
    pub(crate) fn refuse(self, error: impl Fn() -> Error) {
        match self {
            Self::Request { reply, .. } => {
                let _ = reply.send(Err(error()));
            }
            Self::Subscribe { reply, .. } => {
                let _ = reply.send(Err(error()));
            }
            Self::RemoveZone { reply, .. } => {
                let _ = reply.send(Err(error()));
            }
            Self::Unsubscribe { .. } | Self::Stop => {}
        }
    }
}
