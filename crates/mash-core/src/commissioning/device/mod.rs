//! The device side of one commissioning connection (INTEROP.md §5.2-5.3,
//! security.md §11).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::mem;

use rand_core::CryptoRng;

use super::error::{
    ApiMisuse, AuthFailure, Error, PeerMisbehaved, Phase, wire_error_code, wire_error_message,
};
use super::gate::{CommissioningGate, GateTicket};
use super::messages::*;
use super::spake2plus::{Server, ServerSession, SetupCodeVerified, Verifier};
use super::timer::*;
use crate::time::Instant;
use crate::zone::ZoneType;

mod certs;

pub use certs::{CertificateVerified, Commissioned, DeviceEvent};

/// The device side of one commissioning connection, sans-I/O.
///
/// Create it at TLS accept (ALPN `mash-comm/1`); it starts the 5 s
/// first-message timer and the 90 s overall limit. Then loop:
///
/// 1. feed each received frame payload (without the 4-byte prefix) to
///    [`handle_message`](Self::handle_message), and call
///    [`handle_timeout`](Self::handle_timeout) when the timer fires;
/// 2. drain [`poll_transmit`](Self::poll_transmit) (CBOR payloads: add the
///    frame prefix and send);
/// 3. drain [`poll_event`](Self::poll_event) and answer each request
///    event with the matching `handle_*` input (zone type, CSR,
///    certificate verification);
/// 4. re-arm the timer from [`poll_timeout`](Self::poll_timeout);
/// 5. once [`is_closed`](Self::is_closed), close the connection. If the
///    peer goes away first, call [`handle_close`](Self::handle_close).
///
/// Every call that can change state takes the device-wide
/// [`CommissioningGate`] (the shell holds it behind a mutex). A `handle_*`
/// returning `Err` has already moved the machine towards closing; a
/// delayed error response may still be due, so keep polling until closed.
/// [`Error::ApiMisuse`] is the exception: it leaves the state unchanged.
pub struct DeviceHandshake {
    state: State,
    verifier: Verifier,
    ticket: Option<GateTicket>,
    processing_started: Option<Instant>,
    pending_error: Option<Vec<u8>>,
    timers: Timers<4>,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<DeviceEvent>,
}

// Timer slots.
const PHASE: usize = 0;
const PASE_DEADLINE: usize = 1;
const OVERALL: usize = 2;
const ERROR_DELAY: usize = 3;

enum State {
    ExpectPaseRequest,
    BackingOff(BackingOff),
    ExpectPaseConfirm(ExpectPaseConfirm),
    ExpectCertRenewalRequest(ExpectCertRenewalRequest),
    AwaitZoneType(AwaitZoneType),
    AwaitCsr(AwaitCsr),
    ExpectCertRenewalInstall(ExpectCertRenewalInstall),
    AwaitCertificate(AwaitCertificate),
    SendingError,
    Closed,
}

/// A PASERequest waiting out its back-off.
struct BackingOff {
    public_value: Vec<u8>,
}

struct ExpectPaseConfirm {
    session: ServerSession,
}

struct ExpectCertRenewalRequest {
    pase: SetupCodeVerified,
}

struct AwaitZoneType {
    pase: SetupCodeVerified,
    zone_ca_der: Vec<u8>,
}

struct AwaitCsr {
    pase: SetupCodeVerified,
    zone_type: ZoneType,
    zone_ca_der: Vec<u8>,
}

struct ExpectCertRenewalInstall {
    pase: SetupCodeVerified,
    zone_type: ZoneType,
    zone_ca_der: Vec<u8>,
}

struct AwaitCertificate {
    pase: SetupCodeVerified,
    zone_type: ZoneType,
    zone_ca_der: Vec<u8>,
    certificate_der: Vec<u8>,
    sequence: u32,
}

impl State {
    /// The peer message this state waits for, if any.
    fn expected(&self) -> Option<MessageType> {
        match self {
            Self::ExpectPaseRequest => Some(MessageType::PaseRequest),
            Self::ExpectPaseConfirm(_) => Some(MessageType::PaseConfirm),
            Self::ExpectCertRenewalRequest(_) => Some(MessageType::CertRenewalRequest),
            Self::ExpectCertRenewalInstall(_) => Some(MessageType::CertRenewalInstall),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::ExpectPaseRequest => "ExpectPaseRequest",
            Self::BackingOff(_) => "BackingOff",
            Self::ExpectPaseConfirm(_) => "ExpectPaseConfirm",
            Self::ExpectCertRenewalRequest(_) => "ExpectCertRenewalRequest",
            Self::AwaitZoneType(_) => "AwaitZoneType",
            Self::AwaitCsr(_) => "AwaitCsr",
            Self::ExpectCertRenewalInstall(_) => "ExpectCertRenewalInstall",
            Self::AwaitCertificate(_) => "AwaitCertificate",
            Self::SendingError => "SendingError",
            Self::Closed => "Closed",
        }
    }

