//! One connection's request handling and subscriptions.

use super::{Application, Caller, Failure, SubscriptionLimits, Subscriptions};
use super::{invoke, read, subscribe, write};
use crate::model::{Change, Device};
use crate::time::Instant;
use crate::wire::{Message, Notification, Operation, Request, Response, StatusCode, WireError};

/// The server side of one operational connection, sans-I/O.
///
/// Call order, per connection:
/// 1. [`ServerSession::handle_frame`] (or [`ServerSession::handle_request`])
///    for each received frame; send the returned response.
/// 2. After any change to the device (by this or another session, the
///    application or a timer), drain the device's change log and pass it
///    to every session's [`ServerSession::handle_changes`].
/// 3. Arm a timer for [`ServerSession::poll_timeout`]; when it fires call
///    [`ServerSession::handle_timeout`], then send everything
///    [`ServerSession::poll_notification`] yields.
#[derive(Debug)]
pub struct ServerSession {
    caller: Caller,
    subscriptions: Subscriptions,
}

/// What a received frame turned out to be.
#[derive(Debug)]
pub enum Inbound {
    /// A request was answered; send this.
    Respond(Response),
    /// Not a request for this side to serve (a response, notification,
    /// control or renewal frame): the caller routes it.
    Other(Message),
    /// Nothing to send (e.g. a frame the reference also drops).
    Nothing,
}

impl ServerSession {
    /// A session for a connection from `caller`.
    pub fn new(caller: Caller, limits: SubscriptionLimits) -> Self {
        Self {
            caller,
            subscriptions: Subscriptions::new(limits),
        }
    }

    /// The peer's zone.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The session's subscriptions.
    pub fn subscriptions(&self) -> &Subscriptions {
        &self.subscriptions
    }

    /// Drops every subscription.
    pub fn clear_subscriptions(&mut self) {
        self.subscriptions.clear();
    }

    /// Decodes and handles one frame payload.
    ///
    /// Undecodable frames are answered as the reference does: status
    /// INVALID_PARAMETER with message ID 0 and an explanatory text.
    pub fn handle_frame(
        &mut self,
        device: &mut Device,
        app: &mut dyn Application,
        bytes: &[u8],
        now: Instant,
    ) -> Inbound {
        match Message::decode(bytes) {
            Ok(Message::Request(req)) => {
                Inbound::Respond(self.handle_request(device, app, req, now))
            }
            Ok(other) => Inbound::Other(other),
            Err(e) => Inbound::Respond(decode_failure(&e).into_response(0)),
        }
    }

    /// Answers one request.
    pub fn handle_request(
        &mut self,
        device: &mut Device,
        app: &mut dyn Application,
        req: Request,
        now: Instant,
    ) -> Response {
        let id = req.message_id;
        let caller = self.caller;
        let result = match req.operation {
            Operation::Read => read::read(device, app, &caller, &req),
            Operation::Write => write::write(device, app, &caller, req, now),
            Operation::Subscribe => {
                subscribe::subscribe(device, app, &mut self.subscriptions, &caller, &req, now)
            }
            Operation::Invoke => invoke::invoke(device, app, &caller, req, now),
            _ => Err(StatusCode::Unsupported.into()),
        };
        match result {
            Ok(payload) => Response {
                message_id: id,
                status: StatusCode::Success,
                payload: Some(payload),
            },
            Err(failure) => failure.into_response(id),
        }
    }

    /// Marks changed attributes for this session's subscriptions.
    pub fn handle_changes(&mut self, changes: &[Change], now: Instant) {
        self.subscriptions
            .handle_changes(changes, &self.caller.zone_id, now);
    }

    /// When [`ServerSession::handle_timeout`] next has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.subscriptions.poll_timeout()
    }

    /// Produces the reports due at `now`.
    pub fn handle_timeout(&mut self, device: &Device, now: Instant) {
        self.subscriptions
            .handle_timeout(device, &self.caller.zone_id, now);
    }

    /// The next notification to send.
    pub fn poll_notification(&mut self) -> Option<Notification> {
        self.subscriptions.poll_notification()
    }
}

fn decode_failure(e: &WireError) -> Failure {
    use alloc::format;
    match e {
        WireError::Cbor(_) | WireError::NonIntegerKey | WireError::NotAMap => {
            Failure::new(StatusCode::InvalidParameter, format!("invalid CBOR: {e}"))
        }
        other => Failure::new(StatusCode::InvalidParameter, format!("{other}")),
    }
}
