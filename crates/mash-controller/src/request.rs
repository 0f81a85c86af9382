//! Request building and response mapping, in the shapes the reference
//! device honours (INTEROP.md §6) — pure functions, no I/O.

use mash_core::cbor::{Key, Map, Value};
use mash_core::interaction::{ReadPayload, SubscribePayload};
use mash_core::model::{AttributeId, CommandId, EndpointId, FeatureType};
use mash_core::wire::{Operation, Request, Response, StatusCode};

use crate::error::{Error, Misuse};

/// A request before it gets its message ID.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outgoing {
    pub operation: Operation,
    pub endpoint_id: EndpointId,
    pub feature_id: u8,
    pub payload: Option<Value>,
}

impl Outgoing {
    /// The encoded request frame payload.
    pub(crate) fn encode(&self, message_id: u32) -> Vec<u8> {
        let mut buf = Vec::new();
        Request {
            message_id,
            operation: self.operation,
            endpoint_id: self.endpoint_id,
            feature_id: self.feature_id,
            payload: self.payload.clone(),
        }
        .encode(&mut buf);
        buf
    }
}

/// Whether a message ID may carry a request.
///
/// INTEROP.md §2.3: a payload-less response (the reference sends them on
/// Unsubscribe success) with message ID 1-3 is classified as a control
/// message — our own transport would read `{1:3, 2:0}` as Close — and one
/// with message ID 30-33 as a certificate-renewal message. Requests
/// therefore never use those IDs, so such responses cannot be misread.
pub(crate) fn usable_message_id(id: u32) -> bool {
    !(id <= 3 || (30..=33).contains(&id))
}

/// Read: `{1: [ids]}`, or no payload for all attributes — never the bare
/// array the reference device ignores (INTEROP.md §6.2).
pub(crate) fn read(ep: EndpointId, feature: FeatureType, attributes: &[AttributeId]) -> Outgoing {
    Outgoing {
        operation: Operation::Read,
        endpoint_id: ep,
        feature_id: feature.value(),
        payload: ReadPayload {
            attributes: attributes.to_vec(),
        }
        .to_value(),
    }
}

/// Write: `{attrId: value}` (INTEROP.md §6.3).
pub(crate) fn write(ep: EndpointId, feature: FeatureType, values: Map) -> Outgoing {
    Outgoing {
        operation: Operation::Write,
        endpoint_id: ep,
        feature_id: feature.value(),
        payload: Some(Value::Map(values)),
    }
}

/// Invoke: `{1: commandId, 2?: params}` with text-keyed params
/// (INTEROP.md §6.5). Other keys would be dropped silently by the device,
/// so they are refused here.
pub(crate) fn invoke(
    ep: EndpointId,
    feature: FeatureType,
    command: CommandId,
    params: Map,
) -> Result<Outgoing, Error> {
    if params.iter().any(|(k, _)| !matches!(k, Key::Text(_))) {
        return Err(Misuse::NonTextParameterKey.into());
    }
    let mut payload = Map::new();
    payload.insert(1u64, command);
    if !params.is_empty() {
        payload.insert(2u64, params);
    }
    Ok(Outgoing {
        operation: Operation::Invoke,
        endpoint_id: ep,
        feature_id: feature.value(),
        payload: Some(Value::Map(payload)),
    })
}

/// Subscribe: `{1?: [ids], 2?: min ms, 3?: max ms}` (INTEROP.md §6.4).
pub(crate) fn subscribe(ep: EndpointId, feature: FeatureType, spec: &SubscribePayload) -> Outgoing {
    Outgoing {
        operation: Operation::Subscribe,
        endpoint_id: ep,
        feature_id: feature.value(),
        payload: Some(spec.to_value()),
    }
}

/// Unsubscribe: operation 3, feature 0, `{1: subscriptionId}`
/// (INTEROP.md §6.4).
pub(crate) fn unsubscribe(subscription_id: u32) -> Outgoing {
    let mut payload = Map::new();
    payload.insert(1u64, subscription_id);
    Outgoing {
        operation: Operation::Subscribe,
        endpoint_id: 0,
        feature_id: 0,
        payload: Some(Value::Map(payload)),
    }
}

/// A response's payload map, or the device's error.
///
/// A success without payload (the reference's Unsubscribe answer) reads
/// as an empty map; a success whose payload is not a map is a peer fault.
pub(crate) fn into_map(response: Response) -> Result<Map, Error> {
    if response.status != StatusCode::Success {
        return Err(Error::Status {
            status: response.status,
            message: response.error_text().map(str::to_owned),
        });
    }
    match response.payload {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Map(m)) => Ok(m),
        Some(_) => Err(Error::InvalidResponse("payload is not a map".into())),
    }
}

