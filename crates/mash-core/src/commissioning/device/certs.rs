//! The certificate exchange on the device (INTEROP.md §5.2 steps 8-9),
//! the events it raises and the proof it needs before acknowledging.

use alloc::vec::Vec;
use core::mem;

use rand_core::CryptoRng;

use super::{
    AwaitCertificate, AwaitCsr, AwaitZoneType, DeviceHandshake, ExpectCertRenewalInstall,
    ExpectCertRenewalRequest, Failure, PHASE, State, Step,
};
use crate::commissioning::error::{Error, LocalFailure, PeerMisbehaved};
use crate::commissioning::gate::CommissioningGate;
use crate::commissioning::messages::*;
use crate::commissioning::policy::ZonePolicyError;
use crate::commissioning::timer::*;
use crate::ids::{DeviceId, ZoneId};
use crate::time::Instant;
use crate::zone::ZoneType;

/// Proof that the shell verified the installed operational certificate:
/// it chains to the Zone CA with EKU serverAuth, its CN (the device ID) is
/// not empty, and the certificate and Zone CA are stored.
///
/// The certificate checks live in `mash-pki`, outside this crate, so the
/// constructor is public; call [`CertificateVerified::assertion`] only on
/// the success path of that verification (grep for it when auditing, as
/// for rustls' `HandshakeSignatureValid::assertion`).
#[derive(Debug)]
pub struct CertificateVerified {
    pub(super) device_id: DeviceId,
}

impl CertificateVerified {
    /// Asserts that verification succeeded for the device ID read from the
    /// certificate's CN.
    pub fn assertion(device_id: DeviceId) -> Self {
        Self { device_id }
    }
}

/// A commissioning that finished (INTEROP.md §5.2 step 9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commissioned {
    /// SHA-256(PASE sharedSecret)\[0:8\].
    pub zone_id: ZoneId,
    /// From the Zone CA's first OU.
    pub zone_type: ZoneType,
    /// From the certificate CN.
    pub device_id: DeviceId,
    /// The Zone CA, DER.
    pub zone_ca_der: Vec<u8>,
    /// The operational certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The install sequence acknowledged (2 from a Go controller).
    pub sequence: u32,
}

/// What the device handshake asks of, or reports to, the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// Parse this Zone CA and answer [`DeviceHandshake::handle_zone_type`](super::DeviceHandshake::handle_zone_type)
    /// with the zone type from its first OU (unknown strings mean LOCAL,
    /// [`ZoneType::from_ou`]), or [`DeviceHandshake::handle_zone_ca_invalid`](super::DeviceHandshake::handle_zone_ca_invalid).
    ZoneCaReceived {
        /// The Zone CA, DER.
        zone_ca_der: Vec<u8>,
    },
    /// Generate a new P-256 key for this zone and a CSR (O=`MASH Device`,
    /// OU=`V<vendor>`,`P<product>`, empty CN); answer
    /// [`DeviceHandshake::handle_csr`](super::DeviceHandshake::handle_csr) or [`DeviceHandshake::handle_csr_failed`](super::DeviceHandshake::handle_csr_failed).
    CsrRequested {
        /// The zone being joined.
        zone_id: ZoneId,
        /// Its type.
        zone_type: ZoneType,
    },
    /// Verify the certificate against the Zone CA (EKU serverAuth), read
    /// the device ID from its CN, store both; answer
    /// [`DeviceHandshake::handle_certificate_verified`](super::DeviceHandshake::handle_certificate_verified) or
    /// [`DeviceHandshake::handle_certificate_rejected`](super::DeviceHandshake::handle_certificate_rejected).
    VerifyCertificate {
        /// The operational certificate, DER.
        certificate_der: Vec<u8>,
        /// The Zone CA it must chain to, DER.
        zone_ca_der: Vec<u8>,
    },
    /// Done: register the zone, close the window and the connection.
    Commissioned(Commissioned),
}

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
