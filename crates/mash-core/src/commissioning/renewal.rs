//! Operational certificate renewal (INTEROP.md §5.8, security.md §11.3).
//!
//! Renewal runs in-band on the operational connection: the shell routes
//! frames of the renewal shape (types 30-33, INTEROP.md §2.3) here and
//! everything else to the interaction model.
//!
//! - Device: [`RenewalResponder`], one per zone session. It answers a
//!   request with a CSR bound to the nonce (`nonceHash =
//!   SHA-256(nonce)\[0:16\]`) and acknowledges the install with status 0, 2,
//!   3 or 4. Key handling stays in the shell, which reports how the
//!   certificate's key compares with the pending key.
//! - Controller: [`RenewalInitiator`], one per renewal. It checks the
//!   nonce binding (the reference does not; the spec asks for it).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::mem;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::controller::NONCE_LEN;
use super::error::{ApiMisuse, Error, LocalFailure, PeerMisbehaved, Phase};
use super::messages::*;
use super::timer::{CONTROLLER_STEP_TIMEOUT, Timers};
use crate::time::Instant;

/// Length of the nonce hash in CertRenewalCSR.
pub const NONCE_HASH_LEN: usize = 16;

/// SHA-256(nonce)\[0:16\] (security.md §11.3).
pub fn nonce_hash(nonce: &[u8]) -> [u8; NONCE_HASH_LEN] {
    let digest = Sha256::digest(nonce);
    let mut out = [0u8; NONCE_HASH_LEN];
    for (o, d) in out.iter_mut().zip(digest.iter()) {
        *o = *d;
    }
    out
}

/// How the installed certificate relates to the pending renewal key, as
/// the shell found it (INTEROP.md §5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateCheck {
    /// Parsed, ECDSA, and its key is the pending key: status 0.
    KeyMatches,
    /// Its key is not the pending key (e.g. a CSR from an earlier nonce):
    /// status 4, invalid nonce.
    KeyMismatch,
    /// Not a certificate, or not ECDSA: status 3.
    Unparseable,
}

/// What the device-side renewal asks of, or reports to, the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalEvent {
    /// Generate a new key and a CSR with CN = the current device ID;
    /// answer [`RenewalResponder::handle_csr`] or
    /// [`RenewalResponder::handle_csr_failed`]. A newer request replaces
    /// the pending key.
    GenerateCsr,
    /// Compare the certificate's key with the pending key; answer
    /// [`RenewalResponder::handle_certificate_check`].
    CheckCertificate {
        /// The new certificate, DER.
        certificate_der: Vec<u8>,
        /// Its sequence number.
        sequence: u32,
    },
    /// The certificate is active: persist it and rebuild the TLS config
    /// (the session continues).
    Renewed {
        /// The new certificate, DER.
        certificate_der: Vec<u8>,
        /// The active sequence.
        sequence: u32,
    },
}

/// Device side of renewal, one per zone session.
///
/// Call order: [`handle_message`](Self::handle_message) for every renewal
/// frame, then drain [`poll_transmit`](Self::poll_transmit) and
/// [`poll_event`](Self::poll_event), answering events with the matching
/// `handle_*`. It needs no timers: an unanswered request simply stays
/// pending until the next one.
#[derive(Debug)]
pub struct RenewalResponder {
    state: Responder,
    active_sequence: u32,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<RenewalEvent>,
}

#[derive(Debug)]
enum Responder {
    Idle,
    AwaitCsr {
        nonce_hash: [u8; NONCE_HASH_LEN],
    },
    ExpectCertRenewalInstall,
    AwaitCertificateCheck {
        certificate_der: Vec<u8>,
        sequence: u32,
    },
}

