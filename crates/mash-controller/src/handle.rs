//! [`DeviceHandle`]: the application's view of one device's operational
//! session — read, write, invoke, subscribe, RemoveZone (INTEROP.md §6, §7).
//!
//! A handle is cheap to clone. Every request waits (within the request
//! timeout) for the connection to be up, then goes to the session task,
//! which correlates the response and enforces the 10 s timeout
//! (INTEROP.md §6.1).

use std::fmt;
use std::time::Duration;

use mash_core::cbor::{Map, Value};
use mash_core::ids::{DeviceId, ZoneId};
use mash_core::interaction::SubscribePayload;
use mash_core::model::features::device_info;
use mash_core::model::{AttributeId, CommandId, EndpointId, FeatureType};
use mash_core::wire::Response;
use mash_core::zone::ZoneType;
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::Error;
use crate::request::{self, Outgoing};
use crate::session::Command;

/// Where a device's operational connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkState {
    /// A connection attempt is under way.
    Connecting,
    /// Connected and version-checked (INTEROP.md §10).
    Connected,
    /// Lost or not reachable; the next attempt follows after `retry_in`.
    Disconnected {
        /// Why the last attempt failed or the connection ended.
        last_error: String,
        /// The back-off before the next attempt.
        retry_in: Duration,
    },
    /// The device speaks another major version; not retried.
    Incompatible {
        /// DeviceInfo.specVersion as read.
        spec_version: String,
    },
    /// The device left the zone (RemoveZone); the session ended.
    Removed,
    /// The session was stopped (controller shut down, device forgotten).
    Stopped,
}

impl LinkState {
    /// Whether the session has ended and will not reconnect.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Incompatible { .. } | Self::Removed | Self::Stopped
        )
    }
}

/// An event of a [`Subscription`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SubscriptionEvent {
    /// A notification: changed attributes, or on a heartbeat all
    /// last-known values (INTEROP.md §6.4).
    Report(Map),
    /// The connection was lost; the subscription is renewed after the
    /// reconnect.
    Interrupted,
    /// Renewed after a reconnect: the new priming report.
    Resubscribed(Map),
}

/// A subscription to one feature of one endpoint. Survives reconnects:
/// the session subscribes again and reports
/// [`SubscriptionEvent::Resubscribed`]. Dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription {
    pub(crate) local: u64,
    pub(crate) priming: Map,
    pub(crate) events: mpsc::UnboundedReceiver<SubscriptionEvent>,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) active: bool,
}

impl Subscription {
    /// The priming report of the first subscribe: the subscribed
    /// attributes' values at that moment (INTEROP.md §6.4).
    pub fn priming(&self) -> &Map {
        &self.priming
    }

    /// The next event; `None` once the subscription has ended (the session
    /// stopped, or the device refused to renew it after a reconnect).
    pub async fn next(&mut self) -> Option<SubscriptionEvent> {
        self.events.recv().await
    }

    /// Ends the subscription on the device (operation 3, feature 0,
    /// INTEROP.md §6.4).
    pub async fn unsubscribe(mut self) -> Result<(), Error> {
        self.active = false;
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Unsubscribe {
                local: self.local,
                reply: Some(tx),
            })
            .await
            .map_err(|_| Error::Shutdown)?;
        rx.await.map_err(|_| Error::Disconnected)?
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.active {
            // Best effort: a full queue or an ended session needs no
            // unsubscribe (the session drops subscriptions whose receiver
            // is gone when their next report arrives).
            let _ = self.commands.try_send(Command::Unsubscribe {
                local: self.local,
                reply: None,
            });
        }
    }
}

/// The application's handle on one device's operational session.
///
/// Cheap to clone. Every request waits (within the request timeout) for
/// the connection to be up, then goes to the session task, which
/// correlates the response and enforces the 10 s timeout
/// (INTEROP.md §6.1). The session reconnects on its own; see
/// [`DeviceHandle::state`].
#[derive(Clone)]
pub struct DeviceHandle {
    pub(crate) device_id: DeviceId,
    pub(crate) zone_id: ZoneId,
    pub(crate) zone_type: ZoneType,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) state: watch::Receiver<LinkState>,
    pub(crate) request_timeout: Duration,
}

impl fmt::Debug for DeviceHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceHandle")
            .field("device_id", &self.device_id)
            .field("zone_id", &self.zone_id)
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

impl DeviceHandle {
    /// The device's ID in this zone.
    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    /// This device's zone ID (derived from its commissioning, INTEROP.md §4).
    pub fn zone_id(&self) -> ZoneId {
        self.zone_id
    }

    /// The controller's own zone type.
    pub fn zone_type(&self) -> ZoneType {
        self.zone_type
    }

    /// The connection state now.
    pub fn state(&self) -> LinkState {
        self.state.borrow().clone()
    }

    /// A receiver that sees every state change.
    pub fn watch_state(&self) -> watch::Receiver<LinkState> {
        self.state.clone()
    }

