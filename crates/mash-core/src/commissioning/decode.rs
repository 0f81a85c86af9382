//! Lenient decoding of commissioning messages.
//!
//! The reference decodes these messages with its CBOR library's defaults
//! (INTEROP.md §1), not with the strict interaction-model decoder, so:
//!
//! - unknown keys, of any key or value type, are skipped;
//! - a duplicate key keeps its **first** value;
//! - a missing or `null` field reads as empty / zero, and a missing type
//!   is type 0 (unknown);
//! - a known field of the wrong CBOR type, or an integer too wide for it,
//!   fails the whole message;
//! - the top-level item must be a map (arrays are rejected) and must span
//!   the whole input.
//!
//! The crate's [`crate::cbor::Reader`] rejects duplicate keys, hence this
//! small reader. It keeps only keys 1..=5, skips everything else without
//! recursion (minicbor's `skip`), and every loop consumes input, so work is
//! bounded by the input length. It never panics.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use minicbor::Decoder;
use minicbor::data::Type;

use super::messages::*;
use crate::cbor::DecodeError;

/// Highest key any commissioning message uses.
const MAX_KEY: usize = 5;

/// Why bytes are not a commissioning message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// Not well-formed CBOR, or bytes after the map.
    Cbor(DecodeError),
    /// The top-level item is not a map.
    NotAMap,
    /// Key 1 names no commissioning message (0 when absent).
    UnknownType(u8),
    /// A known field has the wrong CBOR type or does not fit its width.
    InvalidField(&'static str),
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cbor(e) => write!(f, "invalid commissioning message: {e}"),
            Self::NotAMap => f.write_str("invalid commissioning message: not a map"),
            Self::UnknownType(t) => {
                write!(f, "invalid commissioning message: unknown message type {t}")
            }
            Self::InvalidField(name) => {
                write!(f, "invalid commissioning message: bad field {name}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for MessageError {}

impl From<DecodeError> for MessageError {
    fn from(e: DecodeError) -> Self {
        Self::Cbor(e)
    }
}

impl CommissioningMessage {
    /// Decodes one message payload (without the frame prefix), leniently
    /// as described in the module docs.
    pub fn decode(bytes: &[u8]) -> Result<Self, MessageError> {
        let f = Fields::read(bytes)?;
        let ty = MessageType::from_value(f.uint(1, "msgType")?);
        Ok(match ty {
            MessageType::PaseRequest => PaseRequest {
                public_value: f.bytes(2, "publicValue")?,
                client_identity: f.bytes(3, "clientIdentity")?,
            }
            .into(),
            MessageType::PaseResponse => PaseResponse {
                public_value: f.bytes(2, "publicValue")?,
            }
            .into(),
            MessageType::PaseConfirm => PaseConfirm {
                confirmation: f.bytes(2, "confirmation")?,
            }
            .into(),
            MessageType::PaseComplete => PaseComplete {
                confirmation: f.bytes(2, "confirmation")?,
                error_code: ErrorCode::from_value(f.uint(3, "errorCode")?),
            }
            .into(),
            MessageType::CsrRequest => CsrRequest {
                nonce: f.bytes(2, "nonce")?,
            }
            .into(),
            MessageType::CsrResponse => CsrResponse {
                csr: f.bytes(2, "csr")?,
                error_code: ErrorCode::from_value(f.uint(3, "errorCode")?),
            }
            .into(),
            MessageType::CertInstall => CertInstall {
                operational_cert: f.bytes(2, "operationalCert")?,
                ca_cert: f.bytes(3, "caCert")?,
                zone_type: f.uint(4, "zoneType")?,
                zone_priority: f.uint(5, "zonePriority")?,
            }
            .into(),
            MessageType::CertInstallResponse => CertInstallResponse {
                error_code: ErrorCode::from_value(f.uint(2, "errorCode")?),
            }
            .into(),
            MessageType::CommissioningComplete => CommissioningMessage::CommissioningComplete,
            MessageType::CertRenewalRequest => CertRenewalRequest {
                nonce: f.bytes(2, "nonce")?,
                zone_ca: f.bytes(3, "zoneCA")?,
            }
            .into(),
            MessageType::CertRenewalCsr => CertRenewalCsr {
                csr: f.bytes(2, "csr")?,
                nonce_hash: f.bytes(3, "nonceHash")?,
            }
            .into(),
            MessageType::CertRenewalInstall => CertRenewalInstall {
                new_cert: f.bytes(2, "newCert")?,
                sequence: f.uint(3, "sequence")?,
            }
            .into(),
            MessageType::CertRenewalAck => CertRenewalAck {
                status: RenewalStatus::from_value(f.uint(2, "status")?),
                active_sequence: f.uint(3, "activeSequence")?,
            }
            .into(),
            MessageType::CommissioningError => CommissioningError {
                error_code: ErrorCode::from_value(f.uint(2, "errorCode")?),
                message: f.text(3, "message")?,
                retry_after_ms: f.uint(4, "retryAfter")?,
            }
            .into(),
            MessageType::Unnamed(t) => return Err(MessageError::UnknownType(t)),
        })
    }
}

/// A kept field value; anything else is remembered only as `Other`.
enum Field {
    Uint(u64),
    Bytes(Vec<u8>),
    Text(String),
    Null,
    Other,
}

/// The first value seen for each of the keys 1..=5.
struct Fields([Option<Field>; MAX_KEY]);

impl Fields {
    fn read(bytes: &[u8]) -> Result<Self, MessageError> {
        let mut d = Decoder::new(bytes);
        let len = match datatype(&mut d)? {
            Type::Map | Type::MapIndef => d.map().map_err(cbor_err)?,
            _ => return Err(MessageError::NotAMap),
        };
        let mut fields = Self([None, None, None, None, None]);
        let mut remaining = len;
        loop {
            match remaining {
                Some(0) => break,
                Some(ref mut n) => *n -= 1,
                None if at_break(&mut d)? => break,
                None => {}
            }
            let key = match datatype(&mut d)? {
                Type::U8 | Type::U16 | Type::U32 | Type::U64 => Some(d.u64().map_err(cbor_err)?),
                _ => {
                    d.skip().map_err(cbor_err)?;
                    None
                }
            };
            let slot = key
                .and_then(|k| usize::try_from(k).ok())
                .and_then(|k| k.checked_sub(1))
                .and_then(|i| fields.0.get_mut(i))
                .filter(|slot| slot.is_none());
            match slot {
                Some(slot) => *slot = Some(field(&mut d)?),
                // Unknown key, or a duplicate: the first value stays.
                None => d.skip().map_err(cbor_err)?,
            }
        }
        if d.position() != bytes.len() {
            return Err(DecodeError::TrailingBytes.into());
        }
        Ok(fields)
    }

    fn get(&self, key: usize) -> Option<&Field> {
        key.checked_sub(1)
            .and_then(|i| self.0.get(i))
            .and_then(Option::as_ref)
    }

    fn bytes(&self, key: usize, name: &'static str) -> Result<Vec<u8>, MessageError> {
        match self.get(key) {
            None | Some(Field::Null) => Ok(Vec::new()),
            Some(Field::Bytes(b)) => Ok(b.clone()),
            Some(_) => Err(MessageError::InvalidField(name)),
        }
    }

    fn text(&self, key: usize, name: &'static str) -> Result<String, MessageError> {
        match self.get(key) {
            None | Some(Field::Null) => Ok(String::new()),
            Some(Field::Text(s)) => Ok(s.clone()),
            Some(_) => Err(MessageError::InvalidField(name)),
        }
    }

    fn uint<T: TryFrom<u64> + Default>(
        &self,
        key: usize,
        name: &'static str,
    ) -> Result<T, MessageError> {
        match self.get(key) {
            None | Some(Field::Null) => Ok(T::default()),
            Some(Field::Uint(v)) => T::try_from(*v).map_err(|_| MessageError::InvalidField(name)),
            Some(_) => Err(MessageError::InvalidField(name)),
        }
    }
}

fn field(d: &mut Decoder<'_>) -> Result<Field, MessageError> {
    Ok(match datatype(d)? {
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => Field::Uint(d.u64().map_err(cbor_err)?),
        Type::Bytes | Type::BytesIndef => {
            let mut out = Vec::new();
            for chunk in d.bytes_iter().map_err(cbor_err)? {
                out.extend_from_slice(chunk.map_err(cbor_err)?);
            }
            Field::Bytes(out)
        }
        Type::String | Type::StringIndef => {
            let mut out = String::new();
            for chunk in d.str_iter().map_err(cbor_err)? {
                out.push_str(chunk.map_err(|e| {
                    if e.is_end_of_input() {
                        cbor_err(e)
                    } else {
                        DecodeError::InvalidUtf8.into()
                    }
                })?);
            }
            Field::Text(out)
        }
        Type::Null => {
            d.null().map_err(cbor_err)?;
            Field::Null
        }
        Type::Undefined => {
            d.undefined().map_err(cbor_err)?;
            Field::Null
        }
        _ => {
            d.skip().map_err(cbor_err)?;
            Field::Other
        }
    })
}

fn datatype(d: &mut Decoder<'_>) -> Result<Type, MessageError> {
    let pos = d.position();
    let first = d.input().get(pos).copied();
    match d.datatype() {
        Ok(Type::Unknown(b)) => Err(DecodeError::Malformed(b).into()),
        Ok(Type::Break) => Err(DecodeError::Malformed(0xff).into()),
        Ok(t) => Ok(t),
        Err(e) if e.is_end_of_input() || first.is_none() => Err(DecodeError::UnexpectedEnd.into()),
        Err(_) => Err(DecodeError::Malformed(first.unwrap_or(0)).into()),
    }
}

/// Consumes a `break` if one is next.
fn at_break(d: &mut Decoder<'_>) -> Result<bool, MessageError> {
    let pos = d.position();
    match d.input().get(pos) {
        None => Err(DecodeError::UnexpectedEnd.into()),
        Some(0xff) => {
            d.set_position(pos + 1);
            Ok(true)
        }
        Some(_) => Ok(false),
    }
}

fn cbor_err(e: minicbor::decode::Error) -> MessageError {
    if e.is_end_of_input() {
        DecodeError::UnexpectedEnd.into()
    } else {
        DecodeError::Malformed(0).into()
    }
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
