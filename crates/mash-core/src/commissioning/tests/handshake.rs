//! Device ↔ controller handshakes run in memory: success, authentication
//! failures, back-off growth and the error-delay timers.

use alloc::string::ToString;
use alloc::vec::Vec;

use super::pair::*;
use crate::commissioning::messages::*;
use crate::commissioning::testutil::StepRng;
use crate::commissioning::*;
use crate::time::Instant;

#[test]
fn full_handshake_agrees_on_zone_id() {
    let mut pair = Pair::matching();
    pair.drive();
    assert!(pair.device_errors.is_empty(), "{:?}", pair.device_errors);
    assert!(
        pair.controller_errors.is_empty(),
        "{:?}",
        pair.controller_errors
    );
    let commissioned = pair
        .device_events
        .iter()
        .find_map(|e| match e {
            DeviceEvent::Commissioned(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    let (zone_id, device_id) = pair
        .controller_events
        .iter()
        .find_map(|e| match e {
            ControllerEvent::Completed { zone_id, device_id } => Some((*zone_id, *device_id)),
            _ => None,
        })
        .unwrap();
    assert_eq!(commissioned.zone_id, zone_id);
    assert_eq!(commissioned.device_id, device_id);
    assert_eq!(commissioned.zone_type, crate::zone::ZoneType::Local);
    assert_eq!(
        (
            commissioned.zone_ca_der.as_slice(),
            commissioned.certificate_der.as_slice()
        ),
        (ZONE_CA, CERT)
    );
    assert_eq!(commissioned.sequence, INITIAL_CERT_SEQUENCE);

    // The reference's order of messages, and the fields it fixes.
    let types: Vec<MessageType> = pair
        .wire
        .iter()
        .map(|s| s.message().message_type())
        .collect();
    use MessageType as T;
    assert_eq!(
        types,
        [
            T::PaseRequest,
            T::PaseResponse,
            T::PaseConfirm,
            T::PaseComplete,
            T::CertRenewalRequest,
            T::CertRenewalCsr,
            T::CertRenewalInstall,
            T::CertRenewalAck
        ]
    );
    match pair.wire[0].message() {
        CommissioningMessage::PaseRequest(r) => assert_eq!(r.client_identity, b"mash-controller"),
        other => panic!("{other:?}"),
    }
    match pair.wire[4].message() {
        CommissioningMessage::CertRenewalRequest(r) => {
            assert_eq!(r.nonce.len(), 32);
            assert_eq!(r.zone_ca, ZONE_CA);
        }
        other => panic!("{other:?}"),
    }
    match pair.wire[5].message() {
        CommissioningMessage::CertRenewalCsr(c) => {
            assert!(c.nonce_hash.is_empty(), "no nonceHash when commissioning")
        }
        other => panic!("{other:?}"),
    }
    assert!(pair.device.is_closed() && pair.controller.is_closed());

    // The gate is free again, after a 500 ms cooldown.
    let busy = pair.gate.try_acquire(pair.now).unwrap_err();
    assert!(
        matches!(busy.reason, BusyReason::Cooldown { .. }),
        "{busy:?}"
    );
    assert!(pair.gate.try_acquire(pair.now + ms(500)).is_ok());
}

#[test]
fn wrong_setup_code_fails_on_both_sides_with_delayed_pase_complete() {
    let mut pair = Pair::new(
        CommissioningGate::default(),
        Instant::ZERO,
        "20202021",
        "20202022",
    );
    pair.drive();
    assert_eq!(
        pair.device_errors,
        [Error::AuthenticationFailed(
            AuthFailure::ConfirmationMismatch
        )]
    );
    assert_eq!(
        pair.controller_errors,
        [Error::AuthenticationFailed(AuthFailure::RejectedByDevice(
            ErrorCode::ConfirmFailed
        ))]
    );
    assert_eq!(
        wire_error_code(&pair.device_errors[0]),
        Some(ErrorCode::ConfirmFailed)
    );
    // PASEComplete errorCode 2, still with a 32-byte cB.
    match pair.device_sent().last().unwrap() {
        CommissioningMessage::PaseComplete(c) => {
            assert_eq!(c.error_code, ErrorCode::ConfirmFailed);
            assert_eq!(c.confirmation.len(), 32);
        }
        other => panic!("{other:?}"),
    }
    // Error delay: at least 200 ms after processing started, 100-500 ms
    // after the decision.
    let started = pair.device_sent_at(MessageType::PaseResponse).unwrap();
    let confirm_at = pair.controller_sent_at(MessageType::PaseConfirm).unwrap();
    let complete_at = pair.device_sent_at(MessageType::PaseComplete).unwrap();
    assert!(complete_at - started >= ms(200));
    assert!((ms(100)..=ms(500)).contains(&(complete_at - confirm_at)));
    assert_eq!(pair.gate.failures(), 1);
    assert!(!pair.gate.is_held(pair.now));
}

/// security.md §11.2 / DEC-047: attempt 4 waits 1 s, attempt 7 waits 3 s,
/// attempt 11 waits 10 s before PASEResponse.
#[test]
fn backoff_grows_with_failures() {
    let mut gate = CommissioningGate::default();
    let mut now = Instant::ZERO;
    let mut waits = Vec::new();
    for attempt in 1..=11u32 {
        let mut pair = Pair::new(gate, now, "20202021", "11111112");
        pair.drive();
        let asked = pair.controller_sent_at(MessageType::PaseRequest).unwrap();
        let answered = pair.device_sent_at(MessageType::PaseResponse).unwrap();
        waits.push((answered - asked).as_millis());
        assert_eq!(pair.gate.failures(), attempt, "attempt {attempt}");
        assert!(
            matches!(pair.controller_errors[..], [Error::AuthenticationFailed(_)]),
            "{:?}",
            pair.controller_errors
        );
        gate = pair.gate;
        // Wait out the cooldown before the next attempt.
        now = pair.now + ms(500);
    }
    assert_eq!(
        waits,
        [0, 0, 0, 1000, 1000, 1000, 3000, 3000, 3000, 3000, 10_000]
    );
    // A success resets the counter.
    let mut pair = Pair::new(gate, now, "20202021", "20202021");
    pair.drive();
    assert!(pair.device_errors.is_empty());
    assert_eq!(pair.gate.failures(), 0);
}

#[test]
fn tampered_confirmations_fail() {
    // cA flipped on its way to the device.
    let mut pair = Pair::matching();
    pair.to_device = |p| flip_confirmation(p, MessageType::PaseConfirm);
    pair.drive();
    assert_eq!(
        pair.device_errors,
        [Error::AuthenticationFailed(
            AuthFailure::ConfirmationMismatch
        )]
    );
    assert_eq!(pair.gate.failures(), 1);

    // cB flipped on its way to the controller.
    let mut pair = Pair::matching();
    pair.to_controller = |p| flip_confirmation(p, MessageType::PaseComplete);
    pair.drive();
    assert_eq!(
        pair.controller_errors,
        [Error::AuthenticationFailed(
            AuthFailure::ConfirmationMismatch
        )]
    );
    assert_eq!(
        pair.device_errors,
        [],
        "the device saw a good cA; the controller just went away"
    );
    assert!(pair.device.is_closed());
    assert!(!pair.gate.is_held(pair.now));
}

fn flip_confirmation(payload: Vec<u8>, t: MessageType) -> Vec<u8> {
    let mut msg = CommissioningMessage::decode(&payload).unwrap();
    if msg.message_type() != t {
        return payload;
    }
    match &mut msg {
        CommissioningMessage::PaseConfirm(c) => c.confirmation[0] ^= 1,
        CommissioningMessage::PaseComplete(c) => c.confirmation[31] ^= 0x80,
        _ => {}
    }
    msg.to_vec()
}

#[test]
fn invalid_public_key_is_auth_failed_after_padding() {
    let mut pair = Pair::matching();
    pair.to_device = |p| match CommissioningMessage::decode(&p).unwrap() {
        CommissioningMessage::PaseRequest(mut r) => {
            r.public_value.truncate(33);
            r.public_value[0] = 0x02;
            CommissioningMessage::from(r).to_vec()
        }
        _ => p,
    };
    pair.drive();
    assert_eq!(
        pair.device_errors,
        [Error::AuthenticationFailed(AuthFailure::InvalidPublicKey)]
    );
    let sent = pair.device_sent();
    assert_eq!(
        sent,
        [CommissioningMessage::from(CommissioningError {
            error_code: ErrorCode::AuthFailed,
            message: "invalid public key".into(),
            retry_after_ms: 0,
        })]
    );
    let at = pair
        .device_sent_at(MessageType::CommissioningError)
        .unwrap();
    assert!(
        at >= Instant::ZERO + ms(200) && at <= Instant::ZERO + ms(500),
        "{at:?}"
    );
    match &pair.controller_errors[..] {
        [Error::Rejected(e)] => assert_eq!(
            (e.error_code, e.message.as_str()),
            (ErrorCode::AuthFailed, "invalid public key")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(pair.gate.failures(), 0, "a bad share is not a code guess");
}

#[test]
fn wrong_message_for_state_gets_a_named_error() {
    let mut gate = CommissioningGate::default();
    let mut rng = StepRng::new(1);
    let verifier = Verifier::from_setup_code(&code("20202021")).unwrap();

    // PASEConfirm as the first message: silent close.
    let mut device = DeviceHandshake::new(Instant::ZERO, verifier.clone());
    let confirm = CommissioningMessage::from(PaseConfirmFixture::default()).to_vec();
    let err = device
        .handle_message(Instant::ZERO, &confirm, &mut gate, &mut rng)
        .unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
            expected: Some(MessageType::PaseRequest),
            got: MessageType::PaseConfirm
        })
    );
    assert!(device.is_closed() && device.poll_transmit().is_none());
    assert_eq!(wire_error_code(&err), None);

    // Garbage as the first message: silent close too.
    let mut device = DeviceHandshake::new(Instant::ZERO, verifier);
    let err = device
        .handle_message(Instant::ZERO, &[0x82, 0x01, 0x02], &mut gate, &mut rng)
        .unwrap_err();
    assert_eq!(err, Error::InvalidMessage(MessageError::NotAMap));
    assert!(device.is_closed());

    // Controller: PASEComplete while waiting for PASEResponse.
    let mut controller =
        ControllerHandshake::new(Instant::ZERO, &code("20202021"), Vec::new(), &mut rng);
    let complete = CommissioningMessage::from(PaseComplete {
        confirmation: alloc::vec![0; 32],
        error_code: ErrorCode::Success,
    });
    let err = controller
        .handle_message(Instant::ZERO, &complete.to_vec(), &mut rng)
        .unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
            expected: Some(MessageType::PaseResponse),
            got: MessageType::PaseComplete
        })
    );
    assert!(controller.is_closed());
    assert_eq!(
        controller.handle_message(Instant::ZERO, &complete.to_vec(), &mut rng),
        Err(Error::ApiMisuse(ApiMisuse::Closed))
    );
}

