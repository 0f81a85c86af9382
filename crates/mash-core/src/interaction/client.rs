//! Builders for the requests a controller sends, in the shapes the
//! reference device honours (INTEROP.md §6.2, §6.4).

use alloc::vec::Vec;
use core::time::Duration;

use crate::cbor::{Map, Value};
use crate::model::AttributeId;

/// A read payload: `{1: [ids]}`, or none for "all attributes".
///
/// Never the bare array of the spec documents, which the reference
/// device ignores.
#[derive(Debug, Clone, Default)]
pub struct ReadPayload {
    /// Attributes to read; empty for all.
    pub attributes: Vec<AttributeId>,
}

impl ReadPayload {
    /// The payload value, `None` when reading everything.
    pub fn to_value(&self) -> Option<Value> {
        if self.attributes.is_empty() {
            return None;
        }
        let mut m = Map::new();
        m.insert(
            1u64,
            self.attributes
                .iter()
                .map(|id| Value::from(*id))
                .collect::<Vec<_>>(),
        );
        Some(Value::Map(m))
    }
}

/// A subscribe payload `{1?: [ids], 2?: min ms, 3?: max ms}`; zero and
/// empty fields are omitted, meaning the device defaults (1 s / 60 s).
#[derive(Debug, Clone, Default)]
pub struct SubscribePayload {
    /// Attributes; empty for all.
    pub attributes: Vec<AttributeId>,
    /// Minimum interval between reports.
    pub min_interval: Duration,
    /// Maximum interval without a report.
    pub max_interval: Duration,
}

impl SubscribePayload {
    /// The payload value.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if !self.attributes.is_empty() {
            m.insert(
                1u64,
                self.attributes
                    .iter()
                    .map(|id| Value::from(*id))
                    .collect::<Vec<_>>(),
            );
        }
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        if !self.min_interval.is_zero() {
            m.insert(2u64, ms(self.min_interval));
        }
        if !self.max_interval.is_zero() {
            m.insert(3u64, ms(self.max_interval));
        }
        Value::Map(m)
    }
}

/// Message IDs for one connection and direction: 1, 2, ... skipping 0
/// on wrap (interaction-model.md §3.4).
#[derive(Debug, Clone, Default)]
pub struct RequestIds {
    last: u32,
}

impl RequestIds {
    /// A fresh counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next ID.
    pub fn next_id(&mut self) -> u32 {
        self.last = self.last.wrapping_add(1).max(1);
        self.last
    }
}
