//! Frame classification, exactly as the reference's `PeekMessageType`
//! (INTEROP.md §2.3), plus its certificate-renewal shape check (§5.8).

use super::WireError;
use crate::cbor::{Key, Map, Value, decode_value};

/// What a frame is, judged by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// An interaction-model request.
    Request,
    /// A response (including payload-less ones).
    Response,
    /// A notification, or a messageId-0 error response.
    Notification,
    /// Ping, pong or close.
    Control,
    /// Certificate renewal, message types 30..=33.
    Renewal,
}

/// Classifies an encoded frame payload.
pub fn classify(bytes: &[u8]) -> Result<MessageKind, WireError> {
    match decode_value(bytes)? {
        Value::Map(m) => classify_map(&m),
        _ => Err(WireError::NotAMap),
    }
}

fn uint(m: &Map, key: u64) -> Option<u64> {
    m.get_uint(key).and_then(Value::as_u64)
}

/// Classifies a decoded top-level map.
pub(crate) fn classify_map(m: &Map) -> Result<MessageKind, WireError> {
    // Rule 1: integer keys only.
    if m.iter().any(|(k, _)| !matches!(k, Key::Uint(_))) {
        return Err(WireError::NonIntegerKey);
    }
    if is_renewal_shape(m) {
        return Ok(MessageKind::Renewal);
    }
    let k1 = uint(m, 1);
    let k2 = uint(m, 2);
    let has3 = m.contains_key(3u64);
    let has4 = m.contains_key(4u64);
    // Rule 2.
    if k1.unwrap_or(0) == 0 {
        return Ok(MessageKind::Notification);
    }
    // Rule 3.
    if matches!(m.get_uint(3), Some(Value::Map(_))) {
        return Ok(MessageKind::Response);
    }
    // Rule 4.
    if matches!(k1, Some(1..=3)) && !has3 && !has4 {
        return Ok(MessageKind::Control);
    }
    // Rule 5.
    if k2.is_some_and(|op| op > 4) {
        return Ok(MessageKind::Response);
    }
    // Rule 6.
    if matches!(k2, Some(1..=4)) && (uint(m, 3).unwrap_or(0) > 0 || has4) {
        return Ok(MessageKind::Request);
    }
    // Rule 7.
    if k2.unwrap_or(0) == 0 && has3 && has4 {
        return Ok(MessageKind::Request);
    }
    // Rule 8.
    Ok(MessageKind::Response)
}

/// The reference tests for renewal first: no key 4, type 30..=33, and
/// fields that fit the renewal structs (byte strings or integers, never a
/// map at key 3).
fn is_renewal_shape(m: &Map) -> bool {
    !m.contains_key(4u64)
        && matches!(uint(m, 1), Some(30..=33))
        && !matches!(
            m.get_uint(3),
            Some(Value::Map(_) | Value::Array(_) | Value::Text(_))
        )
        && !matches!(
            m.get_uint(2),
            Some(Value::Map(_) | Value::Array(_) | Value::Text(_))
        )
}
