//! Property tests: no commissioning decoder or state machine panics on
//! arbitrary input, and every message round-trips.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use proptest::prelude::*;

use super::pair::{CERT, CSR, ZONE_CA, ms};
use crate::commissioning::messages::*;
use crate::commissioning::testutil::StepRng;
use crate::commissioning::*;
use crate::ids::DeviceId;
use crate::time::Instant;
use crate::zone::ZoneType;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn message() -> impl Strategy<Value = CommissioningMessage> {
    let code = any::<u8>().prop_map(ErrorCode::from_value);
    prop_oneof![
        (bytes(70), bytes(20)).prop_map(|(public_value, client_identity)| PaseRequest {
            public_value,
            client_identity
        }
        .into()),
        bytes(70).prop_map(|public_value| PaseResponse { public_value }.into()),
        bytes(40).prop_map(|confirmation| PaseConfirm { confirmation }.into()),
        (bytes(40), code.clone()).prop_map(|(confirmation, error_code)| PaseComplete {
            confirmation,
            error_code
        }
        .into()),
        bytes(40).prop_map(|nonce| CsrRequest { nonce }.into()),
        (bytes(300), code.clone())
            .prop_map(|(csr, error_code)| CsrResponse { csr, error_code }.into()),
        (bytes(300), bytes(300), any::<u8>(), any::<u8>()).prop_map(
            |(operational_cert, ca_cert, zone_type, zone_priority)| {
                CertInstall {
                    operational_cert,
                    ca_cert,
                    zone_type,
                    zone_priority,
                }
                .into()
            }
        ),
        code.clone()
            .prop_map(|error_code| CertInstallResponse { error_code }.into()),
        Just(CommissioningMessage::CommissioningComplete),
        (bytes(40), bytes(300))
            .prop_map(|(nonce, zone_ca)| CertRenewalRequest { nonce, zone_ca }.into()),
        (bytes(300), bytes(20))
            .prop_map(|(csr, nonce_hash)| CertRenewalCsr { csr, nonce_hash }.into()),
        (bytes(300), any::<u32>()).prop_map(|(new_cert, sequence)| CertRenewalInstall {
            new_cert,
            sequence
        }
        .into()),
        (any::<u8>(), any::<u32>()).prop_map(|(s, active_sequence)| {
            CertRenewalAck {
                status: RenewalStatus::from_value(s),
                active_sequence,
            }
            .into()
        }),
        (code, ".{0,40}", any::<u32>()).prop_map(
            |(error_code, message, retry_after_ms): (ErrorCode, String, u32)| {
                CommissioningError {
                    error_code,
                    message,
                    retry_after_ms,
                }
                .into()
            }
        ),
    ]
}

/// CBOR maps built from plausible pieces, so the decoder's field handling
/// (not just its CBOR framing) sees hostile input.
fn map_like() -> impl Strategy<Value = Vec<u8>> {
    let item = prop_oneof![
        (0u8..0x18).prop_map(|v| alloc::vec![v]),
        Just(alloc::vec![0x18, 0xff]),
        Just(alloc::vec![0x19, 0x01, 0x00]),
        Just(alloc::vec![0x1b, 0, 0, 0, 1, 0, 0, 0, 0]),
        Just(alloc::vec![0x20]),
        Just(alloc::vec![0xf6]),
        Just(alloc::vec![0xf5]),
        Just(alloc::vec![0x80]),
        Just(alloc::vec![0xa0]),
        Just(alloc::vec![0x9f, 0x01, 0xff]),
        Just(alloc::vec![0xc1, 0x01]),
        Just(alloc::vec![0x61, 0x61]),
        Just(alloc::vec![0x62, 0xff, 0xfe]),
        bytes(70).prop_map(|b| {
            let mut v = alloc::vec![0x58, b.len() as u8];
            v.extend(b);
            v
        }),
    ];
    (
        proptest::collection::vec((0u8..7, item), 0..7),
        any::<bool>(),
    )
        .prop_map(|(entries, indefinite)| {
            let mut out = if indefinite {
                alloc::vec![0xbf]
            } else {
                alloc::vec![0xa0 | entries.len() as u8]
            };
            for (k, v) in entries {
                out.push(k);
                out.extend(v);
            }
            if indefinite {
                out.push(0xff);
            }
            out
        })
}

/// One input to a device handshake.
#[derive(Debug, Clone)]
enum DeviceOp {
    /// The honest controller's next frame.
    Honest,
    /// The honest controller's next frame with one byte changed.
    Mutated(usize, u8),
    /// Arbitrary bytes.
    Raw(Vec<u8>),
    /// Let time pass and fire timers.
    Wait(u64),
    ZoneType(u8),
    ZoneCaInvalid,
    Csr(bool),
    Certificate(bool),
    Close,
}

