//! commissioning_messages.json: byte-exact encoding and lenient decoding.

use super::*;
use crate::commissioning::testutil::{hex_field, vectors};
use crate::wire::encode_frame;
use alloc::string::ToString;
use alloc::vec;

type Json = serde_json::Value;

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(payload, &mut out).unwrap();
    out
}

/// Builds our message from the `fields` block the generator recorded
/// (Go field names, hex for byte slices).
fn from_go_fields(go_type: &str, f: &Json) -> CommissioningMessage {
    let b = |name: &str| hex_field(&f[name]["value"]);
    let u = |name: &str| f[name]["value"].as_u64().unwrap();
    let code = |name: &str| ErrorCode::from_value(u8::try_from(u(name)).unwrap());
    match go_type {
        "commissioning.PASERequest" => PaseRequest {
            public_value: b("PublicValue"),
            client_identity: b("ClientIdentity"),
        }
        .into(),
        "commissioning.PASEResponse" => PaseResponse {
            public_value: b("PublicValue"),
        }
        .into(),
        "commissioning.PASEConfirm" => PaseConfirm {
            confirmation: b("Confirmation"),
        }
        .into(),
        "commissioning.PASEComplete" => PaseComplete {
            confirmation: b("Confirmation"),
            error_code: code("ErrorCode"),
        }
        .into(),
        "commissioning.CSRRequest" => CsrRequest { nonce: b("Nonce") }.into(),
        "commissioning.CSRResponse" => CsrResponse {
            csr: b("CSR"),
            error_code: code("ErrorCode"),
        }
        .into(),
        "commissioning.CertInstall" => CertInstall {
            operational_cert: b("OperationalCert"),
            ca_cert: b("CACert"),
            zone_type: u8::try_from(u("ZoneType")).unwrap(),
            zone_priority: u8::try_from(u("ZonePriority")).unwrap(),
        }
        .into(),
        "commissioning.CertInstallResponse" => CertInstallResponse {
            error_code: code("ErrorCode"),
        }
        .into(),
        "commissioning.CommissioningComplete" => CommissioningMessage::CommissioningComplete,
        "commissioning.CertRenewalRequest" => CertRenewalRequest {
            nonce: b("Nonce"),
            zone_ca: b("ZoneCA"),
        }
        .into(),
        "commissioning.CertRenewalCSR" => CertRenewalCsr {
            csr: b("CSR"),
            nonce_hash: b("NonceHash"),
        }
        .into(),
        "commissioning.CertRenewalInstall" => CertRenewalInstall {
            new_cert: b("NewCert"),
            sequence: u32::try_from(u("Sequence")).unwrap(),
        }
        .into(),
        "commissioning.CertRenewalAck" => CertRenewalAck {
            status: RenewalStatus::from_value(u8::try_from(u("Status")).unwrap()),
            active_sequence: u32::try_from(u("ActiveSequence")).unwrap(),
        }
        .into(),
        "commissioning.CommissioningError" => CommissioningError {
            error_code: code("ErrorCode"),
            message: f["Message"]["value"].as_str().unwrap().into(),
            retry_after_ms: u32::try_from(u("RetryAfter")).unwrap(),
        }
        .into(),
        other => panic!("unmapped go type {other}"),
    }
}

/// commissioning_messages.json: every `message_catalogue` entry encodes
/// byte-identically (payload and frame) and decodes back to the same value.
#[test]
fn commissioning_messages_json_message_catalogue() {
    let v = vectors::commissioning_messages();
    let entries = v["message_catalogue"].as_array().unwrap();
    assert_eq!(entries.len(), 23);
    for e in entries {
        let name = e["name"].as_str().unwrap();
        let cbor = hex_field(&e["cbor_hex"]);
        let expected = from_go_fields(e["go_type"].as_str().unwrap(), &e["fields"]);
        assert_eq!(
            hex::encode(expected.to_vec()),
            e["cbor_hex"].as_str().unwrap(),
            "{name}: encode"
        );
        assert_eq!(
            hex::encode(frame(&expected.to_vec())),
            e["frame_hex"].as_str().unwrap(),
            "{name}: frame"
        );
        assert_eq!(
            CommissioningMessage::decode(&cbor).unwrap(),
            expected,
            "{name}: decode"
        );
        assert_eq!(
            u64::from(expected.message_type().value()),
            e["fields"]["MsgType"]["value"].as_u64().unwrap()
        );
    }
}

