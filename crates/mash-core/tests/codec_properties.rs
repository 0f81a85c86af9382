//! Property tests: every message round-trips, and no byte sequence makes
//! the decoders panic.

use mash_core::cbor::{Key, Map, Value, decode_value, encode_value};
use mash_core::wire::{
    Control, ControlType, FrameReader, Message, Notification, Operation, Request, Response,
    StatusCode,
};
use proptest::prelude::*;

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        any::<u64>().prop_map(Key::Uint),
        (i64::MIN..0).prop_map(Key::Nint),
        "[a-zA-Z]{0,12}".prop_map(Key::Text),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::Uint),
        (i64::MIN..0).prop_map(Value::Nint),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(Value::Bytes),
        ".{0,16}".prop_map(Value::Text),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Map(kv.into_iter().collect::<Map>())),
        ]
    })
}

fn int_map() -> impl Strategy<Value = Map> {
    proptest::collection::vec((0u64..0x1_0000, value()), 0..6)
        .prop_map(|kv| kv.into_iter().collect())
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (
            1u32..,
            1u8..=4,
            any::<u8>(),
            any::<u8>(),
            proptest::option::of(value())
        )
            .prop_map(|(id, op, ep, f, p)| {
                Message::Request(Request {
                    message_id: id,
                    operation: Operation::from_value(op),
                    endpoint_id: ep,
                    feature_id: f,
                    payload: p,
                })
            }),
        // Key 3 always present: payload-less responses are ambiguous by
        // design (INTEROP.md §2.3) and never sent by this implementation.
        (4u32.., 0u8..=13, int_map()).prop_map(|(id, st, p)| {
            Message::Response(Response {
                message_id: id,
                status: StatusCode::from_value(st),
                payload: Some(Value::Map(p)),
            })
        }),
        (any::<u32>(), any::<u8>(), any::<u8>(), int_map()).prop_map(|(sub, ep, f, changes)| {
            Message::Notification(Notification {
                subscription_id: sub,
                endpoint_id: ep,
                feature_id: f,
                changes,
            })
        }),
        (1u8..=3, any::<u32>()).prop_map(|(t, seq)| Message::Control(Control {
            kind: ControlType::from_value(t),
            sequence: seq
        })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn values_round_trip(v in value()) {
        let bytes = encode_value(&v);
        prop_assert_eq!(decode_value(&bytes).unwrap(), v);
    }

    #[test]
    fn messages_round_trip(m in message()) {
        let mut bytes = Vec::new();
        m.encode(&mut bytes);
        let back = Message::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &m);
        let mut again = Vec::new();
        back.encode(&mut again);
        prop_assert_eq!(again, bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_value(&bytes);
        let _ = Message::decode(&bytes);
        let mut r = FrameReader::new();
        r.push(&bytes);
        while let Ok(Some(_)) = r.next_frame() {}
    }

    #[test]
    fn mutated_messages_never_panic(m in message(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut bytes = Vec::new();
        m.encode(&mut bytes);
        for (i, b) in flips {
            let n = bytes.len();
            bytes[i % n] ^= b;
        }
        let _ = Message::decode(&bytes);
    }
}