fn device_op() -> impl Strategy<Value = DeviceOp> {
    prop_oneof![
        4 => Just(DeviceOp::Honest),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| DeviceOp::Mutated(i, b)),
        2 => prop_oneof![bytes(100), map_like()].prop_map(DeviceOp::Raw),
        2 => (0u64..40_000).prop_map(DeviceOp::Wait),
        2 => (1u8..4).prop_map(DeviceOp::ZoneType),
        1 => Just(DeviceOp::ZoneCaInvalid),
        2 => any::<bool>().prop_map(DeviceOp::Csr),
        2 => any::<bool>().prop_map(DeviceOp::Certificate),
        1 => Just(DeviceOp::Close),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decode_never_panics_and_reencodes_stably(input in prop_oneof![bytes(600), map_like()]) {
        if let Ok(msg) = CommissioningMessage::decode(&input) {
            let again = CommissioningMessage::decode(&msg.to_vec());
            prop_assert_eq!(again, Ok(msg));
        }
    }

    #[test]
    fn every_message_round_trips(msg in message()) {
        prop_assert_eq!(CommissioningMessage::decode(&msg.to_vec()), Ok(msg));
    }

    #[test]
    fn setup_code_and_qr_parsers_never_panic(s in "\\PC{0,40}", t in "(MASH:)?[0-9a-fx: ]{0,40}") {
        for input in [s.as_str(), t.as_str()] {
            let _ = SetupCode::parse(input);
            if let Ok(qr) = QrPayload::parse(input) {
                prop_assert_eq!(QrPayload::parse(&qr.to_string()), Ok(qr));
            }
        }
    }

    #[test]
    fn device_handshake_survives_arbitrary_input(ops in proptest::collection::vec(device_op(), 0..24), test_key in any::<bool>()) {
        let policy = ZonePolicy { test_enabled: test_key, ..ZonePolicy::default() };
        let mut gate = CommissioningGate::new(policy);
        let mut rng = StepRng::new(21);
        let mut now = Instant::ZERO;
        let verifier = Verifier::from_setup_code(&SetupCode::new(20_202_021).unwrap()).unwrap();
        let mut device = DeviceHandshake::new(now, verifier);
        let mut controller = ControllerHandshake::new(now, &SetupCode::new(20_202_021).unwrap(), ZONE_CA.to_vec(), &mut rng);
        for op in ops {
            let _ = match op {
                DeviceOp::Honest | DeviceOp::Mutated(..) => match controller.poll_transmit() {
                    Some(mut frame) => {
                        if let DeviceOp::Mutated(i, b) = op {
                            let len = frame.len();
                            if let Some(byte) = frame.get_mut(i % len.max(1)) {
                                *byte ^= b | 1;
                            }
                        }
                        device.handle_message(now, &frame, &mut gate, &mut rng)
                    }
                    None => Ok(()),
                },
                DeviceOp::Raw(b) => device.handle_message(now, &b, &mut gate, &mut rng),
                DeviceOp::Wait(d) => {
                    now = now + ms(d);
                    device.handle_timeout(now, &mut gate, &mut rng)
                }
                DeviceOp::ZoneType(t) => device.handle_zone_type(now, ZoneType::from_value(t), &mut gate, &mut rng),
                DeviceOp::ZoneCaInvalid => device.handle_zone_ca_invalid(now, &mut gate, &mut rng),
                DeviceOp::Csr(true) => device.handle_csr(now, CSR.to_vec(), &mut gate, &mut rng),
                DeviceOp::Csr(false) => device.handle_csr_failed(now, &mut gate, &mut rng),
                DeviceOp::Certificate(true) => {
                    let proof = CertificateVerified::assertion(DeviceId::from_bytes([1; 8]));
                    device.handle_certificate_verified(now, proof, &mut gate, &mut rng)
                }
                DeviceOp::Certificate(false) => device.handle_certificate_rejected(now, &mut gate, &mut rng),
                DeviceOp::Close => {
                    device.handle_close(now, &mut gate);
                    Ok(())
                }
            };
            // Feed the device's answers back so the honest controller can go on.
            while let Some(p) = device.poll_transmit() {
                let _ = controller.handle_message(now, &p, &mut rng);
            }
            while device.poll_event().is_some() {}
            while let Some(e) = controller.poll_event() {
                if let ControllerEvent::SignCsr { .. } = e {
                    let _ = controller.handle_signed_certificate(now, CERT.to_vec(), DeviceId::from_bytes([1; 8]));
                }
            }
            if device.is_closed() {
                prop_assert!(!gate.is_held(now), "a closed handshake holds no gate");
                prop_assert_eq!(device.poll_timeout(), None);
            }
        }
    }

    #[test]
    fn controller_and_renewal_survive_arbitrary_input(
        frames in proptest::collection::vec(prop_oneof![bytes(120), map_like(), message().prop_map(|m| m.to_vec())], 0..12),
        waits in proptest::collection::vec(0u64..40_000, 12),
    ) {
        let mut rng = StepRng::new(22);
        let mut now = Instant::ZERO;
        let mut controller = ControllerHandshake::new(now, &SetupCode::new(20_202_021).unwrap(), ZONE_CA.to_vec(), &mut rng);
        let mut initiator = RenewalInitiator::new(now, 2, &mut rng);
        let mut responder = RenewalResponder::new(0);
        for (frame, wait) in frames.iter().zip(waits) {
            let _ = controller.handle_message(now, frame, &mut rng);
            let _ = initiator.handle_message(frame);
            let _ = responder.handle_message(frame);
            while let Some(e) = responder.poll_event() {
                match e {
                    RenewalEvent::GenerateCsr => { let _ = responder.handle_csr(CSR.to_vec()); }
                    RenewalEvent::CheckCertificate { .. } => {
                        let _ = responder.handle_certificate_check(CertificateCheck::KeyMatches);
                    }
                    _ => {}
                }
            }
            while let Some(e) = initiator.poll_event() {
                if let InitiatorEvent::SignCsr { .. } = e {
                    let _ = initiator.handle_signed_certificate(now, CERT.to_vec());
                }
            }
            while controller.poll_event().is_some() {}
            now = now + ms(wait);
            let _ = controller.handle_timeout(now);
            let _ = initiator.handle_timeout(now);
            while controller.poll_transmit().is_some() || initiator.poll_transmit().is_some() || responder.poll_transmit().is_some() {}
        }
    }
}
