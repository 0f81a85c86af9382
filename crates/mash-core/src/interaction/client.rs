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

/// Outstanding requests of one connection, matched to their responses
/// (interaction-model.md §3.4, DEC-044: 10 s timeout).
///
/// Call order: [`PendingRequests::insert`] when sending,
/// [`PendingRequests::complete`] for each response,
/// [`PendingRequests::expire`] at [`PendingRequests::poll_timeout`].
#[derive(Debug)]
pub struct PendingRequests<T> {
    ids: RequestIds,
    timeout: Duration,
    pending: Vec<(u32, crate::time::Instant, T)>,
}

impl<T> PendingRequests<T> {
    /// Requests time out after `timeout` (the reference uses 10 s).
    pub fn new(timeout: Duration) -> Self {
        Self {
            ids: RequestIds::new(),
            timeout,
            pending: Vec::new(),
        }
    }

    /// Allocates a message ID for a request sent at `now` and remembers
    /// `waiter` for it. IDs still pending are skipped after a wrap.
    pub fn insert(&mut self, now: crate::time::Instant, waiter: T) -> u32 {
        let mut id = self.ids.next_id();
        while self.pending.iter().any(|p| p.0 == id) {
            id = self.ids.next_id();
        }
        self.pending.push((id, now + self.timeout, waiter));
        id
    }

    /// The waiter of the response with `message_id`, if one is pending.
    pub fn complete(&mut self, message_id: u32) -> Option<T> {
        let i = self.pending.iter().position(|p| p.0 == message_id)?;
        Some(self.pending.swap_remove(i).2)
    }

    /// When the oldest request times out.
    pub fn poll_timeout(&self) -> Option<crate::time::Instant> {
        self.pending.iter().map(|p| p.1).min()
    }

    /// Removes and returns the waiters of requests timed out at `now`.
    pub fn expire(&mut self, now: crate::time::Instant) -> Vec<(u32, T)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending.get(i).is_some_and(|p| p.1 <= now) {
                let (id, _, w) = self.pending.swap_remove(i);
                out.push((id, w));
            } else {
                i += 1;
            }
        }
        out
    }

    /// Number of requests in flight.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether none are in flight.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Drops every waiter (connection closed).
    pub fn drain(&mut self) -> impl Iterator<Item = (u32, T)> + '_ {
        self.pending.drain(..).map(|(id, _, w)| (id, w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;

    #[test]
    fn responses_match_and_stale_requests_time_out() {
        let mut p = PendingRequests::new(Duration::from_secs(10));
        let a = p.insert(Instant::ZERO, 'a');
        let b = p.insert(Instant::from_millis(5_000), 'b');
        assert_eq!((a, b), (1, 2));
        assert_eq!(p.complete(b), Some('b'));
        assert_eq!(p.complete(b), None, "a response is used once");
        assert_eq!(p.poll_timeout(), Some(Instant::from_millis(10_000)));
        assert!(p.expire(Instant::from_millis(9_999)).is_empty());
        assert_eq!(p.expire(Instant::from_millis(10_000)), vec![(1, 'a')]);
    }

    #[test]
    fn ids_skip_zero_on_wrap() {
        let mut ids = RequestIds { last: u32::MAX - 1 };
        assert_eq!(ids.next_id(), u32::MAX);
        assert_eq!(ids.next_id(), 1);
    }
}
