//! Operational certificate renewal (INTEROP.md §5.8): both sides, the
//! reference's captured frames, and the status rules.

use alloc::vec::Vec;

use crate::commissioning::renewal::nonce_hash;
use crate::commissioning::testutil::{ScriptedRng, StepRng, hex_field, vectors};
use crate::commissioning::*;
use crate::time::Instant;

const CSR: &[u8] = b"renewal-csr";
const CERT: &[u8] = b"renewed-cert";

fn ack(status: RenewalStatus, active_sequence: u32) -> Vec<u8> {
    CommissioningMessage::from(messages::CertRenewalAck {
        status,
        active_sequence,
    })
    .to_vec()
}

/// Runs one renewal between an initiator and a responder; `check` is the
/// shell's key comparison.
fn run(
    initiator: &mut RenewalInitiator,
    responder: &mut RenewalResponder,
    check: CertificateCheck,
) -> Vec<Error> {
    let mut errors = Vec::new();
    let now = Instant::ZERO;
    for _ in 0..10 {
        while let Some(p) = initiator.poll_transmit() {
            responder.handle_message(&p).unwrap();
        }
        while let Some(e) = responder.poll_event() {
            match e {
                RenewalEvent::GenerateCsr => responder.handle_csr(CSR.to_vec()).unwrap(),
                RenewalEvent::CheckCertificate {
                    certificate_der, ..
                } => {
                    assert_eq!(certificate_der, CERT);
                    responder.handle_certificate_check(check).unwrap();
                }
                _ => {}
            }
        }
        while let Some(p) = responder.poll_transmit() {
            if let Err(e) = initiator.handle_message(&p) {
                errors.push(e);
            }
        }
        while let Some(e) = initiator.poll_event() {
            if let InitiatorEvent::SignCsr { csr_der } = e {
                assert_eq!(csr_der, CSR);
                initiator
                    .handle_signed_certificate(now, CERT.to_vec())
                    .unwrap();
            }
        }
    }
    errors
}

#[test]
fn renewal_round_trip() {
    let mut rng = StepRng::new(11);
    let mut initiator = RenewalInitiator::new(Instant::ZERO, INITIAL_CERT_SEQUENCE, &mut rng);
    let mut responder = RenewalResponder::new(0);
    assert!(run(&mut initiator, &mut responder, CertificateCheck::KeyMatches).is_empty());
    assert!(initiator.is_closed());
    assert_eq!(responder.active_sequence(), 2);
    assert_eq!(initiator.poll_event(), None);

    // A second renewal with the next sequence.
    let mut initiator = RenewalInitiator::new(Instant::ZERO, 3, &mut rng);
    assert!(run(&mut initiator, &mut responder, CertificateCheck::KeyMatches).is_empty());
    assert_eq!(responder.active_sequence(), 3);
}

#[test]
fn renewal_failure_statuses_reach_the_controller() {
    for (check, status) in [
        (CertificateCheck::KeyMismatch, RenewalStatus::InvalidNonce),
        (CertificateCheck::Unparseable, RenewalStatus::InvalidCert),
    ] {
        let mut rng = StepRng::new(12);
        let mut initiator = RenewalInitiator::new(Instant::ZERO, 2, &mut rng);
        let mut responder = RenewalResponder::new(0);
        let errors = run(&mut initiator, &mut responder, check);
        assert_eq!(
            errors,
            [Error::PeerMisbehaved(PeerMisbehaved::InstallRejected(
                status
            ))]
        );
        assert_eq!(responder.active_sequence(), 0);
    }
}

