//! The gate and the zone policy seen from the wire: BUSY, cooldown,
//! ZONE_TYPE_EXISTS, slots full, TEST without key, local failures.

use alloc::vec;
use alloc::vec::Vec;

use super::pair::*;
use crate::commissioning::messages::*;
use crate::commissioning::testutil::StepRng;
use crate::commissioning::*;
use crate::time::Instant;
use crate::zone::ZoneType;

fn rejected(pair: &Pair) -> CommissioningError {
    match &pair.controller_errors[..] {
        [Error::Rejected(e)] => e.clone(),
        other => panic!("expected one rejection, got {other:?}"),
    }
}

/// A second connection sends PASERequest while the first holds the gate.
#[test]
fn busy_while_another_commissioning_holds_the_gate_then_cooldown() {
    let verifier = Verifier::from_setup_code(&code("20202021")).unwrap();
    let mut gate = CommissioningGate::default();
    let mut rng = StepRng::new(5);
    let t0 = Instant::ZERO;

    // First connection: PASERequest taken, gate held.
    let mut first = DeviceHandshake::new(t0, verifier.clone());
    let mut ctl = ControllerHandshake::new(t0, &code("20202021"), ZONE_CA.to_vec(), &mut rng);
    let request = ctl.poll_transmit().unwrap();
    first
        .handle_message(t0, &request, &mut gate, &mut rng)
        .unwrap();
    assert!(gate.is_held(t0));

    // Second connection, 2 s later, through a full pair sharing the gate.
    let mut pair = Pair::new(gate, t0 + ms(2000), "20202021", "20202021");
    pair.drive();
    let e = rejected(&pair);
    assert_eq!(
        (e.error_code, e.message.as_str(), e.retry_after_ms),
        (ErrorCode::Busy, "commissioning already in progress", 85_000)
    );
    assert_eq!(pair.controller_errors[0].retry_after(), Some(ms(85_000)));
    assert!(matches!(
        pair.device_errors[..],
        [Error::Busy(Busy {
            reason: BusyReason::InProgress,
            ..
        })]
    ));
    assert_eq!(
        pair.gate.failures(),
        0,
        "in-progress refusals are not failures"
    );
    let sent = pair.device_sent();
    assert_eq!(sent.len(), 1, "BUSY and close: {sent:?}");

    // The first connection goes away at t = 3 s; a third one 200 ms later
    // meets the cooldown.
    let mut gate = pair.gate;
    first.handle_close(t0 + ms(3000), &mut gate);
    let mut pair = Pair::new(gate, t0 + ms(3200), "20202021", "20202021");
    pair.drive();
    let e = rejected(&pair);
    assert_eq!((e.error_code, e.retry_after_ms), (ErrorCode::Busy, 300));
    assert_eq!(e.message, "cooldown active (300ms remaining)");
    assert_eq!(pair.gate.failures(), 1, "cooldown refusals count");

    // After the cooldown the next one succeeds.
    let gate = pair.gate;
    let mut pair = Pair::new(gate, t0 + ms(3500), "20202021", "20202021");
    pair.drive();
    assert!(
        pair.controller_errors.is_empty(),
        "{:?}",
        pair.controller_errors
    );
}

#[test]
fn zone_type_exists() {
    let policy = ZonePolicy {
        existing: vec![ZoneType::Local],
        ..ZonePolicy::default()
    };
    let mut pair = Pair::new(
        CommissioningGate::new(policy),
        Instant::ZERO,
        "20202021",
        "20202021",
    );
    pair.drive();
    let e = rejected(&pair);
    assert_eq!(
        (e.error_code, e.message.as_str(), e.retry_after_ms),
        (ErrorCode::ZoneTypeExists, "zone type already exists", 0)
    );
    assert_eq!(
        pair.device_errors,
        [Error::ZonePolicy(ZonePolicyError::ZoneTypeExists(
            ZoneType::Local
        ))]
    );
    // Byte-identical to the reference's capture.
    let last = pair.wire.last().unwrap();
    assert_eq!(
        hex::encode(&last.payload),
        "a40118ff020a0378187a6f6e65207479706520616c7265616479206578697374730400"
    );
    assert!(!pair.gate.is_held(pair.now));
}

#[test]
fn slots_full_before_pase() {
    let policy = ZonePolicy {
        existing: vec![ZoneType::Grid, ZoneType::Local],
        ..ZonePolicy::default()
    };
    let mut pair = Pair::new(
        CommissioningGate::new(policy),
        Instant::ZERO,
        "20202021",
        "20202021",
    );
    pair.drive();
    let e = rejected(&pair);
    assert_eq!(
        (e.error_code, e.message.as_str(), e.retry_after_ms),
        (ErrorCode::Busy, "zone slots full (2/2)", 0)
    );
    assert_eq!(pair.device_sent().len(), 1, "no PASEResponse");
    assert_eq!(pair.gate.failures(), 1);
}