/// commissioning_messages.json: every frame of `pase_sessions`,
/// `cert_exchange_commissioning`, `cert_renewal_operational` and
/// `cert_renewal_ack_error_statuses` decodes and re-encodes identically.
#[test]
fn commissioning_messages_json_captured_frames_round_trip() {
    let v = vectors::commissioning_messages();
    let mut frames: Vec<&Json> = Vec::new();
    for session in v["pase_sessions"].as_array().unwrap() {
        frames.extend(session["frames"].as_array().unwrap());
    }
    frames.extend(
        v["cert_exchange_commissioning"]["frames"]
            .as_array()
            .unwrap(),
    );
    frames.extend(v["cert_renewal_operational"]["frames"].as_array().unwrap());
    assert_eq!(frames.len(), 18);
    for f in frames {
        let cbor = hex_field(&f["cbor_hex"]);
        let msg = CommissioningMessage::decode(&cbor).unwrap();
        assert_eq!(
            msg.message_type().spec_name(),
            f["message"].as_str(),
            "{}",
            f["message"]
        );
        assert_eq!(msg.to_vec(), cbor);
        assert_eq!(hex::encode(frame(&cbor)), f["frame_hex"].as_str().unwrap());
    }
    // The commissioning CSR carries no nonceHash; the renewal CSR does.
    let csr = |frames: &Json| match CommissioningMessage::decode(&hex_field(
        &frames["frames"][1]["cbor_hex"],
    )) {
        Ok(CommissioningMessage::CertRenewalCsr(c)) => c,
        other => panic!("{other:?}"),
    };
    assert!(csr(&v["cert_exchange_commissioning"]).nonce_hash.is_empty());
    assert_eq!(csr(&v["cert_renewal_operational"]).nonce_hash.len(), 16);

    let statuses = [
        RenewalStatus::InstallFailed,
        RenewalStatus::InvalidCert,
        RenewalStatus::InvalidNonce,
    ];
    for (case, status) in v["cert_renewal_ack_error_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .zip(statuses)
    {
        let cbor = hex_field(&case["cbor_hex"]);
        let expected: CommissioningMessage = CertRenewalAck {
            status,
            active_sequence: 0,
        }
        .into();
        assert_eq!(
            CommissioningMessage::decode(&cbor).unwrap(),
            expected,
            "{}",
            case["name"]
        );
        assert_eq!(expected.to_vec(), cbor);
    }
}

/// commissioning_messages.json: `WriteCommissioningError_captures`, every
/// capture, with the length prefix.
#[test]
fn commissioning_messages_json_write_commissioning_error_captures() {
    let v = vectors::commissioning_messages();
    for c in v["WriteCommissioningError_captures"].as_array().unwrap() {
        let args = &c["args"];
        let msg: CommissioningMessage = CommissioningError {
            error_code: ErrorCode::from_value(
                u8::try_from(args["code"].as_u64().unwrap()).unwrap(),
            ),
            message: args["message"].as_str().unwrap().into(),
            retry_after_ms: u32::try_from(args["retryAfterMs"].as_u64().unwrap()).unwrap(),
        }
        .into();
        assert_eq!(
            hex::encode(frame(&msg.to_vec())),
            c["bytes_on_wire_hex"].as_str().unwrap(),
            "{}",
            c["name"]
        );
    }
}

/// commissioning_messages.json: `decoder_leniency`, every case (unknown
/// keys ignored, first duplicate kept, unknown types and arrays rejected).
#[test]
fn commissioning_messages_json_decoder_leniency() {
    let v = vectors::commissioning_messages();
    let cases = v["decoder_leniency"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let got = CommissioningMessage::decode(&hex_field(&case["cbor_hex"]));
        let go = &case["DecodePASEMessage"];
        if let Some(go_type) = go["type"].as_str() {
            assert_eq!(
                got.unwrap(),
                from_go_fields(go_type, &go["fields"]),
                "{name}"
            );
            continue;
        }
        let err = got.expect_err(name);
        let text = go["error"].as_str().unwrap();
        if let Some(n) = text.strip_prefix("invalid commissioning message: unknown message type ") {
            assert_eq!(err, MessageError::UnknownType(n.parse().unwrap()), "{name}");
            assert_eq!(ToString::to_string(&err), text, "{name}");
        } else {
            assert!(text.contains("cannot unmarshal array"), "{name}");
            assert_eq!(err, MessageError::NotAMap, "{name}");
        }
    }
}

/// commissioning_messages.json: `interop_md_byte_examples_check` (the
/// INTEROP.md §5.4 example frames).
#[test]
fn commissioning_messages_json_interop_examples() {
    let v = vectors::commissioning_messages();
    for case in v["interop_md_byte_examples_check"].as_array().unwrap() {
        let bytes = hex_field(&case["expanded_hex"]);
        assert_eq!(case["expanded_hex"], case["go_hex"]);
        assert_eq!(
            CommissioningMessage::decode(&bytes).unwrap().to_vec(),
            bytes,
            "{}",
            case["name"]
        );
    }
    // §5.4's BUSY example pattern, spelled out.
    let busy: CommissioningMessage = CommissioningError {
        error_code: ErrorCode::Busy,
        message: "commissioning already in progress".into(),
        retry_after_ms: 85_000,
    }
    .into();
    let bytes = busy.to_vec();
    assert_eq!(bytes[..6], [0xa4, 0x01, 0x18, 0xff, 0x02, 0x05]);
    assert_eq!(
        bytes[bytes.len() - 6..],
        [0x04, 0x1a, 0x00, 0x01, 0x4c, 0x08]
    );
}

#[test]
fn lenient_decoder_edge_cases() {
    use CommissioningMessage as M;
    // Indefinite-length map and byte string, unknown nested values skipped.
    let msg = M::decode(&[
        0xbf, 0x01, 0x03, 0x09, 0x82, 0xa1, 0x01, 0x02, 0x80, 0x02, 0x5f, 0x41, 0x2a, 0xff, 0xff,
    ]);
    assert_eq!(
        msg.unwrap(),
        PaseConfirm {
            confirmation: vec![0x2a]
        }
        .into()
    );
    // Null reads as empty; a text key is ignored.
    let msg = M::decode(&[0xa3, 0x01, 0x03, 0x02, 0xf6, 0x61, 0x78, 0x01]).unwrap();
    assert_eq!(msg, PaseConfirm::default().into());
    // Type overflowing uint8, wrong field type, trailing bytes, truncation.
    assert_eq!(
        M::decode(&[0xa1, 0x01, 0x19, 0x01, 0x00]),
        Err(MessageError::InvalidField("msgType"))
    );
    assert_eq!(
        M::decode(&[0xa2, 0x01, 0x03, 0x02, 0x01]),
        Err(MessageError::InvalidField("confirmation"))
    );
    assert_eq!(
        M::decode(&[0xa1, 0x01, 0x14, 0x00]),
        Err(MessageError::Cbor(DecodeError::TrailingBytes))
    );
    assert_eq!(
        M::decode(&[0xa2, 0x01, 0x14]),
        Err(MessageError::Cbor(DecodeError::UnexpectedEnd))
    );
    assert_eq!(
        M::decode(&[]),
        Err(MessageError::Cbor(DecodeError::UnexpectedEnd))
    );
    assert_eq!(M::decode(&[0x01]), Err(MessageError::NotAMap));
    // A huge declared length fails on the missing input, without allocating.
    assert!(
        M::decode(&[
            0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x14
        ])
        .is_err()
    );
    // sequence is uint32 on the wire; errorCode uint8.
    assert!(
        M::decode(&[
            0xa3, 0x01, 0x18, 0x20, 0x02, 0x40, 0x03, 0x1b, 0, 0, 0, 1, 0, 0, 0, 0
        ])
        .is_err()
    );
    assert!(M::decode(&[0xa2, 0x01, 0x0d, 0x02, 0x19, 0x01, 0x00]).is_err());
}

#[test]
fn unknown_codes_round_trip() {
    let msg: CommissioningMessage = CommissioningError {
        error_code: ErrorCode::from_value(0x42),
        message: String::new(),
        retry_after_ms: 0,
    }
    .into();
    let back = CommissioningMessage::decode(&msg.to_vec()).unwrap();
    assert_eq!(back, msg);
    assert_eq!(
        alloc::format!("{:?}", ErrorCode::from_value(0x42)),
        "Unnamed(0x42)"
    );
    assert_eq!(
        alloc::format!("{:?}", ErrorCode::ZoneTypeExists),
        "ZONE_TYPE_EXISTS"
    );
}
