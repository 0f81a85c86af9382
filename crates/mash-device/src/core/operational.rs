//! Zone connections: one [`ServerSession`] per connection, certificate
//! renewal in band (INTEROP.md §5.8), and requests the device sends to the
//! controller (bidirectional sessions, INTEROP.md §6).

use std::time::Duration;

use mash_core::commissioning::{CertificateCheck, RenewalEvent, RenewalResponder};
use mash_core::ids::ZoneId;
use mash_core::interaction::{Caller, Inbound, PendingRequests, ServerSession};
use mash_core::model::Device;
use mash_core::time::Instant;
use mash_core::wire::{Message, Request, Response};
use mash_pki::{Certificate, PendingCsr, PkiError};
use tracing::{debug, info, warn};

use super::app::{CoreAction, DeviceApp};
use super::{ConnId, DeviceCore, DeviceEvent, Output, StoreOp};

/// Requests to a controller time out after this (DEC-044).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The answer to a request the device sent to a controller.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientReply {
    /// The caller's token.
    pub token: u64,
    /// The zone asked.
    pub zone_id: ZoneId,
    /// The response, or `None` if it timed out or the connection closed.
    pub response: Option<Response>,
}

/// One zone connection.
pub(super) struct Session {
    pub zone_id: ZoneId,
    pub server: ServerSession,
    renewal: RenewalResponder,
    pending_csr: Option<PendingCsr>,
    /// The identity a renewal produced, until the ack goes out.
    renewed: Option<mash_pki::TlsIdentity>,
    client: PendingRequests<u64>,
}

impl Session {
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.server
            .poll_timeout()
            .into_iter()
            .chain(self.client.poll_timeout())
            .min()
    }

    /// Emits due notifications and expires unanswered client requests.
    pub(super) fn handle_timeout(
        &mut self,
        device: &Device,
        now: Instant,
        conn: ConnId,
        outputs: &mut std::collections::VecDeque<Output>,
    ) {
        self.server.handle_timeout(device, now);
        while let Some(n) = self.server.poll_notification() {
            let mut frame = Vec::with_capacity(64);
            n.encode(&mut frame);
            outputs.push_back(Output::Transmit { conn, frame });
        }
        for (_, token) in self.client.expire(now) {
            outputs.push_back(Output::ClientReply(ClientReply {
                token,
                zone_id: self.zone_id,
                response: None,
            }));
        }
    }
}

impl DeviceCore {
    /// A `mash/1` connection completed TLS; `candidates` are the zones
    /// whose CA issued the client certificate (AKI match). Picks a
    /// disconnected one first, else replaces a stale session of a
    /// connected one (INTEROP.md §3.3). `None`: close the connection.
    pub fn operational_opened(
        &mut self,
        candidates: &[ZoneId],
        now: Instant,
    ) -> Option<(ConnId, ZoneId)> {
        let known = |id: &&ZoneId| self.links.contains_key(*id);
        let zone_id = *candidates
            .iter()
            .filter(known)
            .find(|id| !self.is_connected(id))
            .or_else(|| candidates.iter().find(known))?;
        if let Some(old) = self.links.get(&zone_id).and_then(|l| l.conn) {
            info!(zone = %zone_id, "replacing stale session");
            self.sessions.remove(&old);
            self.outputs.push_back(Output::Close { conn: old });
        }
        let zone_type = self.zones.iter().find(|z| z.id() == Some(zone_id))?.ty();
        let conn = self.allocate_conn();
        let caller = Caller { zone_id, zone_type };
        if zone_type == mash_core::zone::ZoneType::Test && self.simulate {
            info!("TEST zone connected: appliance simulation off");
            self.simulate = false;
        }
        self.sessions.insert(
            conn,
            Session {
                zone_id,
                server: ServerSession::new(caller, self.config.subscriptions),
                renewal: RenewalResponder::new(0),
                pending_csr: None,
                renewed: None,
                client: PendingRequests::new(CLIENT_TIMEOUT),
            },
        );
        let fresh = self.links.get_mut(&zone_id).is_some_and(|link| {
            link.conn = Some(conn);
            std::mem::take(&mut link.fresh)
        });
        self.energy.zone_connected(&mut self.device, &zone_id, now);
        self.refresh_policy();
        self.emit(DeviceEvent::ZoneConnected { zone_id });
        if fresh {
            self.test_mode_reenter(now);
        }
        self.flush_changes(now);
        Some((conn, zone_id))
    }

