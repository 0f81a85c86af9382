//! An in-memory device ↔ controller pair with a simulated clock (quinn's
//! `Pair`): transmits are delivered instantly, `drive` jumps to the next
//! timer, and a scripted shell answers the state machines' events.

use alloc::vec::Vec;
use core::time::Duration;

use crate::commissioning::testutil::StepRng;
use crate::commissioning::*;
use crate::ids::DeviceId;
use crate::time::Instant;
use crate::zone::ZoneType;

/// How the simulated shells answer events.
#[derive(Debug, Clone)]
pub struct Shell {
    /// Zone type read from the Zone CA (`None`: unreadable).
    pub zone_type: Option<ZoneType>,
    /// CSR generation succeeds.
    pub csr_ok: bool,
    /// Certificate verification succeeds.
    pub cert_ok: bool,
    /// The device answers shell requests at all (false: phase timeouts).
    pub device_answers: bool,
    /// The device answers VerifyCertificate.
    pub answer_verification: bool,
    /// The device ID the controller assigns.
    pub device_id: DeviceId,
}

impl Default for Shell {
    fn default() -> Self {
        Self {
            zone_type: Some(ZoneType::Local),
            csr_ok: true,
            cert_ok: true,
            device_answers: true,
            answer_verification: true,
            device_id: DeviceId::from_bytes([0xaa, 0x08, 0x5b, 0x00, 0x26, 0xe3, 0x6f, 0x52]),
        }
    }
}

/// A frame seen on the simulated wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub at: Instant,
    pub from_device: bool,
    pub payload: Vec<u8>,
}

impl Seen {
    pub fn message(&self) -> CommissioningMessage {
        CommissioningMessage::decode(&self.payload).unwrap()
    }
}

pub struct Pair {
    pub now: Instant,
    pub gate: CommissioningGate,
    pub device: DeviceHandshake,
    pub controller: ControllerHandshake,
    pub shell: Shell,
    pub device_rng: StepRng,
    pub controller_rng: StepRng,
    pub wire: Vec<Seen>,
    pub device_errors: Vec<Error>,
    pub controller_errors: Vec<Error>,
    pub device_events: Vec<DeviceEvent>,
    pub controller_events: Vec<ControllerEvent>,
    /// Rewrites controller → device payloads (tampering).
    pub to_device: fn(Vec<u8>) -> Vec<u8>,
    /// Rewrites device → controller payloads (tampering).
    pub to_controller: fn(Vec<u8>) -> Vec<u8>,
    /// Controller frames after this many are dropped (a stalled peer).
    pub deliver_to_device: usize,
}

pub const ZONE_CA: &[u8] = b"zone-ca-der";
pub const CSR: &[u8] = b"csr-der";
pub const CERT: &[u8] = b"cert-der";

pub fn code(s: &str) -> SetupCode {
    SetupCode::parse(s).unwrap()
}

impl Pair {
    /// A device provisioned with `device_code` and a controller that typed
    /// `controller_code`, connecting at `now` through `gate`.
    pub fn new(
        gate: CommissioningGate,
        now: Instant,
        device_code: &str,
        controller_code: &str,
    ) -> Self {
        let verifier = Verifier::from_setup_code(&code(device_code)).unwrap();
        let mut controller_rng = StepRng::new(now.as_millis() ^ 0xc0ffee);
        Self {
            now,
            gate,
            device: DeviceHandshake::new(now, verifier),
            controller: ControllerHandshake::new(
                now,
                &code(controller_code),
                ZONE_CA.to_vec(),
                &mut controller_rng,
            ),
            shell: Shell::default(),
            device_rng: StepRng::new(now.as_millis() ^ 0xdecaf),
            controller_rng,
            wire: Vec::new(),
            device_errors: Vec::new(),
            controller_errors: Vec::new(),
            device_events: Vec::new(),
            controller_events: Vec::new(),
            to_device: |p| p,
            to_controller: |p| p,
            deliver_to_device: usize::MAX,
        }
    }

    /// A pair with a fresh gate, at t = 0, with the same code on both sides.
    pub fn matching() -> Self {
        Self::new(
            CommissioningGate::default(),
            Instant::ZERO,
            "20202021",
            "20202021",
        )
    }

    fn record<T>(errors: &mut Vec<Error>, r: Result<T, Error>) {
        if let Err(e) = r {
            errors.push(e);
        }
    }