#[test]
fn slots_full_after_pase() {
    // With a test key the gate admits (TEST slot free), but the Zone CA is
    // GRID and the single non-TEST slot is taken.
    let policy = ZonePolicy {
        existing: vec![ZoneType::Local],
        max_zones: 1,
        test_enabled: true,
        unique_types: true,
    };
    let mut pair = Pair::new(
        CommissioningGate::new(policy),
        Instant::ZERO,
        "20202021",
        "20202021",
    );
    pair.shell.zone_type = Some(ZoneType::Grid);
    pair.drive();
    let e = rejected(&pair);
    assert_eq!(
        (e.error_code, e.message.as_str(), e.retry_after_ms),
        (ErrorCode::Busy, "zone slots full", 0)
    );
    assert_eq!(
        hex::encode(&pair.wire.last().unwrap().payload),
        "a40118ff0205036f7a6f6e6520736c6f74732066756c6c0400"
    );
}

#[test]
fn test_zone_without_key_closes_silently() {
    let mut pair = Pair::matching();
    pair.shell.zone_type = Some(ZoneType::Test);
    pair.drive();
    assert_eq!(
        pair.device_errors,
        [Error::ZonePolicy(ZonePolicyError::TestZoneNotEnabled)]
    );
    assert_eq!(pair.controller_errors, [Error::ConnectionClosed]);
    assert_eq!(
        pair.device_sent().last().unwrap().message_type(),
        MessageType::PaseComplete,
        "nothing after PASE"
    );

    // With a key it is accepted as an extra slot.
    let policy = ZonePolicy {
        existing: vec![ZoneType::Grid, ZoneType::Local],
        test_enabled: true,
        ..Default::default()
    };
    let mut pair = Pair::new(
        CommissioningGate::new(policy),
        Instant::ZERO,
        "20202021",
        "20202021",
    );
    pair.shell.zone_type = Some(ZoneType::Test);
    pair.drive();
    assert!(pair.device_errors.is_empty() && pair.controller_errors.is_empty());
}

#[test]
fn unreadable_zone_ca_closes_silently() {
    let mut pair = Pair::matching();
    pair.shell.zone_type = None;
    pair.drive();
    assert_eq!(
        pair.device_errors,
        [Error::ZonePolicy(ZonePolicyError::InvalidZoneCa)]
    );
    assert_eq!(pair.controller_errors, [Error::ConnectionClosed]);
}

#[test]
fn local_failures_map_to_codes_3_and_4() {
    let mut pair = Pair::matching();
    pair.shell.csr_ok = false;
    pair.drive();
    assert_eq!(
        pair.device_errors,
        [Error::Local(LocalFailure::CsrGeneration)]
    );
    assert_eq!(rejected(&pair).error_code, ErrorCode::CsrFailed);

    let mut pair = Pair::matching();
    pair.shell.cert_ok = false;
    pair.drive();
    assert_eq!(
        pair.device_errors,
        [Error::Local(LocalFailure::CertificateRejected)]
    );
    assert_eq!(rejected(&pair).error_code, ErrorCode::CertInstallFailed);
    assert!(
        !pair
            .device_events
            .iter()
            .any(|e| matches!(e, DeviceEvent::Commissioned(_)))
    );
}

#[test]
fn wire_error_code_covers_every_outcome() {
    use crate::commissioning::gate::Busy;
    let busy = Error::Busy(Busy {
        reason: BusyReason::InProgress,
        retry_after_ms: 85_000,
    });
    let cases: Vec<(Error, Option<ErrorCode>)> = vec![
        (
            Error::AuthenticationFailed(AuthFailure::InvalidPublicKey),
            Some(ErrorCode::AuthFailed),
        ),
        (
            Error::AuthenticationFailed(AuthFailure::ConfirmationMismatch),
            Some(ErrorCode::ConfirmFailed),
        ),
        (busy, Some(ErrorCode::Busy)),
        (
            Error::ZonePolicy(ZonePolicyError::ZoneTypeExists(ZoneType::Grid)),
            Some(ErrorCode::ZoneTypeExists),
        ),
        (
            Error::ZonePolicy(ZonePolicyError::SlotsFull { used: 2, max: 2 }),
            Some(ErrorCode::Busy),
        ),
        (Error::ZonePolicy(ZonePolicyError::TestZoneNotEnabled), None),
        (
            Error::Local(LocalFailure::CsrGeneration),
            Some(ErrorCode::CsrFailed),
        ),
        (
            Error::Local(LocalFailure::CertificateRejected),
            Some(ErrorCode::CertInstallFailed),
        ),
        (Error::Timeout(Phase::FirstMessage), None),
        (Error::ConnectionClosed, None),
        (Error::InvalidMessage(MessageError::NotAMap), None),
    ];
    for (error, code) in cases {
        assert_eq!(wire_error_code(&error), code, "{error}");
    }
}
