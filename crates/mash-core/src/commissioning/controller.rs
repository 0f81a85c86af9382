//! The controller side of one commissioning connection (INTEROP.md §5.2
//! "Controller side", §5.7).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::mem;

use rand_core::CryptoRng;

use super::error::{ApiMisuse, AuthFailure, Error, LocalFailure, PeerMisbehaved, Phase};
use super::messages::*;
use super::setup_code::SetupCode;
use super::spake2plus::{CLIENT_IDENTITY, Client, ClientSession, SetupCodeVerified};
use super::timer::{CONTROLLER_STEP_TIMEOUT, Timers};
use crate::ids::{DeviceId, ZoneId};
use crate::time::Instant;

/// Length of the CertRenewalRequest nonce.
pub const NONCE_LEN: usize = 32;
/// The sequence the reference controller puts in its first
/// CertRenewalInstall: its counter starts at 1 and is incremented before
/// sending (INTEROP.md §5.2 step 8.4).
pub const INITIAL_CERT_SEQUENCE: u32 = 2;

/// What the controller handshake asks of, or reports to, the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControllerEvent {
    /// PASE succeeded; the zone ID is known.
    PaseCompleted {
        /// SHA-256(PASE sharedSecret)\[0:8\].
        zone_id: ZoneId,
    },
    /// Sign this CSR with the Zone CA (CN = device ID = hex(SHA-256(CSR
    /// SPKI)\[0:8\]), EKU clientAuth+serverAuth) and answer
    /// [`ControllerHandshake::handle_signed_certificate`] or
    /// [`ControllerHandshake::handle_signing_failed`].
    SignCsr {
        /// The device's CSR, DER.
        csr_der: Vec<u8>,
        /// The zone being joined.
        zone_id: ZoneId,
    },
    /// The device acknowledged its certificate; reconnect with ALPN
    /// `mash/1` and SNI = device ID (INTEROP.md §5.2 step 10).
    Completed {
        /// The new zone.
        zone_id: ZoneId,
        /// The device's ID in that zone.
        device_id: DeviceId,
    },
}

/// The controller side of one commissioning connection, sans-I/O.
///
/// Create it once TLS (ALPN `mash-comm/1`) is up: it queues the
/// PASERequest (clientIdentity `mash-controller`). Then loop:
///
/// 1. drain [`poll_transmit`](Self::poll_transmit) (CBOR payloads; add the
///    frame prefix);
/// 2. feed each received payload to [`handle_message`](Self::handle_message)
///    and call [`handle_timeout`](Self::handle_timeout) when the timer from
///    [`poll_timeout`](Self::poll_timeout) fires;
/// 3. drain [`poll_event`](Self::poll_event); answer
///    [`ControllerEvent::SignCsr`] with
///    [`handle_signed_certificate`](Self::handle_signed_certificate);
/// 4. stop when [`is_closed`](Self::is_closed). The device closes the
///    connection itself after CertRenewalAck.
///
/// A CommissioningError from the device at any step ends the handshake
/// with [`Error::Rejected`] (code, message, retryAfter).
pub struct ControllerHandshake {
    state: State,
    zone_ca_der: Vec<u8>,
    timer: Timers<1>,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<ControllerEvent>,
}

enum State {
    ExpectPaseResponse(Client),
    ExpectPaseComplete(ClientSession),
    ExpectCertRenewalCsr(SetupCodeVerified),
    AwaitSignedCertificate(SetupCodeVerified),
    ExpectCertRenewalAck(ExpectCertRenewalAck),
    Closed,
}

struct ExpectCertRenewalAck {
    pase: SetupCodeVerified,
    device_id: DeviceId,
    sequence: u32,
}

