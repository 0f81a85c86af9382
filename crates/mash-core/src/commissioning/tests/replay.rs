//! commissioning_messages.json `pase_sessions` and
//! `cert_exchange_commissioning`, replayed through the real state machines
//! with the recorded scalars: every frame either side emits is compared
//! byte for byte with the reference's capture.

use alloc::string::ToString;
use alloc::vec::Vec;

use crate::commissioning::testutil::{ScriptedRng, hex_field, vectors};
use crate::commissioning::*;
use crate::ids::DeviceId;
use crate::time::Instant;
use crate::zone::ZoneType;

type Json = serde_json::Value;

fn session<'a>(v: &'a Json, name: &str) -> &'a Json {
    v["pase_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
}

fn frame(s: &Json, i: usize) -> Vec<u8> {
    hex_field(&s["frames"][i]["cbor_hex"])
}

fn device_for(s: &Json) -> (DeviceHandshake, CommissioningGate, ScriptedRng) {
    let code = SetupCode::parse(s["device_setup_code"].as_str().unwrap_or("20202021")).unwrap();
    let y = s
        .get("y")
        .map(hex_field)
        .unwrap_or_else(|| alloc::vec![0x11; 32]);
    (
        DeviceHandshake::new(Instant::ZERO, Verifier::from_setup_code(&code).unwrap()),
        CommissioningGate::default(),
        ScriptedRng::new([y]),
    )
}

/// Fires the device's delayed error response and returns what it sent.
fn delayed(
    device: &mut DeviceHandshake,
    gate: &mut CommissioningGate,
    rng: &mut ScriptedRng,
) -> Vec<u8> {
    assert!(
        device.poll_transmit().is_none(),
        "error responses are delayed"
    );
    let at = device.poll_timeout().unwrap();
    assert!(at >= Instant::ZERO + core::time::Duration::from_millis(200));
    device.handle_timeout(at, gate, rng).unwrap();
    assert!(device.is_closed());
    device.poll_transmit().unwrap()
}