    /// A zone connection ended (loss, close or removal): failsafe logic
    /// starts at once (failsafe-timing.md §2.1).
    pub fn operational_closed(&mut self, conn: ConnId, now: Instant) {
        let Some(mut session) = self.sessions.remove(&conn) else {
            return;
        };
        let zone_id = session.zone_id;
        for (_, token) in session.client.drain() {
            self.outputs.push_back(Output::ClientReply(ClientReply {
                token,
                zone_id,
                response: None,
            }));
        }
        let current = self.links.get(&zone_id).and_then(|l| l.conn);
        if current == Some(conn) {
            if let Some(link) = self.links.get_mut(&zone_id) {
                link.conn = None;
            }
            self.energy
                .zone_disconnected(&mut self.device, &zone_id, now);
            self.refresh_policy();
            self.emit(DeviceEvent::ZoneDisconnected { zone_id });
            if self.links.values().all(|l| l.conn.is_none()) {
                self.test_mode_reenter(now);
            }
            self.flush_changes(now);
        }
    }

    /// A frame on a zone connection.
    pub fn operational_frame(&mut self, conn: ConnId, payload: &[u8], now: Instant) {
        let Some(mut s) = self.sessions.remove(&conn) else {
            return;
        };
        let mut actions = Vec::new();
        let message = Message::decode(payload);
        match message {
            Ok(Message::Request(req)) => {
                let caller = *s.server.caller();
                let test_state = self.test_state_if(req.feature_id, now);
                let mut app = DeviceApp {
                    energy: &mut self.energy,
                    zones: &self.zones,
                    config: &self.config,
                    actions: &mut actions,
                    unix_now: self.clock.unix_secs(now),
                    test_state,
                };
                let response = s
                    .server
                    .handle_request(&mut self.device, &mut app, req, now);
                self.sessions.insert(conn, s);
                // Subscribers hear of the change before the writer's response
                // leaves (DEC-071) whenever their interval allows it.
                self.flush_changes(now);
                self.queue_response(conn, &response);
                for action in actions {
                    self.perform(action, &caller, now);
                }
                return;
            }
            Ok(Message::Renewal(_)) => self.renew(&mut s, conn, payload, now),
            Ok(Message::Response(r)) => {
                if let Some(token) = s.client.complete(r.message_id) {
                    self.outputs.push_back(Output::ClientReply(ClientReply {
                        token,
                        zone_id: s.zone_id,
                        response: Some(r),
                    }));
                }
            }
            // Ping/pong/close are the connection driver's; stray
            // notifications are not ours to take.
            Ok(Message::Control(_) | Message::Notification(_)) => {}
            Err(_) => {
                let mut app = DeviceApp {
                    energy: &mut self.energy,
                    zones: &self.zones,
                    config: &self.config,
                    actions: &mut actions,
                    unix_now: 0,
                    test_state: None,
                };
                if let Inbound::Respond(r) =
                    s.server
                        .handle_frame(&mut self.device, &mut app, payload, now)
                {
                    self.queue_response(conn, &r);
                }
            }
        }
        self.sessions.insert(conn, s);
    }

    fn queue_response(&mut self, conn: ConnId, response: &Response) {
        if !response.status.is_success() {
            debug!(
                conn,
                message_id = response.message_id,
                status = %response.status,
                text = response.error_text().unwrap_or(""),
                "request refused"
            );
        }
        let mut frame = Vec::with_capacity(128);
        response.encode(&mut frame);
        self.outputs.push_back(Output::Transmit { conn, frame });
    }

