//! The certificate exchange on the device (INTEROP.md §5.2 steps 8-9).

use alloc::vec::Vec;
use core::mem;

use rand_core::CryptoRng;

use super::events::{CertificateVerified, Commissioned, DeviceEvent};
use super::{
    AwaitCertificate, AwaitCsr, AwaitZoneType, DeviceHandshake, ExpectCertRenewalInstall,
    ExpectCertRenewalRequest, Failure, PHASE, State, Step,
};
use crate::commissioning::error::{Error, LocalFailure, PeerMisbehaved};
use crate::commissioning::gate::CommissioningGate;
use crate::commissioning::messages::*;
use crate::commissioning::policy::ZonePolicyError;
use crate::commissioning::timer::*;
use crate::time::Instant;
use crate::zone::ZoneType;

impl DeviceHandshake {
    /// INTEROP.md §5.2 step 8.1: the Zone CA arrives; the shell parses it.
    pub(super) fn on_cert_request(
        &mut self,
        now: Instant,
        s: ExpectCertRenewalRequest,
        req: CertRenewalRequest,
    ) -> Step {
        if req.zone_ca.is_empty() {
            return Err(Failure::new(PeerMisbehaved::MissingZoneCa.into()));
        }
        self.events.push_back(DeviceEvent::ZoneCaReceived {
            zone_ca_der: req.zone_ca.clone(),
        });
        self.timers.set(PHASE, now + CSR_TIMEOUT);
        Ok(State::AwaitZoneType(AwaitZoneType {
            pase: s.pase,
            zone_ca_der: req.zone_ca,
        }))
    }

    /// The shell read the zone type from the Zone CA (INTEROP.md §5.2 step
    /// 8.2): the zone policy decides.
    pub fn handle_zone_type(
        &mut self,
        now: Instant,
        zone_type: ZoneType,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let s = match mem::replace(&mut self.state, State::Closed) {
            State::AwaitZoneType(s) => s,
            other => return self.restore_misuse(other, "zone type"),
        };
        let step = match gate.policy().check_zone_type(zone_type) {
            Err(e) => Err(Failure::new(Error::ZonePolicy(e))),
            Ok(()) => {
                let zone_id = s.pase.zone_id();
                self.events
                    .push_back(DeviceEvent::CsrRequested { zone_id, zone_type });
                self.timers.set(PHASE, now + CSR_TIMEOUT);
                Ok(State::AwaitCsr(AwaitCsr {
                    pase: s.pase,
                    zone_type,
                    zone_ca_der: s.zone_ca_der,
                }))
            }
        };
        self.settle(now, step, gate, rng)
    }

    /// The shell could not parse the Zone CA: close silently.
    pub fn handle_zone_ca_invalid(
        &mut self,
        now: Instant,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let _s = match mem::replace(&mut self.state, State::Closed) {
            State::AwaitZoneType(s) => s,
            other => return self.restore_misuse(other, "zone type"),
        };
        let failure = Failure::new(Error::ZonePolicy(ZonePolicyError::InvalidZoneCa));
        self.settle(now, Err(failure), gate, rng)
    }

    /// The CSR for the new zone key (INTEROP.md §5.2 step 8.3): sent
    /// without nonceHash.
    pub fn handle_csr(
        &mut self,
        now: Instant,
        csr_der: Vec<u8>,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let s = match mem::replace(&mut self.state, State::Closed) {
            State::AwaitCsr(s) => s,
            other => return self.restore_misuse(other, "csr"),
        };
        self.send(CertRenewalCsr {
            csr: csr_der,
            nonce_hash: Vec::new(),
        });
        self.timers.set(PHASE, now + CERT_WAIT_TIMEOUT);
        let next = ExpectCertRenewalInstall {
            pase: s.pase,
            zone_type: s.zone_type,
            zone_ca_der: s.zone_ca_der,
        };
        self.settle(now, Ok(State::ExpectCertRenewalInstall(next)), gate, rng)
    }

    /// Key or CSR generation failed: CommissioningError 3.
    pub fn handle_csr_failed(
        &mut self,
        now: Instant,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let _s = match mem::replace(&mut self.state, State::Closed) {
            State::AwaitCsr(s) => s,
            other => return self.restore_misuse(other, "csr"),
        };
        self.settle(
            now,
            Err(Failure::new(Error::Local(LocalFailure::CsrGeneration))),
            gate,
            rng,
        )
    }

    /// INTEROP.md §5.2 step 8.4: the signed certificate arrives.
    pub(super) fn on_cert_install(
        &mut self,
        now: Instant,
        s: ExpectCertRenewalInstall,
        install: CertRenewalInstall,
    ) -> Step {
        self.events.push_back(DeviceEvent::VerifyCertificate {
            certificate_der: install.new_cert.clone(),
            zone_ca_der: s.zone_ca_der.clone(),
        });
        self.timers.set(PHASE, now + CERT_INSTALL_TIMEOUT);
        Ok(State::AwaitCertificate(AwaitCertificate {
            pase: s.pase,
            zone_type: s.zone_type,
            zone_ca_der: s.zone_ca_der,
            certificate_der: install.new_cert,
            sequence: install.sequence,
        }))
    }

    /// INTEROP.md §5.2 steps 8.5-9: acknowledge, report, close.
    pub fn handle_certificate_verified(
        &mut self,
        now: Instant,
        proof: CertificateVerified,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let s = match mem::replace(&mut self.state, State::Closed) {
            State::AwaitCertificate(s) => s,
            other => return self.restore_misuse(other, "certificate verification"),
        };
        self.send(CertRenewalAck {
            status: RenewalStatus::Success,
            active_sequence: s.sequence,
        });
        self.events
            .push_back(DeviceEvent::Commissioned(Commissioned {
                zone_id: s.pase.zone_id(),
                zone_type: s.zone_type,
                device_id: proof.device_id,
                zone_ca_der: s.zone_ca_der,
                certificate_der: s.certificate_der,
                sequence: s.sequence,
            }));
        self.settle(now, Ok(State::Closed), gate, rng)
    }

    /// The certificate did not verify: CommissioningError 4.
    pub fn handle_certificate_rejected(
        &mut self,
        now: Instant,
        gate: &mut CommissioningGate,
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let _s = match mem::replace(&mut self.state, State::Closed) {
            State::AwaitCertificate(s) => s,
            other => return self.restore_misuse(other, "certificate verification"),
        };
        self.settle(
            now,
            Err(Failure::new(Error::Local(
                LocalFailure::CertificateRejected,
            ))),
            gate,
            rng,
        )
    }
}
