//! Request, Response and Notification envelopes (INTEROP.md §6.1).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::classify::{MessageKind, classify_map};
use super::{Control, StatusCode};
use crate::cbor::{DecodeError, Key, Map, Reader, Value, Writer};
use crate::macros::wire_enum;

wire_enum! {
    /// The interaction-model operation (`2:` in a Request).
    pub enum Operation: u8 {
        /// Read attributes.
        Read = 1 => "Read",
        /// Write attributes.
        Write = 2 => "Write",
        /// Subscribe to attributes; with feature 0, unsubscribe.
        Subscribe = 3 => "Subscribe",
        /// Invoke a command.
        Invoke = 4 => "Invoke",
    }
}

/// A request from either side of an operational connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Correlates the response; never 0 (reserved for notifications).
    pub message_id: u32,
    /// What to do.
    pub operation: Operation,
    /// Target endpoint (0 = DEVICE_ROOT).
    pub endpoint_id: u8,
    /// Target feature; 0 together with Subscribe means unsubscribe.
    pub feature_id: u8,
    /// Operation-specific payload; `None` omits key 5.
    pub payload: Option<Value>,
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The request's message ID (0 when the request could not be decoded).
    pub message_id: u32,
    /// Outcome.
    pub status: StatusCode,
    /// Operation-specific payload; `None` omits key 3.
    pub payload: Option<Value>,
}

/// A subscription report (`1: 0`).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The subscription this report belongs to.
    pub subscription_id: u32,
    /// Endpoint of the subscribed feature.
    pub endpoint_id: u8,
    /// The subscribed feature.
    pub feature_id: u8,
    /// Changed attributes (`{attrId: value}`).
    pub changes: Map,
}

/// Any frame on an operational connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
    /// A subscription report.
    Notification(Notification),
    /// Ping, pong or close.
    Control(Control),
    /// An in-band certificate-renewal message (types 30-33), left for the
    /// commissioning layer to decode.
    Renewal(Map),
}