    /// Moves every queued frame and answers every event at `now`, until
    /// nothing changes.
    pub fn step(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(p) = self.controller.poll_transmit() {
                progressed = true;
                if self.wire.iter().filter(|s| !s.from_device).count() >= self.deliver_to_device {
                    continue;
                }
                let p = (self.to_device)(p);
                self.wire.push(Seen {
                    at: self.now,
                    from_device: false,
                    payload: p.clone(),
                });
                let r =
                    self.device
                        .handle_message(self.now, &p, &mut self.gate, &mut self.device_rng);
                Self::record(&mut self.device_errors, r);
            }
            while let Some(p) = self.device.poll_transmit() {
                progressed = true;
                let p = (self.to_controller)(p);
                self.wire.push(Seen {
                    at: self.now,
                    from_device: true,
                    payload: p.clone(),
                });
                let r = self
                    .controller
                    .handle_message(self.now, &p, &mut self.controller_rng);
                Self::record(&mut self.controller_errors, r);
            }
            while let Some(e) = self.device.poll_event() {
                progressed = true;
                self.answer_device(&e);
                self.device_events.push(e);
            }
            while let Some(e) = self.controller.poll_event() {
                progressed = true;
                if let ControllerEvent::SignCsr { .. } = e {
                    let r = self.controller.handle_signed_certificate(
                        self.now,
                        CERT.to_vec(),
                        self.shell.device_id,
                    );
                    Self::record(&mut self.controller_errors, r);
                }
                self.controller_events.push(e);
            }
            if progressed {
                continue;
            }
            // Everything delivered: a side that closed closes the
            // connection for the other.
            if self.device.is_closed() && !self.controller.is_closed() {
                let r = self.controller.handle_close();
                Self::record(&mut self.controller_errors, r);
            } else if self.controller.is_closed() && !self.device.is_closed() {
                self.device.handle_close(self.now, &mut self.gate);
            } else {
                return;
            }
        }
    }

    fn answer_device(&mut self, e: &DeviceEvent) {
        if !self.shell.device_answers {
            return;
        }
        let (now, gate, rng) = (self.now, &mut self.gate, &mut self.device_rng);
        let r = match e {
            DeviceEvent::ZoneCaReceived { .. } => match self.shell.zone_type {
                Some(t) => self.device.handle_zone_type(now, t, gate, rng),
                None => self.device.handle_zone_ca_invalid(now, gate, rng),
            },
            DeviceEvent::CsrRequested { .. } if self.shell.csr_ok => {
                self.device.handle_csr(now, CSR.to_vec(), gate, rng)
            }
            DeviceEvent::CsrRequested { .. } => self.device.handle_csr_failed(now, gate, rng),
            DeviceEvent::VerifyCertificate { .. } if !self.shell.answer_verification => Ok(()),
            DeviceEvent::VerifyCertificate { .. } if self.shell.cert_ok => {
                let proof = CertificateVerified::assertion(self.shell.device_id);
                self.device
                    .handle_certificate_verified(now, proof, gate, rng)
            }
            DeviceEvent::VerifyCertificate { .. } => {
                self.device.handle_certificate_rejected(now, gate, rng)
            }
            _ => Ok(()),
        };
        Self::record(&mut self.device_errors, r);
    }

    /// The earliest pending timer of either side.
    pub fn next_timeout(&self) -> Option<Instant> {
        [self.device.poll_timeout(), self.controller.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Advances the clock to `at` (not past any timer) and fires what is due.
    pub fn advance_to(&mut self, at: Instant) {
        self.now = at;
        let r = self
            .device
            .handle_timeout(at, &mut self.gate, &mut self.device_rng);
        Self::record(&mut self.device_errors, r);
        let r = self.controller.handle_timeout(at);
        Self::record(&mut self.controller_errors, r);
        self.step();
    }

    /// Runs until both sides are closed or no timer is left.
    pub fn drive(&mut self) {
        self.step();
        for _ in 0..1000 {
            if self.device.is_closed() && self.controller.is_closed() {
                return;
            }
            let Some(at) = self.next_timeout() else {
                return;
            };
            self.advance_to(at.max(self.now));
        }
        panic!("pair did not settle");
    }

    /// Frames sent by the device, decoded.
    pub fn device_sent(&self) -> Vec<CommissioningMessage> {
        self.wire
            .iter()
            .filter(|s| s.from_device)
            .map(Seen::message)
            .collect()
    }

    /// When the device first sent a message of type `t`.
    pub fn device_sent_at(&self, t: MessageType) -> Option<Instant> {
        self.wire
            .iter()
            .find(|s| s.from_device && s.message().message_type() == t)
            .map(|s| s.at)
    }

    /// When the controller first sent a message of type `t`.
    pub fn controller_sent_at(&self, t: MessageType) -> Option<Instant> {
        self.wire
            .iter()
            .find(|s| !s.from_device && s.message().message_type() == t)
            .map(|s| s.at)
    }
}

pub fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}
