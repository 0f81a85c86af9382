//! Byte-exact checks against `vectors/wire_messages.json`, recorded from
//! the reference implementation: every encoded message decodes, is
//! classified as the reference classifies it, and re-encodes to the same
//! bytes; the ambiguous shapes of INTEROP.md §2.3 classify identically.

use mash_core::wire::{Message, MessageKind, WireError, classify, encode_frame};
use serde_json::Value as Json;

fn vectors() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/wire_messages.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("vectors/wire_messages.json"))
        .unwrap()
}

fn kind(name: &str) -> Option<MessageKind> {
    match name {
        "Request" => Some(MessageKind::Request),
        "Response" => Some(MessageKind::Response),
        "Notification" => Some(MessageKind::Notification),
        "Control" => Some(MessageKind::Control),
        _ => None,
    }
}

/// A messageId-0 response is classified as a notification by the
/// reference but decoded by us as the error response it is.
fn decoded_kind(m: &Message) -> MessageKind {
    match m {
        Message::Request(_) => MessageKind::Request,
        Message::Response(r) if r.message_id == 0 => MessageKind::Notification,
        Message::Response(_) => MessageKind::Response,
        Message::Notification(_) => MessageKind::Notification,
        Message::Control(_) => MessageKind::Control,
        Message::Renewal(_) => MessageKind::Renewal,
    }
}

#[test]
fn every_encoded_message_round_trips_byte_exact() {
    let v = vectors();
    let encoded = v["encoded"].as_array().unwrap();
    assert_eq!(encoded.len(), 38);
    for e in encoded {
        let name = e["name"].as_str().unwrap();
        let bytes = hex::decode(e["cbor_hex"].as_str().unwrap()).unwrap();
        let expected = kind(e["PeekMessageType"]["type"].as_str().unwrap()).unwrap();
        assert_eq!(
            classify(&bytes).unwrap(),
            expected,
            "{name}: classification"
        );
        let msg = Message::decode(&bytes).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(decoded_kind(&msg), expected, "{name}: decoded kind");
        let mut out = Vec::new();
        msg.encode(&mut out);
        assert_eq!(
            hex::encode(&out),
            hex::encode(&bytes),
            "{name}: re-encoding"
        );
        let mut frame = Vec::new();
        encode_frame(&out, &mut frame).unwrap();
        assert_eq!(
            hex::encode(frame),
            e["frame_hex"].as_str().unwrap(),
            "{name}: frame"
        );
    }
}

#[test]
fn ambiguous_shapes_classify_like_the_reference() {
    let v = vectors();
    for c in v["classification"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let bytes = hex::decode(c["cbor_hex"].as_str().unwrap()).unwrap();
        let got = classify(&bytes);
        let renewal = c["isRenewalMessage_shape"].as_bool().unwrap();
        match kind(c["PeekMessageType"]["type"].as_str().unwrap()) {
            // The reference tests the renewal shape before PeekMessageType.
            Some(_) if renewal => assert_eq!(got, Ok(MessageKind::Renewal), "{name}"),
            Some(expected) => assert_eq!(got, Ok(expected), "{name}"),
            None => assert_eq!(got, Err(WireError::NonIntegerKey), "{name}"),
        }
    }
}

#[test]
fn interaction_client_requests_decode_as_requests() {
    let v = vectors();
    for r in v["interaction_client_requests"]["requests"]
        .as_array()
        .unwrap()
    {
        let name = r["name"].as_str().unwrap();
        let bytes = hex::decode(r["cbor_hex"].as_str().unwrap()).unwrap();
        let Message::Request(req) = Message::decode(&bytes).unwrap() else {
            panic!("{name}: not a request")
        };
        assert_eq!(
            u64::from(req.message_id),
            r["decoded"]["messageId"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            u64::from(req.operation.value()),
            r["decoded"]["operation"].as_u64().unwrap(),
            "{name}"
        );
        let mut out = Vec::new();
        req.encode(&mut out);
        assert_eq!(
            hex::encode(out),
            r["cbor_hex"].as_str().unwrap(),
            "{name}: re-encoding"
        );
    }
}

#[test]
fn interop_md_byte_examples_match() {
    let v = vectors();
    for ex in v["interop_md_byte_examples_check"].as_array().unwrap() {
        let name = ex["name"].as_str().unwrap();
        let hex_str = ex["go_hex"].as_str().unwrap();
        let mut bytes = hex::decode(hex_str).unwrap();
        let framed = ex["interop_section"].as_str().unwrap().contains("(framed)");
        if framed {
            bytes.drain(..4);
        }
        let out = if name.contains("subscribe-payload") {
            // A bare payload, not a message.
            mash_core::cbor::encode_value(&mash_core::cbor::decode_value(&bytes).unwrap())
        } else {
            let mut out = Vec::new();
            Message::decode(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .encode(&mut out);
            out
        };
        assert_eq!(out, bytes, "{name}");
    }
}

#[test]
fn requests_the_reference_refuses_to_send_are_refused() {
    use mash_core::wire::{Operation, Request};
    let zero = Request {
        message_id: 0,
        operation: Operation::Read,
        endpoint_id: 0,
        feature_id: 1,
        payload: None,
    };
    assert_eq!(zero.validate(), Err(WireError::ReservedMessageId));
    let op5 = Request {
        message_id: 1,
        operation: Operation::from_value(5),
        ..zero
    };
    assert_eq!(op5.validate(), Err(WireError::InvalidOperation(5)));
}