/// commissioning_messages.json `cert_renewal_ack_error_statuses` and
/// `cert_renewal_operational`, on the device side.
#[test]
fn commissioning_messages_json_renewal_device_side() {
    let v = vectors::commissioning_messages();
    let statuses = v["cert_renewal_ack_error_statuses"].as_array().unwrap();
    let install = CommissioningMessage::from(messages::CertRenewalInstall {
        new_cert: alloc::vec![0x30, 0x00],
        sequence: 2,
    });

    // Nothing pending: status 2, activeSequence 0.
    let mut r = RenewalResponder::new(0);
    r.handle_message(&install.to_vec()).unwrap();
    assert_eq!(
        r.poll_transmit().unwrap(),
        hex_field(&statuses[0]["cbor_hex"])
    );

    // Pending, then unparseable (3) or another key (4).
    for (check, case) in [
        (CertificateCheck::Unparseable, &statuses[1]),
        (CertificateCheck::KeyMismatch, &statuses[2]),
    ] {
        let mut r = RenewalResponder::new(0);
        let request = messages::CertRenewalRequest {
            nonce: alloc::vec![7; 32],
            zone_ca: Vec::new(),
        };
        r.handle_message(&CommissioningMessage::from(request).to_vec())
            .unwrap();
        assert_eq!(r.poll_event(), Some(RenewalEvent::GenerateCsr));
        r.handle_csr(CSR.to_vec()).unwrap();
        let _csr = r.poll_transmit().unwrap();
        r.handle_message(&install.to_vec()).unwrap();
        assert!(matches!(
            r.poll_event(),
            Some(RenewalEvent::CheckCertificate { sequence: 2, .. })
        ));
        r.handle_certificate_check(check).unwrap();
        assert_eq!(
            r.poll_transmit().unwrap(),
            hex_field(&case["cbor_hex"]),
            "{}",
            case["name"]
        );
    }

    // The real renewal: CSR carries SHA-256(nonce)[0:16]; ack echoes seq 2.
    let frames = v["cert_renewal_operational"]["frames"].as_array().unwrap();
    let f = |i: usize| hex_field(&frames[i]["cbor_hex"]);
    let csr = match CommissioningMessage::decode(&f(1)).unwrap() {
        CommissioningMessage::CertRenewalCsr(c) => c,
        other => panic!("{other:?}"),
    };
    let mut r = RenewalResponder::new(0);
    r.handle_message(&f(0)).unwrap();
    assert_eq!(r.poll_event(), Some(RenewalEvent::GenerateCsr));
    r.handle_csr(csr.csr.clone()).unwrap();
    assert_eq!(
        r.poll_transmit().unwrap(),
        f(1),
        "CSR with the reference's nonceHash"
    );
    r.handle_message(&f(2)).unwrap();
    let _ = r.poll_event();
    r.handle_certificate_check(CertificateCheck::KeyMatches)
        .unwrap();
    assert_eq!(r.poll_transmit().unwrap(), f(3));
    assert!(matches!(
        r.poll_event(),
        Some(RenewalEvent::Renewed { sequence: 2, .. })
    ));
}

/// The same capture on the controller side, with the recorded nonce.
#[test]
fn commissioning_messages_json_renewal_controller_side() {
    let v = vectors::commissioning_messages();
    let frames = v["cert_renewal_operational"]["frames"].as_array().unwrap();
    let f = |i: usize| hex_field(&frames[i]["cbor_hex"]);
    let (nonce, cert) = match (
        CommissioningMessage::decode(&f(0)).unwrap(),
        CommissioningMessage::decode(&f(2)).unwrap(),
    ) {
        (
            CommissioningMessage::CertRenewalRequest(r),
            CommissioningMessage::CertRenewalInstall(i),
        ) => (r.nonce, i.new_cert),
        other => panic!("{other:?}"),
    };
    let mut rng = ScriptedRng::new([nonce.clone()]);
    let mut i = RenewalInitiator::new(Instant::ZERO, INITIAL_CERT_SEQUENCE, &mut rng);
    assert_eq!(i.poll_transmit().unwrap(), f(0));
    i.handle_message(&f(1)).unwrap();
    assert!(matches!(
        i.poll_event(),
        Some(InitiatorEvent::SignCsr { .. })
    ));
    i.handle_signed_certificate(Instant::ZERO, cert).unwrap();
    assert_eq!(i.poll_transmit().unwrap(), f(2));
    i.handle_message(&f(3)).unwrap();
    assert_eq!(
        i.poll_event(),
        Some(InitiatorEvent::Renewed { sequence: 2 })
    );
    let csr_hash = match CommissioningMessage::decode(&f(1)).unwrap() {
        CommissioningMessage::CertRenewalCsr(c) => c.nonce_hash,
        other => panic!("{other:?}"),
    };
    assert_eq!(nonce_hash(&nonce).to_vec(), csr_hash);
}