impl RenewalResponder {
    /// A responder whose current certificate has `active_sequence` (0 for
    /// a fresh session, as the reference).
    pub fn new(active_sequence: u32) -> Self {
        Self {
            state: Responder::Idle,
            active_sequence,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The sequence of the active certificate.
    pub fn active_sequence(&self) -> u32 {
        self.active_sequence
    }

    /// A renewal frame payload from the controller.
    pub fn handle_message(&mut self, payload: &[u8]) -> Result<(), Error> {
        match CommissioningMessage::decode(payload)? {
            CommissioningMessage::CertRenewalRequest(req) => {
                self.state = Responder::AwaitCsr {
                    nonce_hash: nonce_hash(&req.nonce),
                };
                self.events.push_back(RenewalEvent::GenerateCsr);
                Ok(())
            }
            CommissioningMessage::CertRenewalInstall(install) => {
                match mem::replace(&mut self.state, Responder::Idle) {
                    Responder::ExpectCertRenewalInstall => {
                        self.events.push_back(RenewalEvent::CheckCertificate {
                            certificate_der: install.new_cert.clone(),
                            sequence: install.sequence,
                        });
                        self.state = Responder::AwaitCertificateCheck {
                            certificate_der: install.new_cert,
                            sequence: install.sequence,
                        };
                    }
                    // No renewal pending: status 2.
                    other => {
                        self.state = other;
                        self.ack(RenewalStatus::InstallFailed);
                    }
                }
                Ok(())
            }
            other => Err(PeerMisbehaved::UnexpectedMessage {
                expected: None,
                got: other.message_type(),
            }
            .into()),
        }
    }

    /// The CSR for the pending key: sent with the nonce hash.
    pub fn handle_csr(&mut self, csr_der: Vec<u8>) -> Result<(), Error> {
        let Responder::AwaitCsr { nonce_hash } = self.state else {
            return Err(Error::ApiMisuse(ApiMisuse::NotAwaiting("csr")));
        };
        self.send(CertRenewalCsr {
            csr: csr_der,
            nonce_hash: nonce_hash.to_vec(),
        });
        self.state = Responder::ExpectCertRenewalInstall;
        Ok(())
    }

    /// Key or CSR generation failed: acknowledged with status 1.
    pub fn handle_csr_failed(&mut self) -> Result<(), Error> {
        let Responder::AwaitCsr { .. } = self.state else {
            return Err(Error::ApiMisuse(ApiMisuse::NotAwaiting("csr")));
        };
        self.state = Responder::Idle;
        self.ack(RenewalStatus::CsrFailed);
        Ok(())
    }

    /// The shell's comparison of the certificate with the pending key.
    pub fn handle_certificate_check(&mut self, check: CertificateCheck) -> Result<(), Error> {
        let (certificate_der, sequence) = match mem::replace(&mut self.state, Responder::Idle) {
            Responder::AwaitCertificateCheck {
                certificate_der,
                sequence,
            } => (certificate_der, sequence),
            other => {
                self.state = other;
                return Err(Error::ApiMisuse(ApiMisuse::NotAwaiting(
                    "certificate check",
                )));
            }
        };
        match check {
            CertificateCheck::KeyMatches => {
                self.active_sequence = sequence;
                self.ack(RenewalStatus::Success);
                self.events.push_back(RenewalEvent::Renewed {
                    certificate_der,
                    sequence,
                });
            }
            CertificateCheck::KeyMismatch => self.ack(RenewalStatus::InvalidNonce),
            CertificateCheck::Unparseable => self.ack(RenewalStatus::InvalidCert),
        }
        Ok(())
    }

    /// The next CBOR payload to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// The next request or report for the shell.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<RenewalEvent> {
        self.events.pop_front()
    }

    fn ack(&mut self, status: RenewalStatus) {
        self.send(CertRenewalAck {
            status,
            active_sequence: self.active_sequence,
        });
    }

    fn send(&mut self, msg: impl Into<CommissioningMessage>) {
        self.transmits.push_back(msg.into().to_vec());
    }
}

/// What the controller-side renewal asks of, or reports to, the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitiatorEvent {
    /// Sign this CSR keeping its subject (DNS SAN = CN); answer
    /// [`RenewalInitiator::handle_signed_certificate`].
    SignCsr {
        /// The device's CSR, DER.
        csr_der: Vec<u8>,
    },
    /// The device installed the certificate.
    Renewed {
        /// The sequence now active.
        sequence: u32,
    },
}

