//! One live operational connection of a session.
//!
//! The session task owns everything here, so nothing is locked: each turn
//! of the loop takes one input — a frame from the device, a command from a
//! handle, a change of the controller's model, or the earliest timer — and
//! acts on it, in the sans-I/O manner of mash-core (STYLE.md: read,
//! handle, drain transmits, re-arm the timer).
//!
//! Order after connecting (INTEROP.md §10): read DeviceInfo.specVersion;
//! a different major ends the session; otherwise the link is ready,
//! earlier subscriptions are renewed, and the device certificate is
//! checked for renewal (then every `renewal_check_interval`).

use std::future::pending;
use std::sync::Arc;

use mash_core::interaction::{Caller, Inbound, PendingRequests, ServerSession, SubscriptionLimits};
use mash_core::model::features::device_info;
use mash_core::model::{Change, FeatureType};
use mash_core::time::Instant;
use mash_core::wire::{Message, Response};
use mash_pki::{Certificate, UnixTime};
use mash_transport::{Connection, ConnectionConfig};
use tokio::sync::broadcast;
use tracing::{debug, info, warn};

use super::command::{Command, Waiter};
use super::renewal::{self, Renewal, Step};
use super::subscriptions::Route;
use super::{Outcome, Session};
use crate::dialer::{Dialed, Dialer};
use crate::error::Error;
use crate::handle::LinkState;
use crate::registry::DeviceRecord;
use crate::request::{self, Outgoing, usable_message_id};

/// State of one connection.
struct Link {
    conn: Connection,
    pending: PendingRequests<Waiter>,
    server: ServerSession,
    changes: broadcast::Receiver<Arc<Vec<Change>>>,
    /// Version checked: requests from handles may go out.
    ready: bool,
    renewal: Option<Renewal>,
    next_renewal_check: Option<tokio::time::Instant>,
    cert_not_after: UnixTime,
    cert_sequence: u32,
}

/// One input of the loop.
enum Event {
    Frame(Option<Vec<u8>>),
    Command(Option<Command>),
    Changes(Result<Arc<Vec<Change>>, broadcast::error::RecvError>),
    Timer,
    Shutdown,
}

impl<D: Dialer> Session<D> {
    /// Runs a freshly dialled connection until it ends.
    pub(super) async fn connected(
        &mut self,
        dialed: Dialed<D::Io>,
        cert: Option<Certificate>,
        record: &DeviceRecord,
    ) -> Outcome {
        let config = &self.inner.config;
        let conn = Connection::new(
            dialed.stream,
            ConnectionConfig {
                keep_alive: config.keep_alive,
                ..ConnectionConfig::default()
            },
        );
        info!(device_id = %self.device_id, remote = ?dialed.remote, "connected");
        let mut link = Link {
            conn,
            pending: PendingRequests::new(config.request_timeout),
            server: ServerSession::new(
                Caller {
                    zone_id: record.zone_id,
                    zone_type: config.zone_type,
                },
                SubscriptionLimits::default(),
            ),
            changes: self.inner.model.changes(),
            ready: false,
            renewal: None,
            next_renewal_check: None,
            cert_not_after: cert.map_or(record.cert_not_after, |c| c.not_after()),
            cert_sequence: record.cert_sequence,
        };
        let version = request::read(
            0,
            FeatureType::DeviceInfo,
            &[device_info::attr::SPEC_VERSION],
        );
        self.send(&mut link, version, Waiter::VersionCheck).await;
        let outcome = self.drive(&mut link).await;
        for (_, waiter) in link.pending.drain() {
            if let Waiter::Subscribe {
                local,
                reply: Some(_),
            } = &waiter
            {
                // The caller learns of the failure; nothing to renew.
                self.desired.remove(*local);
            }
            waiter.fail(|| Error::Disconnected);
        }
        self.desired.interrupt();
        if !matches!(outcome, Outcome::Retry(_)) {
            let reason = link.conn.close().await;
            debug!(device_id = %self.device_id, %reason, "connection closed");
        }
        outcome
    }