/// Why a frame is not a valid interaction-model message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The bytes are not one acceptable CBOR item.
    Cbor(DecodeError),
    /// The top level is not a map.
    NotAMap,
    /// A top-level key is not an unsigned integer (INTEROP.md §2.3 rule 1).
    NonIntegerKey,
    /// A mandatory envelope field is absent.
    MissingField(&'static str),
    /// A field has the wrong type or does not fit its width.
    InvalidField(&'static str),
    /// A request used message ID 0.
    ReservedMessageId,
    /// A request carried an operation outside 1..=4.
    InvalidOperation(u8),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cbor(e) => write!(f, "invalid CBOR: {e}"),
            Self::NotAMap => f.write_str("invalid message: not a map"),
            Self::NonIntegerKey => f.write_str("invalid message: non-integer key"),
            Self::MissingField(name) => write!(f, "missing required field: {name}"),
            Self::InvalidField(name) => write!(f, "invalid field: {name}"),
            Self::ReservedMessageId => f.write_str("messageId 0 is reserved for notifications"),
            Self::InvalidOperation(op) => write!(f, "invalid operation: {op}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WireError {}

impl From<DecodeError> for WireError {
    fn from(e: DecodeError) -> Self {
        Self::Cbor(e)
    }
}

impl Request {
    /// Appends the encoded request to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        let mut w = Writer::new(buf);
        w.map(if self.payload.is_some() { 5 } else { 4 });
        w.uint(1).uint(self.message_id.into());
        w.uint(2).uint(self.operation.value().into());
        w.uint(3).uint(self.endpoint_id.into());
        w.uint(4).uint(self.feature_id.into());
        if let Some(p) = &self.payload {
            w.uint(5).value(p);
        }
    }

    /// Checks what the reference checks before sending or after decoding.
    pub fn validate(&self) -> Result<(), WireError> {
        if self.message_id == 0 {
            return Err(WireError::ReservedMessageId);
        }
        match self.operation {
            Operation::Unnamed(op) => Err(WireError::InvalidOperation(op)),
            _ => Ok(()),
        }
    }

    fn from_map(mut m: Map) -> Result<Self, WireError> {
        let req = Self {
            message_id: field(&m, 1, "messageId")?.unwrap_or(0),
            operation: Operation::from_value(field(&m, 2, "operation")?.unwrap_or(0)),
            endpoint_id: field(&m, 3, "endpointId")?.unwrap_or(0),
            feature_id: field(&m, 4, "featureId")?.unwrap_or(0),
            payload: m.remove(5u64),
        };
        if !m.contains_key(2u64) {
            return Err(WireError::MissingField("operation"));
        }
        req.validate()?;
        Ok(req)
    }
}

impl Response {
    /// A response with `status` and no payload.
    pub fn status(message_id: u32, status: StatusCode) -> Self {
        Self {
            message_id,
            status,
            payload: None,
        }
    }

    /// An error response with the reference's `{1: "text"}` payload.
    pub fn error(message_id: u32, status: StatusCode, text: impl Into<String>) -> Self {
        let mut payload = Map::new();
        payload.insert(1u64, text.into());
        Self {
            message_id,
            status,
            payload: Some(Value::Map(payload)),
        }
    }

    /// Appends the encoded response to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        let mut w = Writer::new(buf);
        w.map(if self.payload.is_some() { 3 } else { 2 });
        w.uint(1).uint(self.message_id.into());
        w.uint(2).uint(self.status.value().into());
        if let Some(p) = &self.payload {
            w.uint(3).value(p);
        }
    }

    /// The reference's error text (`{1: "..."}`), if any.
    pub fn error_text(&self) -> Option<&str> {
        self.payload.as_ref()?.as_map()?.get_uint(1)?.as_str()
    }

    fn from_map(mut m: Map) -> Result<Self, WireError> {
        Ok(Self {
            message_id: field(&m, 1, "messageId")?.unwrap_or(0),
            status: StatusCode::from_value(field(&m, 2, "status")?.unwrap_or(0)),
            payload: m.remove(3u64),
        })
    }
}

impl Notification {
    /// Appends the encoded notification to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        Self::encode_parts(
            buf,
            self.subscription_id,
            self.endpoint_id,
            self.feature_id,
            &self.changes,
        );
    }

    /// Encodes a notification without owning its parts, so fan-out can
    /// reuse one change map for many subscriptions.
    pub fn encode_parts(
        buf: &mut Vec<u8>,
        subscription_id: u32,
        endpoint_id: u8,
        feature_id: u8,
        changes: &Map,
    ) {
        let mut w = Writer::new(buf);
        w.map(5);
        w.uint(1).uint(0);
        w.uint(2).uint(subscription_id.into());
        w.uint(3).uint(endpoint_id.into());
        w.uint(4).uint(feature_id.into());
        w.uint(5).map_value(changes);
    }

    fn from_map(mut m: Map) -> Result<Self, WireError> {
        let changes = match m.remove(5u64) {
            Some(Value::Map(c)) => c,
            Some(Value::Null) | None => Map::new(),
            Some(_) => return Err(WireError::InvalidField("changes")),
        };
        Ok(Self {
            subscription_id: field(&m, 2, "subscriptionId")?
                .ok_or(WireError::MissingField("subscriptionId"))?,
            endpoint_id: field(&m, 3, "endpointId")?.unwrap_or(0),
            feature_id: field(&m, 4, "featureId")?.unwrap_or(0),
            changes,
        })
    }
}

impl Message {
    /// Classifies and decodes one frame payload (without length prefix).
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let map = match r.value()? {
            Value::Map(m) => m,
            _ => return Err(WireError::NotAMap),
        };
        r.finish()?;
        match classify_map(&map)? {
            MessageKind::Request => Request::from_map(map).map(Self::Request),
            MessageKind::Response => Response::from_map(map).map(Self::Response),
            MessageKind::Control => Control::from_map(&map).map(Self::Control),
            MessageKind::Renewal => Ok(Self::Renewal(map)),
            MessageKind::Notification => {
                // The reference answers undecodable requests with messageId 0,
                // which lands here; a map at key 3 marks such an error response.
                if matches!(map.get_uint(3), Some(Value::Map(_))) && !map.contains_key(4u64) {
                    Response::from_map(map).map(Self::Response)
                } else {
                    Notification::from_map(map).map(Self::Notification)
                }
            }
        }
    }

    /// Appends the encoded message to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        match self {
            Self::Request(r) => r.encode(buf),
            Self::Response(r) => r.encode(buf),
            Self::Notification(n) => n.encode(buf),
            Self::Control(c) => c.encode(buf),
            Self::Renewal(m) => {
                Writer::new(buf).map_value(m);
            }
        }
    }
}

/// Reads an optional unsigned envelope field that must fit `T`.
pub(crate) fn field<T: TryFrom<u64>>(
    m: &Map,
    key: u64,
    name: &'static str,
) -> Result<Option<T>, WireError> {
    match m.get(Key::Uint(key)) {
        None => Ok(None),
        Some(Value::Uint(v)) => T::try_from(*v)
            .map(Some)
            .map_err(|_| WireError::InvalidField(name)),
        Some(_) => Err(WireError::InvalidField(name)),
    }
}
