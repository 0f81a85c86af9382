//! [`DeviceHandle`]: controlling a running device from other tasks.

use std::net::SocketAddr;
use std::time::Duration;

use mash_core::ids::ZoneId;
use mash_core::wire::{Operation, Response};
use mash_core::zone::ZoneType;
use mash_transport::{Connection, FramedStream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::links::{self, FromConn};
use crate::core::{DeviceCore, DeviceEvent};

/// A zone as observers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSummary {
    /// Zone ID.
    pub zone_id: ZoneId,
    /// Zone type.
    pub zone_type: ZoneType,
    /// The device's ID in the zone.
    pub device_id: String,
    /// The Zone CA (DER), for transports that check client certificates.
    pub zone_ca_der: Vec<u8>,
    /// Whether its controller is connected.
    pub connected: bool,
}

/// The device's externally visible state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Zones.
    pub zones: Vec<ZoneSummary>,
    /// Commissioning window open.
    pub window_open: bool,
    /// Advertised as commissionable (window open and a slot free).
    pub commissionable: bool,
}

pub(super) type Inspect = Box<dyn FnOnce(&DeviceCore) + Send>;

pub(super) enum Command {
    OpenWindow(Option<Duration>),
    CloseWindow,
    RemoveZone(ZoneId),
    PairingRequest,
    Request {
        zone: ZoneId,
        operation: Operation,
        endpoint: u8,
        feature: u8,
        payload: Option<mash_core::cbor::Value>,
        reply: oneshot::Sender<Option<Response>>,
    },
    Inspect(Inspect),
    Shutdown(oneshot::Sender<()>),
}

/// Controls a running device. Cheap to clone.
#[derive(Clone)]
pub struct DeviceHandle {
    pub(super) commands: mpsc::Sender<Command>,
    pub(super) links: mpsc::Sender<FromConn>,
    pub(super) snapshot: watch::Receiver<Snapshot>,
    pub(super) events: broadcast::Sender<DeviceEvent>,
    pub(super) local_addr: Option<SocketAddr>,
}

impl std::fmt::Debug for DeviceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceHandle")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl DeviceHandle {
    /// The listening address (real network only).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The current state.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.borrow().clone()
    }

    /// Waits until `f` holds for the state (or the device stops).
    pub async fn wait_for(&self, mut f: impl FnMut(&Snapshot) -> bool) -> Snapshot {
        let mut rx = self.snapshot.clone();
        loop {
            {
                let s = rx.borrow_and_update();
                if f(&s) {
                    return s.clone();
                }
            }
            if rx.changed().await.is_err() {
                return rx.borrow().clone();
            }
        }
    }

    /// Device events (zone added, connected, lost...).
    pub fn events(&self) -> broadcast::Receiver<DeviceEvent> {
        self.events.subscribe()
    }

    /// Opens the commissioning window (the "button"); `None` uses the
    /// configured length.
    pub async fn open_window(&self, duration: Option<Duration>) {
        let _ = self.commands.send(Command::OpenWindow(duration)).await;
        self.sync().await;
    }

    /// Closes the commissioning window.
    pub async fn close_window(&self) {
        let _ = self.commands.send(Command::CloseWindow).await;
        self.sync().await;
    }

    /// Removes a zone locally (e.g. from a local UI).
    pub async fn remove_zone(&self, zone: ZoneId) {
        let _ = self.commands.send(Command::RemoveZone(zone)).await;
        self.sync().await;
    }

    /// A pairing request for this device arrived.
    pub async fn pairing_request(&self) {
        let _ = self.commands.send(Command::PairingRequest).await;
        self.sync().await;
    }

    /// Sends a request to a zone's controller (bidirectional sessions);
    /// `None` on timeout or when the zone is not connected.
    pub async fn request_controller(
        &self,
        zone: ZoneId,
        operation: Operation,
        endpoint: u8,
        feature: u8,
        payload: Option<mash_core::cbor::Value>,
    ) -> Option<Response> {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Request {
            zone,
            operation,
            endpoint,
            feature,
            payload,
            reply,
        };
        self.commands.send(cmd).await.ok()?;
        rx.await.ok().flatten()
    }

    /// Returns once the device task has handled everything sent before.
    async fn sync(&self) {
        let _ = self.inspect(|_| ()).await;
    }

    /// Runs `f` on the core and returns its result (inspection, tests).
    pub async fn inspect<R: Send + 'static>(
        &self,
        f: impl FnOnce(&DeviceCore) -> R + Send + 'static,
    ) -> Option<R> {
        let (tx, rx) = oneshot::channel();
        let cmd = Command::Inspect(Box::new(move |core| {
            let _ = tx.send(f(core));
        }));
        self.commands.send(cmd).await.ok()?;
        rx.await.ok()
    }

    /// Hands the device a commissioning connection (simulated networks;
    /// the real listener does this itself).
    pub fn attach_commissioning<S>(&self, stream: FramedStream<S>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        tokio::spawn(links::commissioning(stream, (), self.links.clone()));
    }

    /// Hands the device a zone connection whose certificate matched
    /// `zones` (simulated networks).
    pub fn attach_operational(&self, connection: Connection, zones: Vec<ZoneId>) {
        tokio::spawn(links::operational(connection, zones, self.links.clone()));
    }

    /// Stops the device: the failsafe timer is saved, connections close,
    /// mDNS says goodbye.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}
