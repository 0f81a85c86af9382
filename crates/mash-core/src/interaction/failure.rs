//! An interaction error: a status code and the reference's error text.

use alloc::borrow::Cow;
use alloc::format;

use crate::cbor::Value;
use crate::model::AttributeId;
use crate::wire::{Response, StatusCode};

/// A failed operation, answered as `{1: id, 2: status, 3: {1: message}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The status code sent.
    pub status: StatusCode,
    /// Human-readable text (key 1 of the error payload).
    pub message: Cow<'static, str>,
}

impl Failure {
    /// A failure with explicit text.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// INVALID_ATTRIBUTE naming the attribute, as the reference words it.
    pub fn attribute_not_found(id: AttributeId) -> Self {
        Self::new(
            StatusCode::InvalidAttribute,
            format!("attribute {id:#06x} not found"),
        )
    }

    /// The response carrying this failure.
    pub fn into_response(self, message_id: u32) -> Response {
        Response::error(message_id, self.status, self.message.into_owned())
    }
}

impl From<StatusCode> for Failure {
    /// The reference's default text for each status.
    fn from(status: StatusCode) -> Self {
        let message = match status {
            StatusCode::InvalidEndpoint => "endpoint not found",
            StatusCode::InvalidFeature => "feature not found",
            StatusCode::InvalidAttribute => "attribute not found",
            StatusCode::InvalidCommand => "command not found",
            StatusCode::InvalidParameter => "invalid parameter",
            StatusCode::ReadOnly => "attribute is not writable",
            StatusCode::WriteOnly => "attribute is write-only",
            StatusCode::NotAuthorized => "not authorized",
            StatusCode::Busy => "busy",
            StatusCode::Unsupported => "unsupported operation",
            StatusCode::ConstraintError => "value out of range",
            StatusCode::Timeout => "timeout",
            StatusCode::ResourceExhausted => "resource exhausted",
            _ => "error",
        };
        Self::new(status, message)
    }
}

impl From<crate::model::Invalid> for Failure {
    fn from(e: crate::model::Invalid) -> Self {
        Self::new(StatusCode::ConstraintError, format!("{e}"))
    }
}

impl From<Failure> for Value {
    fn from(f: Failure) -> Self {
        let mut m = crate::cbor::Map::new();
        m.insert(1u64, f.message.into_owned());
        Value::Map(m)
    }
}
