//! Commissioning connections: PASE and the certificate exchange
//! (INTEROP.md §5.2), one [`DeviceHandshake`] each, with the certificate
//! work done through mash-pki.

use mash_core::commissioning::{
    CertificateVerified, Commissioned, DeviceEvent as HsEvent, DeviceHandshake,
};
use mash_core::time::Instant;
use mash_core::zone::ZoneType;
use mash_pki::{Certificate, LeafPolicy, PendingCsr, TlsIdentity, UnixTime, verify_leaf};
use tracing::{debug, info, warn};

use super::{ConnId, DeviceCore, DeviceEvent, Output, StoreOp, ZoneLink};
use crate::persist::ZoneRecord;

/// One commissioning connection.
pub(super) struct Handshake {
    hs: DeviceHandshake,
    /// The key generated for the CSR, waiting for its certificate.
    pending: Option<PendingCsr>,
    /// The identity made from the installed certificate.
    installed: Option<TlsIdentity>,
}

impl Handshake {
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.hs.poll_timeout()
    }
}

impl DeviceCore {
    pub(super) fn allocate_conn(&mut self) -> ConnId {
        let id = self.next_conn;
        self.next_conn += 1;
        id
    }

    /// A `mash-comm/1` connection completed its TLS handshake.
    pub fn commissioning_opened(&mut self, now: Instant) -> ConnId {
        if self.config.test_key.is_some() {
            // Conformance mode: as the reference, each accepted commissioning
            // connection first drops the disconnected non-TEST zones
            // (INTEROP.md Appendix A.3).
            let stale: Vec<_> = self
                .zones
                .iter()
                .filter(|z| z.ty() != ZoneType::Test)
                .filter_map(ZoneRecord::id)
                .filter(|id| !self.is_connected(id))
                .collect();
            for id in stale {
                info!(zone = %id, "conformance mode: disconnected zone dropped");
                self.remove_zone(&id, now);
            }
        }
        let conn = self.allocate_conn();
        let hs = DeviceHandshake::new(now, self.config.verifier.clone());
        self.commissioning.insert(
            conn,
            Handshake {
                hs,
                pending: None,
                installed: None,
            },
        );
        conn
    }

    /// A frame on a commissioning connection.
    pub fn commissioning_frame(&mut self, conn: ConnId, payload: &[u8], now: Instant) {
        let Some(mut h) = self.commissioning.remove(&conn) else {
            return;
        };
        if let Err(e) =
            h.hs.handle_message(now, payload, &mut self.gate, &mut self.rng)
        {
            debug!(conn, error = %e, "commissioning message refused");
        }
        self.drive(conn, h, now);
    }

    /// A commissioning connection ended.
    pub fn commissioning_closed(&mut self, conn: ConnId, now: Instant) {
        if let Some(mut h) = self.commissioning.remove(&conn) {
            h.hs.handle_close(now, &mut self.gate);
        }
    }

    pub(super) fn commissioning_timeouts(&mut self, now: Instant) {
        let due: Vec<ConnId> = self
            .commissioning
            .iter()
            .filter(|(_, h)| h.poll_timeout().is_some_and(|t| t <= now))
            .map(|(c, _)| *c)
            .collect();
        for conn in due {
            if let Some(mut h) = self.commissioning.remove(&conn) {
                if let Err(e) = h.hs.handle_timeout(now, &mut self.gate, &mut self.rng) {
                    debug!(conn, error = %e, "commissioning timed out");
                }
                self.drive(conn, h, now);
            }
        }
    }