/// A Subscribe response: `{1: subscriptionId, 2?: priming}`.
pub(crate) fn subscribed(mut payload: Map) -> Result<(u32, Map), Error> {
    let id = payload
        .get_uint(1)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n != 0)
        .ok_or_else(|| {
            Error::InvalidResponse("subscribe response without subscriptionId".into())
        })?;
    let priming = match payload.remove(2u64) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            return Err(Error::InvalidResponse("priming report is not a map".into()));
        }
    };
    Ok((id, priming))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn read_matches_interop_byte_example() {
        // INTEROP.md §6.6: read of Measurement 1 and 2 on endpoint 1, msgId 2.
        let bytes = read(1, FeatureType::Measurement, &[1, 2]).encode(2);
        assert_eq!(
            hex(&bytes),
            "a5010202010301040405a1018201 02".replace(' ', "")
        );
        // All attributes: no key 5 at all.
        let all = read(1, FeatureType::Measurement, &[]).encode(2);
        assert_eq!(hex(&all), "a401020201030104 04".replace(' ', ""));
    }

    #[test]
    fn invoke_matches_interop_byte_example() {
        // INTEROP.md §6.6: setLimit, ep 1, EnergyControl, msgId 3, cause 2, 6 kW.
        let mut params = Map::new();
        params.insert("cause", 2u8);
        params.insert("consumptionLimit", 6_000_000i64);
        let bytes = invoke(1, FeatureType::EnergyControl, 1, params)
            .unwrap()
            .encode(3);
        let expected = concat!(
            "a5010302040301040505a2010102a2",
            "65",
            "6361757365",
            "02",
            "70",
            "636f6e73756d7074696f6e4c696d6974",
            "1a005b8d80"
        );
        assert_eq!(hex(&bytes), expected);
    }

    #[test]
    fn invoke_refuses_integer_parameter_keys() {
        let mut params = Map::new();
        params.insert(1u64, 6_000_000i64);
        assert!(matches!(
            invoke(1, FeatureType::EnergyControl, 1, params),
            Err(Error::Misuse(Misuse::NonTextParameterKey))
        ));
    }

    #[test]
    fn subscribe_and_unsubscribe_shapes() {
        let spec = SubscribePayload {
            attributes: vec![],
            min_interval: std::time::Duration::from_millis(1000),
            max_interval: std::time::Duration::from_millis(60_000),
        };
        let s = subscribe(1, FeatureType::Measurement, &spec);
        let mut buf = Vec::new();
        mash_core::cbor::Writer::new(&mut buf).value(s.payload.as_ref().unwrap());
        // INTEROP.md §6.6 subscribe payload with explicit defaults.
        assert_eq!(hex(&buf), "a2021903e80319ea60");
        let u = unsubscribe(7);
        assert_eq!(
            (u.operation, u.endpoint_id, u.feature_id),
            (Operation::Subscribe, 0, 0)
        );
    }

    #[test]
    fn reserved_message_ids_are_skipped() {
        let usable: Vec<u32> = (0..40).filter(|id| usable_message_id(*id)).collect();
        assert_eq!(usable.first(), Some(&4));
        assert!(!usable.contains(&3) && !usable.contains(&31) && usable.contains(&34));
    }

    #[test]
    fn responses_map_to_payloads_or_typed_errors() {
        let ok = Response {
            message_id: 5,
            status: StatusCode::Success,
            payload: None,
        };
        assert!(into_map(ok).unwrap().is_empty());
        let err = Response::error(5, StatusCode::ConstraintError, "limit too high");
        match into_map(err) {
            Err(Error::Status { status, message }) => {
                assert_eq!(status, StatusCode::ConstraintError);
                assert_eq!(message.as_deref(), Some("limit too high"));
            }
            other => panic!("{other:?}"),
        }
        let bad = Response {
            message_id: 5,
            status: StatusCode::Success,
            payload: Some(Value::Uint(1)),
        };
        assert!(matches!(into_map(bad), Err(Error::InvalidResponse(_))));
        let mut sub = Map::new();
        sub.insert(1u64, 9u32);
        assert_eq!(subscribed(sub).unwrap(), (9, Map::new()));
        assert!(subscribed(Map::new()).is_err());
    }
}