impl core::fmt::Debug for ControllerHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::ExpectPaseResponse(_) => "ExpectPaseResponse",
            State::ExpectPaseComplete(_) => "ExpectPaseComplete",
            State::ExpectCertRenewalCsr(_) => "ExpectCertRenewalCsr",
            State::AwaitSignedCertificate(_) => "AwaitSignedCertificate",
            State::ExpectCertRenewalAck(_) => "ExpectCertRenewalAck",
            State::Closed => "Closed",
        };
        f.debug_struct("ControllerHandshake")
            .field("state", &state)
            .field("next_timeout", &self.timer.next())
            .finish_non_exhaustive()
    }
}

impl State {
    fn expected(&self) -> Option<MessageType> {
        match self {
            Self::ExpectPaseResponse(_) => Some(MessageType::PaseResponse),
            Self::ExpectPaseComplete(_) => Some(MessageType::PaseComplete),
            Self::ExpectCertRenewalCsr(_) => Some(MessageType::CertRenewalCsr),
            Self::ExpectCertRenewalAck(_) => Some(MessageType::CertRenewalAck),
            Self::AwaitSignedCertificate(_) | Self::Closed => None,
        }
    }

    fn phase(&self) -> Phase {
        match self {
            Self::ExpectPaseResponse(_) => Phase::PaseResponse,
            Self::ExpectPaseComplete(_) => Phase::PaseComplete,
            Self::ExpectCertRenewalCsr(_) => Phase::CertWait,
            Self::ExpectCertRenewalAck(_) => Phase::CertAck,
            Self::AwaitSignedCertificate(_) | Self::Closed => Phase::Overall,
        }
    }
}