    /// What the phase timer limits in this state.
    fn phase(&self) -> Phase {
        match self {
            Self::ExpectPaseRequest => Phase::FirstMessage,
            Self::ExpectPaseConfirm(_) => Phase::PaseConfirm,
            Self::ExpectCertRenewalRequest(_) => Phase::CertRequest,
            Self::AwaitZoneType(_) | Self::AwaitCsr(_) => Phase::CsrGeneration,
            Self::ExpectCertRenewalInstall(_) => Phase::CertWait,
            Self::AwaitCertificate(_) => Phase::CertInstall,
            Self::BackingOff(_) | Self::SendingError | Self::Closed => Phase::Overall,
        }
    }
}

impl core::fmt::Debug for DeviceHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceHandshake")
            .field("state", &self.state.name())
            .field("holds_gate", &self.ticket.is_some())
            .field("next_timeout", &self.timers.next())
            .finish_non_exhaustive()
    }
}

/// A failed step: the error, and the frame to send (after the error
/// delay) before closing, if any.
struct Failure {
    error: Error,
    reply: Option<Vec<u8>>,
}

impl Failure {
    /// The reply the wire mapping prescribes: a CommissioningError, or
    /// silence.
    fn new(error: Error) -> Self {
        let reply = wire_error_code(&error).map(|error_code| {
            let retry_after_ms = match &error {
                Error::Busy(b) => b.retry_after_ms,
                _ => 0,
            };
            CommissioningMessage::from(CommissioningError {
                error_code,
                message: wire_error_message(&error),
                retry_after_ms,
            })
            .to_vec()
        });
        Self { error, reply }
    }
}

type Step = Result<State, Failure>;

