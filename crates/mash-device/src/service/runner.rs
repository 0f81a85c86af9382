//! The device task: owns the [`DeviceCore`], feeds it connection events,
//! commands and timer expiries, and carries out its outputs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mash_core::time::Instant;
use mash_core::wire::Response;
use mash_transport::{ClockOffset, Identity, ListenerHandle, SharedPolicy};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tracing::{debug, info, warn};

use super::handle::{Command, Snapshot, ZoneSummary};
use super::links::{FromConn, ToConn};
use super::{mdns, tls};
use crate::core::{ConnId, DeviceCore, DeviceEvent, Output, StoreOp};
use crate::persist::DeviceStore;

pub(super) struct Runner {
    pub(super) core: DeviceCore,
    pub(super) start: tokio::time::Instant,
    pub(super) store: DeviceStore,
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) links: mpsc::Receiver<FromConn>,
    pub(super) writers: HashMap<ConnId, mpsc::UnboundedSender<ToConn>>,
    pub(super) requests: HashMap<u64, oneshot::Sender<Option<Response>>>,
    pub(super) next_token: u64,
    pub(super) snapshot: watch::Sender<Snapshot>,
    pub(super) events: broadcast::Sender<DeviceEvent>,
    pub(super) commissioning_identity: Identity,
    pub(super) clock_offset: ClockOffset,
    pub(super) policy: Option<Arc<SharedPolicy>>,
    pub(super) listener: Option<ListenerHandle>,
    pub(super) mdns: Option<mdns::Mdns>,
    pub(super) keep_alive: mash_transport::KeepAliveConfig,
}

impl Runner {
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn deadline(&self) -> Option<tokio::time::Instant> {
        self.core
            .poll_timeout()
            .map(|t| self.start + Duration::from_millis(t.as_millis()))
    }