    /// In-band certificate renewal on the device side (INTEROP.md §5.8).
    fn renew(&mut self, s: &mut Session, conn: ConnId, payload: &[u8], _now: Instant) {
        if let Err(e) = s.renewal.handle_message(payload) {
            debug!(conn, error = %e, "renewal message refused");
        }
        while let Some(event) = s.renewal.poll_event() {
            let result = match event {
                RenewalEvent::GenerateCsr => {
                    let device_id = self
                        .zones
                        .iter()
                        .find(|z| z.id() == Some(s.zone_id))
                        .and_then(|z| z.device());
                    match device_id.map(|id| {
                        PendingCsr::renewal(self.config.vendor_id, self.config.product_id, id)
                    }) {
                        Some(Ok(pending)) => {
                            let csr = pending.csr_der().to_vec();
                            s.pending_csr = Some(pending);
                            s.renewal.handle_csr(csr)
                        }
                        _ => s.renewal.handle_csr_failed(),
                    }
                }
                RenewalEvent::CheckCertificate {
                    certificate_der, ..
                } => {
                    let check = match (Certificate::from_der(certificate_der), s.pending_csr.take())
                    {
                        (Ok(cert), Some(pending)) => match pending.install(cert) {
                            Ok(identity) => {
                                s.renewed = Some(identity);
                                CertificateCheck::KeyMatches
                            }
                            Err(PkiError::KeyMismatch) => CertificateCheck::KeyMismatch,
                            Err(_) => CertificateCheck::Unparseable,
                        },
                        (Ok(_), None) => CertificateCheck::KeyMismatch,
                        (Err(_), _) => CertificateCheck::Unparseable,
                    };
                    s.renewal.handle_certificate_check(check)
                }
                RenewalEvent::Renewed { sequence, .. } => {
                    if let Some(identity) = s.renewed.take() {
                        self.install_renewed(&s.zone_id, identity, sequence);
                    }
                    Ok(())
                }
                other => {
                    debug!(?other, "unhandled renewal event");
                    Ok(())
                }
            };
            if let Err(e) = result {
                warn!(conn, error = %e, "renewal step failed");
            }
        }
        while let Some(frame) = s.renewal.poll_transmit() {
            self.outputs.push_back(Output::Transmit { conn, frame });
        }
    }

    fn install_renewed(
        &mut self,
        zone_id: &ZoneId,
        identity: mash_pki::TlsIdentity,
        sequence: u32,
    ) {
        let Some(record) = self
            .zones
            .iter_mut()
            .find(|z| z.id().as_ref() == Some(zone_id))
        else {
            return;
        };
        record.cert_der = identity.cert_der().to_vec();
        record.key_der = identity.key_pkcs8_der();
        record.sequence = sequence;
        info!(zone = %zone_id, sequence, "operational certificate renewed");
        let record = record.clone();
        self.outputs
            .push_back(Output::Store(StoreOp::SaveZone(record)));
        self.outputs.push_back(Output::TlsChanged);
    }

    /// Sends `request` (its message ID is assigned here) to a zone's
    /// controller — the device as client; the answer comes back as
    /// [`Output::ClientReply`] with `token`. False if the zone is not
    /// connected.
    pub fn request_controller(
        &mut self,
        zone_id: &ZoneId,
        mut request: Request,
        token: u64,
        now: Instant,
    ) -> bool {
        let Some(conn) = self.links.get(zone_id).and_then(|l| l.conn) else {
            return false;
        };
        let Some(s) = self.sessions.get_mut(&conn) else {
            return false;
        };
        request.message_id = s.client.insert(now, token);
        let mut frame = Vec::new();
        request.encode(&mut frame);
        self.outputs.push_back(Output::Transmit { conn, frame });
        true
    }

    /// Performs what a command asked for after its response was queued
    /// (INTEROP.md §8: RemoveZone answers first, then removes and closes).
    fn perform(&mut self, action: CoreAction, caller: &Caller, now: Instant) {
        match action {
            CoreAction::RemoveZone(zone_id) => {
                info!(zone = %zone_id, by = %caller.zone_id, "RemoveZone");
                self.remove_zone(&zone_id, now);
            }
            CoreAction::Test(action) => self.perform_test_action(action, now),
        }
    }

    /// Builds the getTestState snapshot only for TestControl requests.
    fn test_state_if(
        &self,
        feature_id: u8,
        now: Instant,
    ) -> Option<crate::test_control::TestState> {
        (feature_id == mash_core::model::FeatureType::TestControl.value())
            .then(|| self.test_state(now))
    }

    /// Drops every subscription of every session (ResetTestState).
    pub(super) fn clear_all_subscriptions(&mut self) {
        for s in self.sessions.values_mut() {
            s.server.clear_subscriptions();
        }
    }

    /// Read-only view of a text-keyed result, for tests.
    #[doc(hidden)]
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }
}