    /// Answers the handshake's requests until it has none, then sends
    /// what it queued and closes when it is done.
    fn drive(&mut self, conn: ConnId, mut h: Handshake, now: Instant) {
        while let Some(event) = h.hs.poll_event() {
            let result = match event {
                HsEvent::ZoneCaReceived { zone_ca_der } => match Certificate::from_der(zone_ca_der)
                {
                    Ok(ca) => {
                        h.hs.handle_zone_type(now, ca.zone_type(), &mut self.gate, &mut self.rng)
                    }
                    Err(e) => {
                        warn!(conn, error = %e, "zone CA unreadable");
                        h.hs.handle_zone_ca_invalid(now, &mut self.gate, &mut self.rng)
                    }
                },
                HsEvent::CsrRequested { .. } => {
                    match PendingCsr::commissioning(self.config.vendor_id, self.config.product_id) {
                        Ok(pending) => {
                            let csr = pending.csr_der().to_vec();
                            h.pending = Some(pending);
                            h.hs.handle_csr(now, csr, &mut self.gate, &mut self.rng)
                        }
                        Err(e) => {
                            warn!(conn, error = %e, "CSR generation failed");
                            h.hs.handle_csr_failed(now, &mut self.gate, &mut self.rng)
                        }
                    }
                }
                HsEvent::VerifyCertificate {
                    certificate_der,
                    zone_ca_der,
                } => match self.install(&mut h, certificate_der, &zone_ca_der, now) {
                    Ok(proof) => {
                        h.hs.handle_certificate_verified(now, proof, &mut self.gate, &mut self.rng)
                    }
                    Err(e) => {
                        warn!(conn, error = %e, "operational certificate refused");
                        h.hs.handle_certificate_rejected(now, &mut self.gate, &mut self.rng)
                    }
                },
                HsEvent::Commissioned(c) => {
                    if let Some(identity) = h.installed.take() {
                        self.add_zone(c, identity, now);
                    }
                    Ok(())
                }
                other => {
                    debug!(conn, ?other, "unhandled commissioning event");
                    Ok(())
                }
            };
            if let Err(e) = result {
                debug!(conn, error = %e, "commissioning step failed");
            }
        }
        while let Some(frame) = h.hs.poll_transmit() {
            self.outputs.push_back(Output::Transmit { conn, frame });
        }
        if h.hs.is_closed() {
            // DEC-066: the device closes the commissioning connection itself.
            self.outputs.push_back(Output::Close { conn });
        } else {
            self.commissioning.insert(conn, h);
        }
    }

    /// Checks the installed certificate against the Zone CA (EKU
    /// serverAuth, INTEROP.md §5.2 step 8.5) and against the pending key.
    fn install(
        &self,
        h: &mut Handshake,
        certificate_der: Vec<u8>,
        zone_ca_der: &[u8],
        now: Instant,
    ) -> Result<CertificateVerified, mash_pki::PkiError> {
        let leaf = Certificate::from_der(certificate_der)?;
        let ca = Certificate::from_der(zone_ca_der.to_vec())?;
        let unix =
            UnixTime::from_secs(i64::try_from(self.clock.unix_secs(now)).unwrap_or(i64::MAX));
        let _proof = verify_leaf(&leaf, &ca, unix, LeafPolicy::INSTALLED_DEVICE_CERT)?;
        let device_id = leaf.device_id()?;
        let pending = h.pending.take().ok_or(mash_pki::PkiError::KeyMismatch)?;
        h.installed = Some(pending.install(leaf)?);
        Ok(CertificateVerified::assertion(device_id))
    }

    /// INTEROP.md §5.2 step 9: the zone exists; the window closes.
    fn add_zone(&mut self, c: Commissioned, identity: TlsIdentity, now: Instant) {
        if c.zone_type == ZoneType::Test {
            // A newer TEST zone evicts a disconnected older one (Appendix A.3).
            let stale: Vec<_> = self
                .zones
                .iter()
                .filter(|z| z.ty() == ZoneType::Test)
                .filter_map(ZoneRecord::id)
                .filter(|id| !self.is_connected(id))
                .collect();
            for id in stale {
                self.remove_zone(&id, now);
            }
        }
        let record = ZoneRecord {
            zone_id: c.zone_id.to_string(),
            zone_type: c.zone_type.value(),
            device_id: c.device_id.to_string(),
            zone_ca_der: c.zone_ca_der,
            cert_der: identity.cert_der().to_vec(),
            key_der: identity.key_pkcs8_der(),
            sequence: c.sequence,
        };
        info!(zone = %c.zone_id, zone_type = %c.zone_type, device_id = %c.device_id, "commissioned");
        self.zones.push(record.clone());
        self.links.insert(
            c.zone_id,
            ZoneLink {
                conn: None,
                fresh: true,
            },
        );
        self.energy
            .add_zone(&mut self.device, c.zone_id, c.zone_type, now);
        self.refresh_policy();
        self.close_window();
        self.outputs
            .push_back(Output::Store(StoreOp::SaveZone(record)));
        self.outputs.push_back(Output::TlsChanged);
        self.outputs.push_back(Output::DiscoveryChanged);
        self.emit(DeviceEvent::ZoneAdded {
            zone_id: c.zone_id,
            zone_type: c.zone_type,
        });
        self.flush_changes(now);
    }
}
