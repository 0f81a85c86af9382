//! Ping, pong and close (INTEROP.md §2.2).

use alloc::vec::Vec;

use super::WireError;
use super::message::field;
use crate::cbor::{Map, Writer};
use crate::macros::wire_enum;

wire_enum! {
    /// The control message type (`1:`).
    pub enum ControlType: u8 {
        /// Keep-alive probe.
        Ping = 1 => "PING",
        /// Answer to a ping, echoing its sequence.
        Pong = 2 => "PONG",
        /// Graceful close.
        Close = 3 => "CLOSE",
    }
}

/// A control frame `{1: type, 2?: sequence}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// Ping, pong or close.
    pub kind: ControlType,
    /// Sequence number; omitted on the wire when 0.
    pub sequence: u32,
}

impl Control {
    /// A ping with `sequence`.
    pub const fn ping(sequence: u32) -> Self {
        Self {
            kind: ControlType::Ping,
            sequence,
        }
    }

    /// The pong answering a ping with `sequence`.
    pub const fn pong(sequence: u32) -> Self {
        Self {
            kind: ControlType::Pong,
            sequence,
        }
    }

    /// A close.
    pub const fn close() -> Self {
        Self {
            kind: ControlType::Close,
            sequence: 0,
        }
    }

    /// Appends the encoded frame to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        let mut w = Writer::new(buf);
        w.map(if self.sequence == 0 { 1 } else { 2 });
        w.uint(1).uint(self.kind.value().into());
        if self.sequence != 0 {
            w.uint(2).uint(self.sequence.into());
        }
    }

    pub(crate) fn from_map(m: &Map) -> Result<Self, WireError> {
        Ok(Self {
            kind: ControlType::from_value(
                field(m, 1, "type")?.ok_or(WireError::MissingField("type"))?,
            ),
            sequence: field(m, 2, "sequence")?.unwrap_or(0),
        })
    }
}