impl DeviceHandshake {
    /// A new connection accepted at `now`, for a device holding `verifier`.
    pub fn new(now: Instant, verifier: Verifier) -> Self {
        let mut timers = Timers::new();
        timers.set(PHASE, now + FIRST_MESSAGE_TIMEOUT);
        timers.set(OVERALL, now + OVERALL_TIMEOUT);
        Self {
            state: State::ExpectPaseRequest,
            verifier,
            ticket: None,
            processing_started: None,
            pending_error: None,
            timers,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// A frame payload from the controller.
    pub fn handle_message(
        &mut self,
        now: Instant,
        payload: &[u8],
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        match self.state {
            State::Closed => return Err(Error::ApiMisuse(ApiMisuse::Closed)),
            // The answer is decided; what the peer says now changes nothing.
            State::SendingError => return Ok(()),
            _ => {}
        }
        let state = mem::replace(&mut self.state, State::Closed);
        let step = match CommissioningMessage::decode(payload) {
            Err(e) => Err(Failure::new(e.into())),
            Ok(msg) => self.dispatch(now, state, msg, gate, rng),
        };
        self.settle(now, step, gate, rng)
    }

    fn dispatch(
        &mut self,
        now: Instant,
        state: State,
        msg: CommissioningMessage,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Step {
        use CommissioningMessage as M;
        match (state, msg) {
            (State::ExpectPaseRequest, M::PaseRequest(req)) => {
                self.on_pase_request(now, req, gate, rng)
            }
            (State::ExpectPaseConfirm(s), M::PaseConfirm(c)) => {
                self.on_pase_confirm(now, s, c, gate)
            }
            (State::ExpectCertRenewalRequest(s), M::CertRenewalRequest(r)) => {
                self.on_cert_request(now, s, r)
            }
            (State::ExpectCertRenewalInstall(s), M::CertRenewalInstall(i)) => {
                self.on_cert_install(now, s, i)
            }
            (state, msg) => Err(Failure::new(
                PeerMisbehaved::UnexpectedMessage {
                    expected: state.expected(),
                    got: msg.message_type(),
                }
                .into(),
            )),
        }
    }

    /// Fires due timers: back-off end, phase limits, the PASE deadline, the
    /// overall limit and the delayed error response.
    pub fn handle_timeout(
        &mut self,
        now: Instant,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        while let Some(timer) = self.timers.expired(now) {
            self.timers.stop(timer);
            let state = mem::replace(&mut self.state, State::Closed);
            let step = match (timer, state) {
                (ERROR_DELAY, _) => {
                    if let Some(frame) = self.pending_error.take() {
                        self.transmits.push_back(frame);
                    }
                    Ok(State::Closed)
                }
                (PHASE, State::BackingOff(b)) => self.start_pase(now, b.public_value, gate, rng),
                (PHASE, state) => Err(Failure::new(Error::Timeout(state.phase()))),
                (PASE_DEADLINE, _) => Err(Failure::new(Error::Timeout(Phase::PaseDeadline))),
                (_, _) => Err(Failure::new(Error::Timeout(Phase::Overall))),
            };
            self.settle(now, step, gate, rng)?;
        }
        Ok(())
    }

    /// The connection went away (or the shell is closing it).
    pub fn handle_close(&mut self, now: Instant, gate: &mut CommissioningGate) {
        self.close(now, gate);
    }

    /// The next CBOR payload to send (add the frame prefix).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The next request or report for the shell.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop_front()
    }

    /// Whether the connection should be closed (after draining transmits).
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    fn send(&mut self, msg: impl Into<CommissioningMessage>) {
        self.transmits.push_back(msg.into().to_vec());
    }

    /// Puts back a state that does not accept the caller's input.
    fn restore_misuse(&mut self, state: State, what: &'static str) -> Result<(), Error> {
        let misuse = if matches!(state, State::Closed) {
            ApiMisuse::Closed
        } else {
            ApiMisuse::NotAwaiting(what)
        };
        self.state = state;
        Err(Error::ApiMisuse(misuse))
    }

    /// Applies a step's outcome: the next state, a silent close, or a
    /// delayed error response.
    fn settle(
        &mut self,
        now: Instant,
        step: Step,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        match step {
            Ok(State::Closed) => {
                self.close(now, gate);
                Ok(())
            }
            Ok(state) => {
                self.state = state;
                Ok(())
            }
            Err(Failure { error, reply: None }) => {
                self.close(now, gate);
                Err(error)
            }
            Err(Failure {
                error,
                reply: Some(frame),
            }) => {
                // security.md §11.4: random 100-500 ms before any error;
                // INTEROP.md §5.3: never before 200 ms after processing
                // started.
                let jittered = now + error_jitter(rng);
                let padded = self.processing_started.map_or(now, |t| t + ERROR_PADDING);
                self.timers.stop_all();
                self.timers.set(ERROR_DELAY, jittered.max(padded));
                self.pending_error = Some(frame);
                self.state = State::SendingError;
                Err(error)
            }
        }
    }

    fn close(&mut self, now: Instant, gate: &mut CommissioningGate) {
        self.state = State::Closed;
        self.timers.stop_all();
        self.pending_error = None;
        if let Some(ticket) = self.ticket.take() {
            gate.release(now, ticket);
        }
    }
}

// PASE (INTEROP.md §5.2 steps 2-7, §5.3).
impl DeviceHandshake {
    /// INTEROP.md §5.2 steps 2-3: a valid first message; back-off first.
    fn on_pase_request(
        &mut self,
        now: Instant,
        req: PaseRequest,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Step {
        self.timers.stop(PHASE);
        let delay = gate.backoff_delay();
        if delay.is_zero() {
            return self.start_pase(now, req.public_value, gate, rng);
        }
        self.timers.set(PHASE, now + delay);
        Ok(State::BackingOff(BackingOff {
            public_value: req.public_value,
        }))
    }

    /// INTEROP.md §5.2 steps 4-5: take the gate, check pA, send pB.
    fn start_pase(
        &mut self,
        now: Instant,
        pa: Vec<u8>,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Step {
        self.processing_started = Some(now);
        let ticket = gate
            .try_acquire(now)
            .map_err(|busy| Failure::new(Error::Busy(busy)))?;
        self.ticket = Some(ticket);
        self.timers.set(PASE_DEADLINE, now + HANDSHAKE_TIMEOUT);
        let server = Server::new(&self.verifier, rng);
        let pb = server.share().to_vec();
        let session = server.finish(&pa).map_err(|_| {
            Failure::new(Error::AuthenticationFailed(AuthFailure::InvalidPublicKey))
        })?;
        self.send(PaseResponse { public_value: pb });
        self.timers.set(PHASE, now + PASE_CONFIRM_TIMEOUT);
        Ok(State::ExpectPaseConfirm(ExpectPaseConfirm { session }))
    }

    /// INTEROP.md §5.2 steps 6-7 and §5.3: check cA; PASEComplete either way.
    fn on_pase_confirm(
        &mut self,
        now: Instant,
        s: ExpectPaseConfirm,
        confirm: PaseConfirm,
        gate: &mut CommissioningGate,
    ) -> Step {
        let cb = s.session.confirmation().to_vec();
        match s.session.verify(&confirm.confirmation) {
            Err(_) => {
                gate.record_failure();
                let reply = CommissioningMessage::from(PaseComplete {
                    confirmation: cb,
                    error_code: ErrorCode::ConfirmFailed,
                });
                Err(Failure {
                    error: Error::AuthenticationFailed(AuthFailure::ConfirmationMismatch),
                    reply: Some(reply.to_vec()),
                })
            }
            Ok(pase) => {
                gate.record_success();
                self.send(PaseComplete {
                    confirmation: cb,
                    error_code: ErrorCode::Success,
                });
                self.timers.stop(PASE_DEADLINE);
                self.timers.set(PHASE, now + CERT_REQUEST_TIMEOUT);
                Ok(State::ExpectCertRenewalRequest(ExpectCertRenewalRequest {
                    pase,
                }))
            }
        }
    }
}