type PaseConfirmFixture = PaseConfirm;

#[test]
fn api_misuse_leaves_state_unchanged() {
    let mut pair = Pair::matching();
    // Not waiting for a CSR yet: refused, and the handshake still works.
    let r = pair
        .device
        .handle_csr(pair.now, CSR.to_vec(), &mut pair.gate, &mut pair.device_rng);
    assert_eq!(r, Err(Error::ApiMisuse(ApiMisuse::NotAwaiting("csr"))));
    let r =
        pair.controller
            .handle_signed_certificate(pair.now, CERT.to_vec(), pair.shell.device_id);
    assert_eq!(
        r,
        Err(Error::ApiMisuse(ApiMisuse::NotAwaiting(
            "signed certificate"
        )))
    );
    pair.drive();
    assert!(pair.device_errors.is_empty() && pair.controller_errors.is_empty());
    assert!(
        pair.device_events
            .iter()
            .any(|e| matches!(e, DeviceEvent::Commissioned(_)))
    );
}

#[test]
fn controller_surfaces_code_message_and_retry_after() {
    let e = Error::Rejected(CommissioningError {
        error_code: ErrorCode::Busy,
        message: "cooldown active (312ms remaining)".into(),
        retry_after_ms: 312,
    });
    assert_eq!(e.retry_after(), Some(ms(312)));
    assert_eq!(wire_error_code(&e), Some(ErrorCode::Busy));
    assert_eq!(
        e.to_string(),
        "device refused commissioning: DEVICE_BUSY: cooldown active (312ms remaining) (retry after 312 ms)"
    );
}