    /// Waits until the connection is up (and version-checked).
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), Error> {
        let mut state = self.state.clone();
        let waited = tokio::time::timeout(
            timeout,
            state.wait_for(|s| matches!(s, LinkState::Connected) || s.is_final()),
        )
        .await;
        match waited {
            Ok(Ok(s)) => match &*s {
                LinkState::Connected => Ok(()),
                LinkState::Incompatible { spec_version } => Err(Error::IncompatibleVersion {
                    spec_version: spec_version.clone(),
                }),
                LinkState::Removed => Err(Error::DeviceRemoved(self.device_id)),
                _ => Err(Error::Shutdown),
            },
            Ok(Err(_)) => Err(Error::Shutdown),
            Err(_) => Err(Error::NotConnected {
                last_error: match &*self.state.borrow() {
                    LinkState::Disconnected { last_error, .. } => Some(last_error.clone()),
                    _ => None,
                },
            }),
        }
    }

    /// Reads attributes (`{1: [ids]}`, INTEROP.md §6.2); an empty list
    /// reads all. One unknown attribute fails the whole read with
    /// INVALID_ATTRIBUTE.
    pub async fn read(
        &self,
        ep: EndpointId,
        feature: FeatureType,
        attributes: &[AttributeId],
    ) -> Result<Map, Error> {
        self.call_map(request::read(ep, feature, attributes)).await
    }

    /// Reads every readable attribute of a feature.
    pub async fn read_all(&self, ep: EndpointId, feature: FeatureType) -> Result<Map, Error> {
        self.read(ep, feature, &[]).await
    }

    /// Writes attributes (`{attrId: value}`, INTEROP.md §6.3); returns the
    /// values read back. Not atomic on the device: a failure may leave
    /// some attributes written.
    pub async fn write(
        &self,
        ep: EndpointId,
        feature: FeatureType,
        values: Map,
    ) -> Result<Map, Error> {
        self.call_map(request::write(ep, feature, values)).await
    }

    /// Invokes a command with text-keyed parameters (INTEROP.md §6.5) and
    /// returns the text-keyed result.
    pub async fn invoke(
        &self,
        ep: EndpointId,
        feature: FeatureType,
        command: CommandId,
        params: Map,
    ) -> Result<Map, Error> {
        self.call_map(request::invoke(ep, feature, command, params)?)
            .await
    }

    /// Subscribes (INTEROP.md §6.4). The priming report is in
    /// [`Subscription::priming`].
    pub async fn subscribe(
        &self,
        ep: EndpointId,
        feature: FeatureType,
        spec: SubscribePayload,
    ) -> Result<Subscription, Error> {
        let (events_tx, events) = mpsc::unbounded_channel();
        let outgoing = request::subscribe(ep, feature, &spec);
        let (local, priming) = self
            .submit(|reply| Command::Subscribe {
                outgoing: outgoing.clone(),
                events: events_tx.clone(),
                reply,
            })
            .await?;
        Ok(Subscription {
            local,
            priming,
            events,
            commands: self.commands.clone(),
            active: true,
        })
    }

    /// Ends a subscription; see [`Subscription::unsubscribe`].
    pub async fn unsubscribe(&self, subscription: Subscription) -> Result<(), Error> {
        subscription.unsubscribe().await
    }

    /// Leaves the device: DeviceInfo RemoveZone (command 0x10) with this
    /// device's zone ID (INTEROP.md §7). On success the device closes the
    /// connection, the record is deleted and the session ends.
    pub async fn remove_zone(&self) -> Result<(), Error> {
        let mut params = Map::new();
        params.insert("zoneId", self.zone_id.to_string());
        let outgoing = request::invoke(
            0,
            FeatureType::DeviceInfo,
            device_info::cmd::REMOVE_ZONE,
            params,
        )?;
        self.submit(|reply| Command::RemoveZone {
            outgoing: outgoing.clone(),
            reply,
        })
        .await
    }

    /// Sends one request and maps the response to its payload map.
    pub(crate) async fn call_map(&self, outgoing: Outgoing) -> Result<Map, Error> {
        request::into_map(self.call(outgoing).await?)
    }

    async fn call(&self, outgoing: Outgoing) -> Result<Response, Error> {
        self.submit(|reply| Command::Request {
            outgoing: outgoing.clone(),
            reply,
        })
        .await
    }

    /// Hands a command to the session once the connection is up. A
    /// command the session refused unsent (the connection dropped just
    /// then) is handed over again while the request timeout lasts; one
    /// that went out is never repeated, since commands are not idempotent.
    async fn submit<T>(
        &self,
        mut command: impl FnMut(oneshot::Sender<Result<T, Error>>) -> Command,
    ) -> Result<T, Error> {
        let deadline = tokio::time::Instant::now() + self.request_timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            self.wait_connected(left).await?;
            let (tx, rx) = oneshot::channel();
            self.commands
                .send(command(tx))
                .await
                .map_err(|_| Error::Shutdown)?;
            match rx.await.map_err(|_| Error::Disconnected)? {
                Err(Error::NotConnected { .. }) if tokio::time::Instant::now() < deadline => {}
                done => return done,
            }
        }
    }

    /// Asks the session to stop (no reconnect).
    pub(crate) fn stop(&self) {
        if let Err(mpsc::error::TrySendError::Full(cmd)) = self.commands.try_send(Command::Stop) {
            let commands = self.commands.clone();
            tokio::spawn(async move {
                let _ = commands.send(cmd).await;
            });
        }
    }
}

/// Reads a text-keyed boolean result, e.g. `{"success": true}`.
pub(crate) fn result_flag(result: &Map, name: &str) -> Option<bool> {
    result.get_text(name).and_then(Value::as_bool)
}
