//! Phase timeouts on both sides (DEC-061, security.md §11.5).

use super::pair::*;
use crate::commissioning::testutil::StepRng;
use crate::commissioning::*;
use crate::time::Instant;

fn device() -> DeviceHandshake {
    DeviceHandshake::new(
        Instant::ZERO,
        Verifier::from_setup_code(&code("20202021")).unwrap(),
    )
}

#[test]
fn first_message_timeout_closes_silently() {
    let mut gate = CommissioningGate::default();
    let mut rng = StepRng::new(1);
    let mut d = device();
    assert_eq!(d.poll_timeout(), Some(Instant::ZERO + ms(5000)));
    d.handle_timeout(Instant::ZERO + ms(4999), &mut gate, &mut rng)
        .unwrap();
    assert!(!d.is_closed());
    let err = d
        .handle_timeout(Instant::ZERO + ms(5000), &mut gate, &mut rng)
        .unwrap_err();
    assert_eq!(err, Error::Timeout(Phase::FirstMessage));
    assert!(d.is_closed());
    assert!(d.poll_transmit().is_none());
    assert!(!gate.is_held(Instant::ZERO + ms(5000)), "no lock was taken");
}

/// A pair whose controller stalls after `frames` frames.
fn stalled(frames: usize) -> Pair {
    let mut pair = Pair::matching();
    pair.deliver_to_device = frames;
    pair.drive();
    pair
}

#[test]
fn device_phase_timeouts() {
    // PASERequest only: 30 s for PASEConfirm, then the gate is free.
    let mut pair = stalled(1);
    assert_eq!(pair.device_errors, [Error::Timeout(Phase::PaseConfirm)]);
    assert_eq!(pair.now, Instant::ZERO + ms(30_000));
    assert!(
        !pair.gate.is_held(pair.now),
        "the gate is released on timeout"
    );

    // PASE done, no CertRenewalRequest: 30 s.
    let pair = stalled(2);
    assert_eq!(pair.device_errors, [Error::Timeout(Phase::CertRequest)]);
    assert_eq!(pair.now, Instant::ZERO + ms(30_000));

    // CSR sent, no CertRenewalInstall: 30 s.
    let pair = stalled(3);
    assert_eq!(pair.device_errors, [Error::Timeout(Phase::CertWait)]);
    assert_eq!(pair.now, Instant::ZERO + ms(30_000));
}

#[test]
fn shell_phase_timeouts() {
    // The shell never answers ZoneCaReceived: 10 s.
    let mut pair = Pair::matching();
    pair.shell.device_answers = false;
    pair.drive();
    assert_eq!(pair.device_errors, [Error::Timeout(Phase::CsrGeneration)]);
    assert_eq!(pair.now, Instant::ZERO + ms(10_000));
    assert_eq!(pair.controller_errors, [Error::ConnectionClosed]);

    // The shell never answers VerifyCertificate: 5 s.
    let mut pair = Pair::matching();
    pair.shell.answer_verification = false;
    pair.drive();
    assert_eq!(pair.device_errors, [Error::Timeout(Phase::CertInstall)]);
    assert_eq!(pair.now, Instant::ZERO + ms(5_000));
}

#[test]
fn overall_limit_cuts_a_slow_exchange() {
    // Ten earlier failures: 10 s back-off. The controller sends each frame
    // just before the device's phase limit; the 90 s overall limit from
    // accept fires while the device waits for the CSR.
    let mut gate = CommissioningGate::default();
    for _ in 0..10 {
        gate.record_failure();
    }
    let mut rng = StepRng::new(9);
    let verifier = Verifier::from_setup_code(&code("20202021")).unwrap();
    let mut d = DeviceHandshake::new(Instant::ZERO, verifier);
    let mut c =
        ControllerHandshake::new(Instant::ZERO, &code("20202021"), ZONE_CA.to_vec(), &mut rng);
    let t = |s: u64| Instant::ZERO + ms(s);
    d.handle_message(t(4_900), &c.poll_transmit().unwrap(), &mut gate, &mut rng)
        .unwrap();
    assert_eq!(d.poll_timeout(), Some(t(14_900)), "back-off end");
    d.handle_timeout(t(14_900), &mut gate, &mut rng).unwrap();
    c.handle_message(t(14_900), &d.poll_transmit().unwrap(), &mut rng)
        .unwrap();
    d.handle_message(t(44_800), &c.poll_transmit().unwrap(), &mut gate, &mut rng)
        .unwrap();
    c.handle_message(t(44_800), &d.poll_transmit().unwrap(), &mut rng)
        .unwrap();
    d.handle_message(t(74_700), &c.poll_transmit().unwrap(), &mut gate, &mut rng)
        .unwrap();
    assert!(matches!(
        d.poll_event(),
        Some(DeviceEvent::ZoneCaReceived { .. })
    ));
    d.handle_zone_type(t(84_600), crate::zone::ZoneType::Local, &mut gate, &mut rng)
        .unwrap();
    assert_eq!(d.poll_timeout(), Some(t(90_000)));
    assert_eq!(
        d.handle_timeout(t(90_000), &mut gate, &mut rng),
        Err(Error::Timeout(Phase::Overall))
    );
    assert!(d.is_closed());
    assert!(!gate.is_held(t(90_000)));
}

#[test]
fn pase_deadline_is_85_s_from_the_gate() {
    let mut gate = CommissioningGate::default();
    let mut rng = StepRng::new(3);
    let mut d = device();
    let mut c =
        ControllerHandshake::new(Instant::ZERO, &code("20202021"), ZONE_CA.to_vec(), &mut rng);
    d.handle_message(
        Instant::ZERO,
        &c.poll_transmit().unwrap(),
        &mut gate,
        &mut rng,
    )
    .unwrap();
    // The 30 s confirm limit comes first; the 85 s deadline is armed too.
    assert_eq!(d.poll_timeout(), Some(Instant::ZERO + ms(30_000)));
    assert_eq!(
        d.handle_timeout(Instant::ZERO + ms(30_000), &mut gate, &mut rng),
        Err(Error::Timeout(Phase::PaseConfirm))
    );
}

#[test]
fn controller_step_timeouts_allow_for_backoff() {
    let mut rng = StepRng::new(4);
    let mut c =
        ControllerHandshake::new(Instant::ZERO, &code("20202021"), ZONE_CA.to_vec(), &mut rng);
    let _ = c.poll_transmit();
    let deadline = c.poll_timeout().unwrap();
    assert!(
        deadline - Instant::ZERO > ms(10_000),
        "more than the 10 s back-off"
    );
    c.handle_timeout(Instant::ZERO + ms(10_000)).unwrap();
    assert_eq!(
        c.handle_timeout(deadline),
        Err(Error::Timeout(Phase::PaseResponse))
    );
    assert!(c.is_closed());
}