    pub(super) async fn run(mut self) {
        loop {
            self.drain();
            let deadline = self.deadline();
            tokio::select! {
                Some(msg) = self.links.recv() => self.on_link(msg),
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Shutdown(done)) => {
                        self.shutdown().await;
                        let _ = done.send(());
                        return;
                    }
                    Some(cmd) => self.on_command(cmd),
                    None => {
                        self.shutdown().await;
                        return;
                    }
                },
                () = sleep_until(deadline) => {
                    let now = self.now();
                    self.core.handle_timeout(now);
                }
            }
        }
    }

    fn on_link(&mut self, msg: FromConn) {
        let now = self.now();
        match msg {
            FromConn::CommissioningOpened { reply, tx } => {
                // The TLS policy already refuses `mash-comm/1` while the window
                // is closed; attached (simulated) connections are checked here.
                if !self.core.window_open() {
                    debug!("commissioning connection refused: window closed");
                    return;
                }
                let conn = self.core.commissioning_opened(now);
                self.writers.insert(conn, tx);
                let _ = reply.send(conn);
            }
            FromConn::OperationalOpened { zones, reply, tx } => {
                let opened = self
                    .core
                    .operational_opened(&zones, now)
                    .map(|(conn, _)| conn);
                if let Some(conn) = opened {
                    self.writers.insert(conn, tx);
                }
                let _ = reply.send(opened);
            }
            FromConn::Frame {
                conn,
                commissioning: true,
                payload,
            } => self.core.commissioning_frame(conn, &payload, now),
            FromConn::Frame {
                conn,
                commissioning: false,
                payload,
            } => self.core.operational_frame(conn, &payload, now),
            FromConn::Closed {
                conn,
                commissioning,
                reason,
            } => {
                debug!(conn, %reason, "connection closed");
                self.writers.remove(&conn);
                if commissioning {
                    self.core.commissioning_closed(conn, now);
                } else {
                    self.core.operational_closed(conn, now);
                }
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        let now = self.now();
        match cmd {
            Command::OpenWindow(d) => self.core.open_window(now, d),
            Command::CloseWindow => self.core.close_window(),
            Command::RemoveZone(z) => self.core.remove_zone(&z, now),
            Command::PairingRequest => {
                self.core.pairing_request(now);
            }
            Command::Request {
                zone,
                operation,
                endpoint,
                feature,
                payload,
                reply,
            } => {
                let token = self.next_token;
                self.next_token += 1;
                let request = mash_core::wire::Request {
                    message_id: 0,
                    operation,
                    endpoint_id: endpoint,
                    feature_id: feature,
                    payload,
                };
                if self.core.request_controller(&zone, request, token, now) {
                    self.requests.insert(token, reply);
                } else {
                    let _ = reply.send(None);
                }
            }
            Command::Inspect(f) => f(&self.core),
            Command::Shutdown(_) => {}
        }
    }

    fn drain(&mut self) {
        let mut snapshot_dirty = false;
        while let Some(out) = self.core.poll_output() {
            match out {
                Output::Transmit { conn, frame } => {
                    if let Some(w) = self.writers.get(&conn) {
                        let _ = w.send(ToConn::Frame(frame));
                    }
                }
                Output::Close { conn } => {
                    if let Some(w) = self.writers.get(&conn) {
                        let _ = w.send(ToConn::Close);
                    }
                }
                Output::Store(op) => self.store(op),
                Output::TlsChanged => {
                    if let Some(policy) = &self.policy {
                        tls::apply(
                            policy,
                            &self.core.tls_material(),
                            &self.commissioning_identity,
                            &self.clock_offset,
                        );
                    }
                    snapshot_dirty = true;
                }
                Output::DiscoveryChanged => {
                    if let Some(mdns) = &mut self.mdns {
                        mdns.update(&self.core);
                    }
                    snapshot_dirty = true;
                }
                Output::ClockOffset(s) => self.clock_offset.set(s),
                Output::AbortPreOperational => {
                    if let Some(l) = &self.listener {
                        l.abort_pre_operational();
                    }
                }
                Output::ClientReply(r) => {
                    if let Some(tx) = self.requests.remove(&r.token) {
                        let _ = tx.send(r.response);
                    }
                }
                Output::Event(e) => {
                    info!(event = ?e, "device event");
                    if matches!(
                        e,
                        DeviceEvent::ZoneConnected { .. } | DeviceEvent::ZoneDisconnected { .. }
                    ) {
                        snapshot_dirty = true;
                    }
                    let _ = self.events.send(e);
                }
            }
        }
        if snapshot_dirty {
            self.snapshot.send_replace(snapshot(&self.core));
        }
    }

    fn store(&self, op: StoreOp) {
        let result = match &op {
            StoreOp::SaveZone(z) => self.store.save_zone(z),
            StoreOp::ForgetZone(id) => self.store.forget_zone(id),
            StoreOp::SaveSettings(s) => self.store.save_settings(s),
        };
        if let Err(e) = result {
            warn!(error = %e, "could not persist state");
        }
    }

    async fn shutdown(&mut self) {
        let now = self.now();
        if let Err(e) = self.store.save_settings(&self.core.settings_snapshot(now)) {
            warn!(error = %e, "could not persist failsafe state");
        }
        for w in self.writers.values() {
            let _ = w.send(ToConn::Close);
        }
        if let Some(l) = &self.listener {
            l.shutdown();
        }
        if let Some(mdns) = self.mdns.take() {
            mdns.shutdown().await;
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

pub(super) fn snapshot(core: &DeviceCore) -> Snapshot {
    let d = core.discovery_state();
    Snapshot {
        zones: core
            .zones()
            .iter()
            .filter_map(|z| {
                let zone_id = z.id()?;
                Some(ZoneSummary {
                    zone_id,
                    zone_type: z.ty(),
                    device_id: z.device_id.clone(),
                    zone_ca_der: z.zone_ca_der.clone(),
                    connected: core.is_connected(&zone_id),
                })
            })
            .collect(),
        window_open: core.window_open(),
        commissionable: d.commissionable,
    }
}