#[test]
fn commissioning_messages_json_pase_success_device_side() {
    let v = vectors::commissioning_messages();
    let s = session(&v, "pase-success-20202021");
    let (mut d, mut gate, mut rng) = device_for(s);
    let t = Instant::ZERO;
    d.handle_message(t, &frame(s, 0), &mut gate, &mut rng)
        .unwrap();
    assert_eq!(d.poll_transmit().unwrap(), frame(s, 1));
    d.handle_message(t, &frame(s, 2), &mut gate, &mut rng)
        .unwrap();
    assert_eq!(d.poll_transmit().unwrap(), frame(s, 3));

    // Then the certificate exchange of `cert_exchange_commissioning`.
    let x = &v["cert_exchange_commissioning"];
    let request = frame(x, 0);
    d.handle_message(t, &request, &mut gate, &mut rng).unwrap();
    let zone_ca = match d.poll_event() {
        Some(DeviceEvent::ZoneCaReceived { zone_ca_der }) => zone_ca_der,
        other => panic!("{other:?}"),
    };
    d.handle_zone_type(t, ZoneType::Local, &mut gate, &mut rng)
        .unwrap();
    let csr = match CommissioningMessage::decode(&frame(x, 1)).unwrap() {
        CommissioningMessage::CertRenewalCsr(c) => c.csr,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        d.poll_event(),
        Some(DeviceEvent::CsrRequested {
            zone_type: ZoneType::Local,
            ..
        })
    ));
    d.handle_csr(t, csr, &mut gate, &mut rng).unwrap();
    assert_eq!(d.poll_transmit().unwrap(), frame(x, 1));
    d.handle_message(t, &frame(x, 2), &mut gate, &mut rng)
        .unwrap();
    match d.poll_event() {
        Some(DeviceEvent::VerifyCertificate { zone_ca_der, .. }) => {
            assert_eq!(zone_ca_der, zone_ca)
        }
        other => panic!("{other:?}"),
    }
    let device_id: DeviceId = x["device_id"].as_str().unwrap().parse().unwrap();
    d.handle_certificate_verified(
        t,
        CertificateVerified::assertion(device_id),
        &mut gate,
        &mut rng,
    )
    .unwrap();
    assert_eq!(d.poll_transmit().unwrap(), frame(x, 3));
    match d.poll_event() {
        Some(DeviceEvent::Commissioned(c)) => {
            assert_eq!(c.zone_id.to_string(), s["zone_id"].as_str().unwrap());
            assert_eq!(c.device_id, device_id);
            assert_eq!(c.sequence, 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(d.is_closed());
}

#[test]
fn commissioning_messages_json_pase_wrong_code_device_side() {
    let v = vectors::commissioning_messages();
    let s = session(&v, "pase-wrong-code");
    let (mut d, mut gate, mut rng) = device_for(s);
    d.handle_message(Instant::ZERO, &frame(s, 0), &mut gate, &mut rng)
        .unwrap();
    assert_eq!(d.poll_transmit().unwrap(), frame(s, 1));
    let err = d
        .handle_message(Instant::ZERO, &frame(s, 2), &mut gate, &mut rng)
        .unwrap_err();
    assert_eq!(
        err,
        Error::AuthenticationFailed(AuthFailure::ConfirmationMismatch)
    );
    assert_eq!(delayed(&mut d, &mut gate, &mut rng), frame(s, 3));
    assert_eq!(gate.failures(), 1);
}

#[test]
fn commissioning_messages_json_invalid_pa_device_side() {
    let v = vectors::commissioning_messages();
    let s = session(&v, "invalid-pA-compressed");
    let (mut d, mut gate, mut rng) = device_for(s);
    let err = d
        .handle_message(Instant::ZERO, &frame(s, 0), &mut gate, &mut rng)
        .unwrap_err();
    assert_eq!(
        err,
        Error::AuthenticationFailed(AuthFailure::InvalidPublicKey)
    );
    let sent = delayed(&mut d, &mut gate, &mut rng);
    assert_eq!(sent, frame(s, 1));
    let mut on_wire = Vec::new();
    crate::wire::encode_frame(&sent, &mut on_wire).unwrap();
    assert_eq!(
        hex::encode(on_wire),
        s["raw_bytes_device_sent_hex"].as_str().unwrap()
    );
}

#[test]
fn commissioning_messages_json_pase_success_controller_side() {
    let v = vectors::commissioning_messages();
    let s = session(&v, "pase-success-20202021");
    let x = &v["cert_exchange_commissioning"];
    let request = match CommissioningMessage::decode(&frame(x, 0)).unwrap() {
        CommissioningMessage::CertRenewalRequest(r) => r,
        other => panic!("{other:?}"),
    };
    let code = SetupCode::parse(s["client_setup_code"].as_str().unwrap()).unwrap();
    let mut rng = ScriptedRng::new([hex_field(&s["x"]), request.nonce.clone()]);
    let t = Instant::ZERO;
    let mut c = ControllerHandshake::new(t, &code, request.zone_ca.clone(), &mut rng);
    assert_eq!(c.poll_transmit().unwrap(), frame(s, 0));
    c.handle_message(t, &frame(s, 1), &mut rng).unwrap();
    assert_eq!(c.poll_transmit().unwrap(), frame(s, 2));
    c.handle_message(t, &frame(s, 3), &mut rng).unwrap();
    match c.poll_event() {
        Some(ControllerEvent::PaseCompleted { zone_id }) => {
            assert_eq!(zone_id.to_string(), s["zone_id"].as_str().unwrap())
        }
        other => panic!("{other:?}"),
    }
    // CertRenewalRequest with the recorded nonce and Zone CA: byte-exact.
    assert_eq!(c.poll_transmit().unwrap(), frame(x, 0));
    c.handle_message(t, &frame(x, 1), &mut rng).unwrap();
    let csr_der = match c.poll_event() {
        Some(ControllerEvent::SignCsr { csr_der, .. }) => csr_der,
        other => panic!("{other:?}"),
    };
    assert!(!csr_der.is_empty());
    let cert = match CommissioningMessage::decode(&frame(x, 2)).unwrap() {
        CommissioningMessage::CertRenewalInstall(i) => i.new_cert,
        other => panic!("{other:?}"),
    };
    let device_id: DeviceId = x["device_id"].as_str().unwrap().parse().unwrap();
    c.handle_signed_certificate(t, cert, device_id).unwrap();
    assert_eq!(
        c.poll_transmit().unwrap(),
        frame(x, 2),
        "CertRenewalInstall with sequence 2"
    );
    c.handle_message(t, &frame(x, 3), &mut rng).unwrap();
    match c.poll_event() {
        Some(ControllerEvent::Completed { device_id: id, .. }) => assert_eq!(id, device_id),
        other => panic!("{other:?}"),
    }
    assert!(c.is_closed());
}

#[test]
fn commissioning_messages_json_failures_controller_side() {
    let v = vectors::commissioning_messages();
    // Wrong code: "PASE failed: error code 2", cB not checked.
    let s = session(&v, "pase-wrong-code");
    let code = SetupCode::parse(s["client_setup_code"].as_str().unwrap()).unwrap();
    let mut rng = ScriptedRng::new([hex_field(&s["x"])]);
    let mut c = ControllerHandshake::new(Instant::ZERO, &code, Vec::new(), &mut rng);
    assert_eq!(c.poll_transmit().unwrap(), frame(s, 0));
    c.handle_message(Instant::ZERO, &frame(s, 1), &mut rng)
        .unwrap();
    assert_eq!(c.poll_transmit().unwrap(), frame(s, 2));
    let err = c
        .handle_message(Instant::ZERO, &frame(s, 3), &mut rng)
        .unwrap_err();
    assert_eq!(
        err,
        Error::AuthenticationFailed(AuthFailure::RejectedByDevice(ErrorCode::ConfirmFailed))
    );
    assert_eq!(
        alloc::format!("{err}"),
        "authentication failed: pase failed: error code 2"
    );

    // Invalid pA: the device's CommissioningError code 1 is surfaced.
    let s = session(&v, "invalid-pA-compressed");
    let mut c = ControllerHandshake::new(Instant::ZERO, &code, Vec::new(), &mut rng);
    let _ = c.poll_transmit();
    match c.handle_message(Instant::ZERO, &frame(s, 1), &mut rng) {
        Err(Error::Rejected(e)) => {
            assert_eq!(
                (e.error_code, e.message.as_str(), e.retry_after_ms),
                (ErrorCode::AuthFailed, "invalid public key", 0)
            );
        }
        other => panic!("{other:?}"),
    }
}