#[test]
fn initiator_rejects_a_bad_nonce_hash_and_wrong_sequence() {
    let mut rng = StepRng::new(13);
    let mut i = RenewalInitiator::new(Instant::ZERO, 2, &mut rng);
    let _ = i.poll_transmit();
    let csr = messages::CertRenewalCsr {
        csr: CSR.to_vec(),
        nonce_hash: alloc::vec![0; 16],
    };
    let err = i
        .handle_message(&CommissioningMessage::from(csr).to_vec())
        .unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::NonceHashMismatch)
    );
    assert!(i.is_closed());

    // A missing nonceHash is a mismatch too (security.md §11.3: MUST).
    let mut i = RenewalInitiator::new(Instant::ZERO, 2, &mut rng);
    let csr = messages::CertRenewalCsr {
        csr: CSR.to_vec(),
        nonce_hash: Vec::new(),
    };
    assert!(
        i.handle_message(&CommissioningMessage::from(csr).to_vec())
            .is_err()
    );

    // An ack for another sequence.
    let mut responder = RenewalResponder::new(0);
    let mut i = RenewalInitiator::new(Instant::ZERO, 5, &mut rng);
    while let Some(p) = i.poll_transmit() {
        responder.handle_message(&p).unwrap();
    }
    responder.handle_csr(CSR.to_vec()).unwrap();
    i.handle_message(&responder.poll_transmit().unwrap())
        .unwrap();
    i.handle_signed_certificate(Instant::ZERO, CERT.to_vec())
        .unwrap();
    let _ = i.poll_transmit();
    let err = i
        .handle_message(&ack(RenewalStatus::Success, 4))
        .unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::SequenceMismatch { sent: 5, acked: 4 })
    );
}

/// commissioning-pase.md §13.3: an install for the CSR of an earlier
/// nonce is refused once a newer request replaced the pending key.
#[test]
fn nonce_binding_replaces_the_pending_key() {
    let mut r = RenewalResponder::new(0);
    let request = |n: u8| {
        CommissioningMessage::from(messages::CertRenewalRequest {
            nonce: alloc::vec![n; 32],
            zone_ca: Vec::new(),
        })
        .to_vec()
    };
    r.handle_message(&request(1)).unwrap();
    r.handle_csr(CSR.to_vec()).unwrap();
    let first = r.poll_transmit().unwrap();
    r.handle_message(&request(2)).unwrap();
    assert_eq!(r.poll_event(), Some(RenewalEvent::GenerateCsr));
    // Until the new CSR exists, an install finds nothing pending.
    let install = CommissioningMessage::from(messages::CertRenewalInstall {
        new_cert: CERT.to_vec(),
        sequence: 2,
    })
    .to_vec();
    r.handle_message(&install).unwrap();
    assert_eq!(
        r.poll_transmit().unwrap(),
        ack(RenewalStatus::InstallFailed, 0)
    );
    r.handle_csr(CSR.to_vec()).unwrap();
    let second = r.poll_transmit().unwrap();
    assert_ne!(first, second, "the nonce hash differs");
    r.handle_message(&install).unwrap();
    // The shell finds the certificate is for the first key.
    r.handle_certificate_check(CertificateCheck::KeyMismatch)
        .unwrap();
    let _ = r.poll_event();
    assert_eq!(
        r.poll_transmit().unwrap(),
        ack(RenewalStatus::InvalidNonce, 0)
    );
}

#[test]
fn responder_misuse_and_csr_failure() {
    let mut r = RenewalResponder::new(7);
    assert_eq!(
        r.handle_csr(CSR.to_vec()),
        Err(Error::ApiMisuse(ApiMisuse::NotAwaiting("csr")))
    );
    assert_eq!(
        r.handle_certificate_check(CertificateCheck::KeyMatches),
        Err(Error::ApiMisuse(ApiMisuse::NotAwaiting(
            "certificate check"
        )))
    );
    let request = CommissioningMessage::from(messages::CertRenewalRequest {
        nonce: alloc::vec![1; 32],
        zone_ca: Vec::new(),
    });
    r.handle_message(&request.to_vec()).unwrap();
    r.handle_csr_failed().unwrap();
    assert_eq!(r.poll_transmit().unwrap(), ack(RenewalStatus::CsrFailed, 7));
    let pase = CommissioningMessage::from(messages::PaseConfirm {
        confirmation: alloc::vec![0; 32],
    });
    assert!(matches!(
        r.handle_message(&pase.to_vec()),
        Err(Error::PeerMisbehaved(_))
    ));
}

#[test]
fn initiator_times_out() {
    let mut rng = StepRng::new(14);
    let mut i = RenewalInitiator::new(Instant::ZERO, 2, &mut rng);
    let at = i.poll_timeout().unwrap();
    assert_eq!(i.handle_timeout(at), Err(Error::Timeout(Phase::CertWait)));
    assert!(i.is_closed());
}