/// Controller side of one renewal, on an operational connection.
///
/// Call order as for [`super::controller::ControllerHandshake`]: drain
/// [`poll_transmit`](Self::poll_transmit), feed renewal frames to
/// [`handle_message`](Self::handle_message), answer
/// [`InitiatorEvent::SignCsr`], fire [`handle_timeout`](Self::handle_timeout)
/// from [`poll_timeout`](Self::poll_timeout), stop when
/// [`is_closed`](Self::is_closed).
#[derive(Debug)]
pub struct RenewalInitiator {
    state: Initiator,
    nonce: [u8; NONCE_LEN],
    sequence: u32,
    timer: Timers<1>,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<InitiatorEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Initiator {
    ExpectCertRenewalCsr,
    AwaitSignedCertificate,
    ExpectCertRenewalAck,
    Closed,
}

impl RenewalInitiator {
    /// Starts a renewal: queues `{1:30, 2:nonce}`. `sequence` is the
    /// install sequence to use (the reference's per-handler counter, 2 for
    /// a fresh handler).
    pub fn new(now: Instant, sequence: u32, rng: &mut impl CryptoRng) -> Self {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let mut this = Self {
            state: Initiator::ExpectCertRenewalCsr,
            nonce,
            sequence,
            timer: Timers::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        this.send(CertRenewalRequest {
            nonce: nonce.to_vec(),
            zone_ca: Vec::new(),
        });
        this.timer.set(0, now + CONTROLLER_STEP_TIMEOUT);
        this
    }

    /// A renewal frame payload from the device.
    pub fn handle_message(&mut self, payload: &[u8]) -> Result<(), Error> {
        if self.state == Initiator::Closed {
            return Err(Error::ApiMisuse(ApiMisuse::Closed));
        }
        let msg = match CommissioningMessage::decode(payload) {
            Ok(msg) => msg,
            Err(e) => return self.fail(e.into()),
        };
        match (self.state, msg) {
            (_, CommissioningMessage::CommissioningError(e)) => self.fail(Error::Rejected(e)),
            (Initiator::ExpectCertRenewalCsr, CommissioningMessage::CertRenewalCsr(csr)) => {
                let expected = nonce_hash(&self.nonce);
                if !bool::from(expected.ct_eq(csr.nonce_hash.as_slice())) {
                    return self.fail(PeerMisbehaved::NonceHashMismatch.into());
                }
                self.events
                    .push_back(InitiatorEvent::SignCsr { csr_der: csr.csr });
                self.state = Initiator::AwaitSignedCertificate;
                self.timer.stop_all();
                Ok(())
            }
            (Initiator::ExpectCertRenewalAck, CommissioningMessage::CertRenewalAck(ack)) => {
                if ack.status != RenewalStatus::Success {
                    return self.fail(PeerMisbehaved::InstallRejected(ack.status).into());
                }
                if ack.active_sequence != self.sequence {
                    let (sent, acked) = (self.sequence, ack.active_sequence);
                    return self.fail(PeerMisbehaved::SequenceMismatch { sent, acked }.into());
                }
                self.events.push_back(InitiatorEvent::Renewed {
                    sequence: self.sequence,
                });
                self.close();
                Ok(())
            }
            (state, msg) => {
                let expected = match state {
                    Initiator::ExpectCertRenewalCsr => Some(MessageType::CertRenewalCsr),
                    Initiator::ExpectCertRenewalAck => Some(MessageType::CertRenewalAck),
                    _ => None,
                };
                self.fail(
                    PeerMisbehaved::UnexpectedMessage {
                        expected,
                        got: msg.message_type(),
                    }
                    .into(),
                )
            }
        }
    }

    /// The shell signed the CSR: send CertRenewalInstall.
    pub fn handle_signed_certificate(
        &mut self,
        now: Instant,
        certificate_der: Vec<u8>,
    ) -> Result<(), Error> {
        if self.state != Initiator::AwaitSignedCertificate {
            return Err(Error::ApiMisuse(ApiMisuse::NotAwaiting(
                "signed certificate",
            )));
        }
        self.send(CertRenewalInstall {
            new_cert: certificate_der,
            sequence: self.sequence,
        });
        self.state = Initiator::ExpectCertRenewalAck;
        self.timer.set(0, now + CONTROLLER_STEP_TIMEOUT);
        Ok(())
    }

    /// The shell could not sign the CSR.
    pub fn handle_signing_failed(&mut self) -> Result<(), Error> {
        if self.state != Initiator::AwaitSignedCertificate {
            return Err(Error::ApiMisuse(ApiMisuse::NotAwaiting(
                "signed certificate",
            )));
        }
        self.fail(Error::Local(LocalFailure::Signing))
    }

    /// Fires the step timer, if due.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        match (self.timer.expired(now), self.state) {
            (None, _) => Ok(()),
            (Some(_), Initiator::ExpectCertRenewalAck) => self.fail(Error::Timeout(Phase::CertAck)),
            (Some(_), _) => self.fail(Error::Timeout(Phase::CertWait)),
        }
    }

    /// The next CBOR payload to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timer.next()
    }

    /// The next request or report for the shell.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<InitiatorEvent> {
        self.events.pop_front()
    }

    /// Whether the renewal is over.
    pub fn is_closed(&self) -> bool {
        self.state == Initiator::Closed
    }

    fn send(&mut self, msg: impl Into<CommissioningMessage>) {
        self.transmits.push_back(msg.into().to_vec());
    }

    fn fail(&mut self, error: Error) -> Result<(), Error> {
        self.close();
        Err(error)
    }

    fn close(&mut self) {
        self.state = Initiator::Closed;
        self.timer.stop_all();
    }
}