    async fn drive(&mut self, link: &mut Link) -> Outcome {
        let mut shutdown = self.shutdown.clone();
        loop {
            let deadline = self.next_deadline(link);
            let timer = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => pending().await,
                }
            };
            let event = tokio::select! {
                frame = link.conn.recv() => Event::Frame(frame),
                cmd = self.commands.recv() => Event::Command(cmd),
                changes = link.changes.recv() => Event::Changes(changes),
                () = timer => Event::Timer,
                _ = shutdown.wait_for(|down| *down) => Event::Shutdown,
            };
            let outcome = match event {
                Event::Frame(Some(frame)) => self.on_frame(link, &frame).await,
                Event::Frame(None) => Some(Outcome::Retry(
                    link.conn
                        .close_reason()
                        .map_or_else(|| "connection closed".into(), |r| r.to_string()),
                )),
                Event::Command(None | Some(Command::Stop)) | Event::Shutdown => {
                    Some(Outcome::Stopped)
                }
                Event::Command(Some(cmd)) => {
                    self.on_command(link, cmd).await;
                    None
                }
                Event::Changes(Ok(changes)) => {
                    link.server.handle_changes(&changes, self.inner.mono.now());
                    None
                }
                Event::Changes(Err(e)) => {
                    debug!(error = %e, "controller model change notices lost");
                    None
                }
                Event::Timer => self.on_timer(link).await,
            };
            if let Some(outcome) = outcome {
                return outcome;
            }
        }
    }

    fn next_deadline(&self, link: &Link) -> Option<tokio::time::Instant> {
        let mono = &self.inner.mono;
        [
            link.pending.poll_timeout(),
            link.server.poll_timeout(),
            link.renewal.as_ref().and_then(Renewal::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .map(|t| mono.to_tokio(t))
        .chain(link.next_renewal_check)
        .min()
    }

    /// Sends a request with a fresh message ID; a failed send fails the
    /// waiter at once.
    async fn send(&self, link: &mut Link, outgoing: Outgoing, waiter: Waiter) {
        let now = self.inner.mono.now();
        let mut waiter = waiter;
        let id = loop {
            let id = link.pending.insert(now, waiter);
            if usable_message_id(id) {
                break id;
            }
            match link.pending.complete(id) {
                Some(w) => waiter = w,
                // Just inserted, so always there.
                None => return,
            }
        };
        if let Err(e) = link.conn.send(outgoing.encode(id)).await {
            debug!(error = %e, "send failed");
            if let Some(w) = link.pending.complete(id) {
                w.fail(|| Error::Disconnected);
            }
        }
    }

    async fn send_frame(link: &Link, frame: Vec<u8>) {
        if let Err(e) = link.conn.send(frame).await {
            debug!(error = %e, "send failed");
        }
    }

    async fn on_frame(&mut self, link: &mut Link, frame: &[u8]) -> Option<Outcome> {
        let now = self.inner.mono.now();
        // Requests from the device (and undecodable frames, answered with
        // message ID 0 as the reference does) go to the controller model.
        match self.inner.model.handle_frame(&mut link.server, frame, now) {
            Inbound::Respond(response) => {
                let mut buf = Vec::new();
                response.encode(&mut buf);
                Self::send_frame(link, buf).await;
                None
            }
            Inbound::Nothing => None,
            Inbound::Other(Message::Response(r)) => self.on_response(link, r).await,
            Inbound::Other(Message::Notification(n)) => {
                match self.desired.route(n.subscription_id, n.changes) {
                    Route::Delivered => {}
                    Route::Unknown => {
                        debug!(id = n.subscription_id, "notification for no subscription")
                    }
                    Route::Gone(id) => {
                        self.send(link, request::unsubscribe(id), Waiter::Unsubscribe(None))
                            .await;
                    }
                }
                None
            }
            Inbound::Other(Message::Renewal(_)) => {
                self.on_renewal_frame(link, frame).await;
                None
            }
            // Control frames are the transport's; requests were answered.
            Inbound::Other(_) => None,
        }
    }

    async fn on_response(&mut self, link: &mut Link, response: Response) -> Option<Outcome> {
        if response.message_id == 0 {
            warn!(
                device_id = %self.device_id,
                status = %response.status,
                text = response.error_text().unwrap_or_default(),
                "device could not decode a request"
            );
            return None;
        }
        let Some(waiter) = link.pending.complete(response.message_id) else {
            debug!(id = response.message_id, "response to no pending request");
            return None;
        };
        match waiter {
            Waiter::Caller(tx) => {
                let _ = tx.send(Ok(response));
            }
            Waiter::Subscribe { local, reply } => {
                self.on_subscribed(link, local, reply, response).await;
            }
            Waiter::Unsubscribe(reply) => {
                let result = request::into_map(response).map(drop);
                if let Some(tx) = reply {
                    let _ = tx.send(result);
                }
            }
            Waiter::VersionCheck => {
                if let Some(spec_version) = incompatible_version(response) {
                    return Some(Outcome::Incompatible(spec_version));
                }
                self.on_ready(link).await;
            }
            Waiter::RemoveZone(tx) => match request::into_map(response) {
                Ok(_) => {
                    info!(device_id = %self.device_id, "left the device (RemoveZone)");
                    self.inner.removed(&self.device_id);
                    let _ = tx.send(Ok(()));
                    return Some(Outcome::Removed);
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            },
        }
        None
    }

    async fn on_subscribed(
        &mut self,
        link: &mut Link,
        local: u64,
        reply: Option<tokio::sync::oneshot::Sender<Result<(u64, mash_core::cbor::Map), Error>>>,
        response: Response,
    ) {
        match request::into_map(response).and_then(request::subscribed) {
            Ok((id, priming)) => {
                let wanted = self.desired.contains(local);
                let delivered = wanted
                    && match reply {
                        Some(tx) => tx.send(Ok((local, priming))).is_ok(),
                        None => self.desired.resubscribed(local, priming),
                    };
                if delivered {
                    self.desired.bind(local, id);
                } else {
                    // Unsubscribed or dropped while the request was out.
                    self.desired.remove(local);
                    self.send(link, request::unsubscribe(id), Waiter::Unsubscribe(None))
                        .await;
                }
            }
            Err(e) => {
                self.desired.remove(local);
                match reply {
                    Some(tx) => {
                        let _ = tx.send(Err(e));
                    }
                    None => {
                        warn!(device_id = %self.device_id, error = %e, "could not renew a subscription")
                    }
                }
            }
        }
    }

    /// Version checked: open for requests, renew subscriptions, check the
    /// device certificate.
    async fn on_ready(&mut self, link: &mut Link) {
        link.ready = true;
        self.backoff.reset();
        self.state.send_replace(LinkState::Connected);
        for (local, outgoing) in self.desired.to_renew() {
            self.send(link, outgoing, Waiter::Subscribe { local, reply: None })
                .await;
        }
        link.next_renewal_check = Some(tokio::time::Instant::now());
    }

    async fn on_command(&mut self, link: &mut Link, cmd: Command) {
        match cmd {
            cmd if !link.ready && !matches!(cmd, Command::Unsubscribe { .. }) => {
                cmd.refuse(|| Error::NotConnected { last_error: None });
            }
            Command::Request { outgoing, reply } => {
                self.send(link, outgoing, Waiter::Caller(reply)).await;
            }
            Command::Subscribe {
                outgoing,
                events,
                reply,
            } => {
                let local = self.desired.add(outgoing.clone(), events);
                let waiter = Waiter::Subscribe {
                    local,
                    reply: Some(reply),
                };
                self.send(link, outgoing, waiter).await;
            }
            Command::Unsubscribe { local, reply } => match self.desired.remove(local) {
                Some(id) => {
                    self.send(link, request::unsubscribe(id), Waiter::Unsubscribe(reply))
                        .await;
                }
                None => {
                    if let Some(tx) = reply {
                        let _ = tx.send(Ok(()));
                    }
                }
            },
            Command::RemoveZone { outgoing, reply } => {
                self.send(link, outgoing, Waiter::RemoveZone(reply)).await;
            }
            // Handled by the loop.
            Command::Stop => {}
        }
    }

    async fn on_timer(&mut self, link: &mut Link) -> Option<Outcome> {
        let now = self.inner.mono.now();
        for (_, waiter) in link.pending.expire(now) {
            match waiter {
                // INTEROP.md §10: a failed read counts as compatible.
                Waiter::VersionCheck => self.on_ready(link).await,
                Waiter::Subscribe { local, reply } => {
                    self.desired.remove(local);
                    if let Some(tx) = reply {
                        let _ = tx.send(Err(Error::Timeout));
                    }
                }
                other => other.fail(|| Error::Timeout),
            }
        }
        if link.server.poll_timeout().is_some_and(|t| t <= now) {
            for n in self.inner.model.notifications(&mut link.server, now) {
                let mut buf = Vec::new();
                n.encode(&mut buf);
                Self::send_frame(link, buf).await;
            }
        }
        self.renewal_timeout(link, now);
        if link
            .next_renewal_check
            .is_some_and(|t| t <= tokio::time::Instant::now())
        {
            link.next_renewal_check =
                Some(tokio::time::Instant::now() + self.inner.config.renewal_check_interval);
            self.maybe_renew(link).await;
        }
        None
    }

    fn renewal_timeout(&self, link: &mut Link, now: Instant) {
        let Some(r) = link.renewal.as_mut() else {
            return;
        };
        if r.poll_timeout().is_some_and(|t| t <= now) {
            if let Step::Failed(e) = r.handle_timeout(now) {
                warn!(device_id = %self.device_id, error = %e, "certificate renewal timed out");
                link.renewal = None;
            }
        }
    }

    /// Starts a renewal when the device certificate is within 7 days of
    /// expiry (INTEROP.md §5.8, DEC-077).
    async fn maybe_renew(&self, link: &mut Link) {
        if link.renewal.is_some() || !renewal::due(link.cert_not_after, self.inner.now()) {
            return;
        }
        info!(device_id = %self.device_id, not_after = %link.cert_not_after, "renewing device certificate");
        let sequence = link.cert_sequence.wrapping_add(1).max(1);
        let mut r = Renewal::start(self.inner.mono.now(), sequence);
        while let Some(frame) = r.poll_transmit() {
            Self::send_frame(link, frame).await;
        }
        link.renewal = Some(r);
    }

    async fn on_renewal_frame(&self, link: &mut Link, frame: &[u8]) {
        let Some(r) = link.renewal.as_mut() else {
            debug!(device_id = %self.device_id, "renewal frame without a renewal");
            return;
        };
        let (inner, device_id) = (&self.inner, self.device_id);
        let step = r.handle_message(inner.mono.now(), frame, |csr| {
            inner.sign_renewal(csr, device_id)
        });
        let frames: Vec<Vec<u8>> = std::iter::from_fn(|| r.poll_transmit()).collect();
        for f in frames {
            Self::send_frame(link, f).await;
        }
        match step {
            Step::Pending => {}
            Step::Done {
                not_after,
                sequence,
            } => {
                info!(%device_id, %not_after, sequence, "device certificate renewed");
                link.renewal = None;
                link.cert_not_after = not_after;
                link.cert_sequence = sequence;
                if let Err(e) = inner.renewed(&device_id, not_after, sequence) {
                    warn!(%device_id, error = %e, "could not record the renewal");
                }
            }
            Step::Failed(e) => {
                warn!(%device_id, error = %e, "certificate renewal failed");
                link.renewal = None;
            }
        }
    }
}

/// INTEROP.md §10: `Some(specVersion)` when the device's major version is
/// not 1. An error, an empty or absent value, or an unparsable one counts
/// as compatible, as for the reference controller.
fn incompatible_version(response: Response) -> Option<String> {
    let map = request::into_map(response).ok()?;
    let text = map
        .get(device_info::attr::SPEC_VERSION)
        .and_then(mash_core::cbor::Value::as_str)?;
    let major: u16 = text.split_once('.').map_or(text, |(m, _)| m).parse().ok()?;
    (major != 1).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use mash_core::cbor::{Map, Value};
    use mash_core::wire::StatusCode;

    use super::*;

    fn version(v: Option<&str>) -> Response {
        let mut m = Map::new();
        if let Some(v) = v {
            m.insert(device_info::attr::SPEC_VERSION, v);
        }
        Response {
            message_id: 4,
            status: StatusCode::Success,
            payload: Some(Value::Map(m)),
        }
    }

    #[test]
    fn only_another_major_is_incompatible() {
        assert_eq!(incompatible_version(version(Some("1.0"))), None);
        assert_eq!(incompatible_version(version(Some("1.7"))), None);
        assert_eq!(incompatible_version(version(Some(""))), None);
        assert_eq!(incompatible_version(version(None)), None);
        assert_eq!(incompatible_version(version(Some("x.y"))), None);
        assert_eq!(
            incompatible_version(version(Some("2.0"))),
            Some("2.0".into())
        );
        let failed = Response::error(4, StatusCode::InvalidAttribute, "nope");
        assert_eq!(incompatible_version(failed), None);
    }
}