impl ControllerHandshake {
    /// Starts commissioning with the setup code the user entered (used as
    /// typed) and the Zone CA to send after PASE.
    pub fn new(
        now: Instant,
        setup_code: &SetupCode,
        zone_ca_der: Vec<u8>,
        rng: &mut impl CryptoRng,
    ) -> Self {
        let client = Client::new(setup_code, rng);
        let mut this = Self {
            state: State::Closed,
            zone_ca_der,
            timer: Timers::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        this.send(PaseRequest {
            public_value: client.share().to_vec(),
            client_identity: CLIENT_IDENTITY.to_vec(),
        });
        this.arm(now);
        this.state = State::ExpectPaseResponse(client);
        this
    }

    /// A frame payload from the device.
    pub fn handle_message(
        &mut self,
        now: Instant,
        payload: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::ApiMisuse(ApiMisuse::Closed));
        }
        let state = mem::replace(&mut self.state, State::Closed);
        let msg = match CommissioningMessage::decode(payload) {
            Ok(msg) => msg,
            Err(e) => return self.fail(e.into()),
        };
        use CommissioningMessage as M;
        let next = match (state, msg) {
            (_, M::CommissioningError(e)) => return self.fail(Error::Rejected(e)),
            (State::ExpectPaseResponse(client), M::PaseResponse(r)) => match client
                .finish(&r.public_value)
            {
                Ok(session) => {
                    self.send(PaseConfirm {
                        confirmation: session.confirmation().to_vec(),
                    });
                    State::ExpectPaseComplete(session)
                }
                Err(_) => {
                    return self.fail(Error::AuthenticationFailed(AuthFailure::InvalidPublicKey));
                }
            },
            (State::ExpectPaseComplete(session), M::PaseComplete(c)) => {
                // INTEROP.md §5.2: a non-zero code fails without checking cB.
                if c.error_code != ErrorCode::Success {
                    return self.fail(Error::AuthenticationFailed(AuthFailure::RejectedByDevice(
                        c.error_code,
                    )));
                }
                let Ok(pase) = session.verify(&c.confirmation) else {
                    return self.fail(Error::AuthenticationFailed(
                        AuthFailure::ConfirmationMismatch,
                    ));
                };
                self.events.push_back(ControllerEvent::PaseCompleted {
                    zone_id: pase.zone_id(),
                });
                let mut nonce = [0u8; NONCE_LEN];
                rng.fill_bytes(&mut nonce);
                self.send(CertRenewalRequest {
                    nonce: nonce.to_vec(),
                    zone_ca: self.zone_ca_der.clone(),
                });
                State::ExpectCertRenewalCsr(pase)
            }
            (State::ExpectCertRenewalCsr(pase), M::CertRenewalCsr(csr)) => {
                // The reference does not check nonceHash here; none is sent
                // during commissioning.
                self.events.push_back(ControllerEvent::SignCsr {
                    csr_der: csr.csr,
                    zone_id: pase.zone_id(),
                });
                self.timer.stop_all();
                self.state = State::AwaitSignedCertificate(pase);
                return Ok(());
            }
            (State::ExpectCertRenewalAck(s), M::CertRenewalAck(ack)) => {
                if ack.status != RenewalStatus::Success {
                    return self.fail(PeerMisbehaved::InstallRejected(ack.status).into());
                }
                if ack.active_sequence != s.sequence {
                    let mismatch = PeerMisbehaved::SequenceMismatch {
                        sent: s.sequence,
                        acked: ack.active_sequence,
                    };
                    return self.fail(mismatch.into());
                }
                self.events.push_back(ControllerEvent::Completed {
                    zone_id: s.pase.zone_id(),
                    device_id: s.device_id,
                });
                self.close();
                return Ok(());
            }
            (state, msg) => {
                let got = msg.message_type();
                return self.fail(
                    PeerMisbehaved::UnexpectedMessage {
                        expected: state.expected(),
                        got,
                    }
                    .into(),
                );
            }
        };
        self.arm(now);
        self.state = next;
        Ok(())
    }

    /// The shell signed the CSR: send CertRenewalInstall with sequence 2.
    pub fn handle_signed_certificate(
        &mut self,
        now: Instant,
        certificate_der: Vec<u8>,
        device_id: DeviceId,
    ) -> Result<(), Error> {
        let pase = match mem::replace(&mut self.state, State::Closed) {
            State::AwaitSignedCertificate(pase) => pase,
            other => return self.restore_misuse(other, "signed certificate"),
        };
        let sequence = INITIAL_CERT_SEQUENCE;
        self.send(CertRenewalInstall {
            new_cert: certificate_der,
            sequence,
        });
        self.arm(now);
        self.state = State::ExpectCertRenewalAck(ExpectCertRenewalAck {
            pase,
            device_id,
            sequence,
        });
        Ok(())
    }

    /// The shell could not sign the CSR.
    pub fn handle_signing_failed(&mut self) -> Result<(), Error> {
        match mem::replace(&mut self.state, State::Closed) {
            State::AwaitSignedCertificate(_) => self.fail(Error::Local(LocalFailure::Signing)),
            other => self.restore_misuse(other, "signed certificate"),
        }
    }

    /// Fires the step timer, if due.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if self.timer.expired(now).is_none() {
            return Ok(());
        }
        let phase = self.state.phase();
        self.fail(Error::Timeout(phase))
    }

    /// The connection went away.
    pub fn handle_close(&mut self) -> Result<(), Error> {
        if self.is_closed() {
            Ok(())
        } else {
            self.fail(Error::ConnectionClosed)
        }
    }

    /// The next CBOR payload to send (add the frame prefix).
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
    pub fn poll_event(&mut self) -> Option<ControllerEvent> {
        self.events.pop_front()
    }

    /// Whether the handshake is over (completed or failed).
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    fn send(&mut self, msg: impl Into<CommissioningMessage>) {
        self.transmits.push_back(msg.into().to_vec());
    }

    fn arm(&mut self, now: Instant) {
        self.timer.set(0, now + CONTROLLER_STEP_TIMEOUT);
    }

    fn fail(&mut self, error: Error) -> Result<(), Error> {
        self.close();
        Err(error)
    }

    fn close(&mut self) {
        self.state = State::Closed;
        self.timer.stop_all();
    }

    fn restore_misuse(&mut self, state: State, what: &'static str) -> Result<(), Error> {
        let misuse = if matches!(state, State::Closed) {
            ApiMisuse::Closed
        } else {
            ApiMisuse::NotAwaiting(what)
        };
        self.state = state;
        Err(Error::ApiMisuse(misuse))
    }
}
