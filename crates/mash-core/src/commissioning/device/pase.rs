//! PASE on the device (INTEROP.md §5.2 steps 2-7, §5.3).

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::{
    BackingOff, DeviceHandshake, ExpectCertRenewalRequest, ExpectPaseConfirm, Failure,
    PASE_DEADLINE, PHASE, State, Step,
};
use crate::commissioning::error::{AuthFailure, Error};
use crate::commissioning::gate::CommissioningGate;
use crate::commissioning::messages::*;
use crate::commissioning::spake2plus::Server;
use crate::commissioning::timer::*;
use crate::time::Instant;

impl DeviceHandshake {
    /// INTEROP.md §5.2 steps 2-3: a valid first message; back-off first.
    pub(super) fn on_pase_request(
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
    pub(super) fn start_pase(
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
    pub(super) fn on_pase_confirm(
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
