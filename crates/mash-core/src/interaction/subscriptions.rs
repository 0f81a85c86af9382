//! The subscription engine of one connection (INTEROP.md §6.4,
//! testing/behavior/subscription-semantics.md).
//!
//! - Coalescing: a window opens at the first change after a report and
//!   the report goes out when `minInterval` has passed since then; the
//!   last value wins.
//! - Bounce-back: an attribute whose value equals the last reported one
//!   is left out; a report with nothing left is not sent.
//! - Heartbeat: after `maxInterval` without a report, every subscribed
//!   attribute is sent with its current value ("full" mode).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::time::Duration;

use crate::cbor::Map;
use crate::ids::ZoneId;
use crate::model::{AttributeId, Change, Device, EndpointId, Feature, FeatureType};
use crate::time::Instant;
use crate::wire::Notification;

/// Per-connection limits and defaults (INTEROP.md §6.4).
#[derive(Debug, Clone, Copy)]
pub struct SubscriptionLimits {
    /// Subscriptions per connection (reference: 50).
    pub max_subscriptions: usize,
    /// Attribute IDs per subscription (reference: 100).
    pub max_attributes: usize,
    /// minInterval when the request gives 0 or none (1 s).
    pub default_min_interval: Duration,
    /// maxInterval when the request gives 0 or none (60 s).
    pub default_max_interval: Duration,
}

impl Default for SubscriptionLimits {
    fn default() -> Self {
        Self {
            max_subscriptions: 50,
            max_attributes: 100,
            default_min_interval: Duration::from_millis(1000),
            default_max_interval: Duration::from_millis(60_000),
        }
    }
}

#[derive(Debug)]
struct Subscription {
    id: u32,
    endpoint: EndpointId,
    feature: FeatureType,
    /// `None`: every attribute of the feature.
    attributes: Option<Vec<AttributeId>>,
    min_interval: Duration,
    max_interval: Duration,
    /// Values in the last report (priming included).
    reported: Map,
    /// Attributes changed since the last report.
    dirty: Vec<AttributeId>,
    /// First change after the last report.
    window_start: Option<Instant>,
    last_report: Instant,
}

impl Subscription {
    fn covers(&self, attribute: AttributeId) -> bool {
        self.attributes
            .as_ref()
            .is_none_or(|ids| ids.contains(&attribute))
    }

    fn next_deadline(&self) -> Instant {
        let heartbeat = self.last_report + self.max_interval;
        match self.window_start {
            Some(start) => heartbeat.min(start + self.min_interval),
            None => heartbeat,
        }
    }
}

/// The subscriptions of one connection and the reports they owe.
#[derive(Debug, Default)]
pub struct Subscriptions {
    subs: Vec<Subscription>,
    ready: VecDeque<Notification>,
    limits: SubscriptionLimits,
}

impl Subscriptions {
    /// An empty set with `limits`.
    pub fn new(limits: SubscriptionLimits) -> Self {
        Self {
            subs: Vec::new(),
            ready: VecDeque::new(),
            limits,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &SubscriptionLimits {
        &self.limits
    }

    /// Number of active subscriptions.
    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Registers a subscription whose priming values were already read.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
        &mut self,
        id: u32,
        endpoint: EndpointId,
        feature: FeatureType,
        attributes: Option<Vec<AttributeId>>,
        min_interval: Duration,
        max_interval: Duration,
        priming: Map,
        now: Instant,
    ) {
        self.subs.push(Subscription {
            id,
            endpoint,
            feature,
            attributes,
            min_interval,
            max_interval,
            reported: priming,
            dirty: Vec::new(),
            window_start: None,
            last_report: now,
        });
    }

    /// Removes subscription `id`; false if this connection has none such.
    pub fn remove(&mut self, id: u32) -> bool {
        let before = self.subs.len();
        self.subs.retain(|s| s.id != id);
        self.subs.len() != before
    }

    /// Drops every subscription (connection loss, test reset).
    pub fn clear(&mut self) {
        self.subs.clear();
        self.ready.clear();
    }

    /// Marks attributes changed. Per-zone changes only concern `zone`'s
    /// own subscriptions.
    pub fn handle_changes(&mut self, changes: &[Change], zone: &ZoneId, now: Instant) {
        for c in changes {
            if c.zone.is_some_and(|z| z != *zone) {
                continue;
            }
            for s in &mut self.subs {
                if s.endpoint == c.endpoint && s.feature == c.feature && s.covers(c.attribute) {
                    if !s.dirty.contains(&c.attribute) {
                        s.dirty.push(c.attribute);
                    }
                    s.window_start.get_or_insert(now);
                }
            }
        }
    }

    /// When [`Subscriptions::handle_timeout`] next has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.subs.iter().map(Subscription::next_deadline).min()
    }

    /// Emits the reports due at `now`, reading current values from `device`
    /// as `zone` sees them.
    pub fn handle_timeout(&mut self, device: &Device, zone: &ZoneId, now: Instant) {
        for s in &mut self.subs {
            let Some(feature) = device.feature(s.endpoint, s.feature) else {
                continue;
            };
            if s.last_report + s.max_interval <= now {
                let all = current(feature, s.attributes.as_deref(), zone, device);
                s.reported = all.clone();
                Self::emit(&mut self.ready, s, all, now);
            } else if s
                .window_start
                .is_some_and(|start| start + s.min_interval <= now)
            {
                let mut delta = Map::new();
                for id in s.dirty.drain(..) {
                    if let Some(v) = feature.read(id, Some(zone)) {
                        if s.reported.get_uint(id.into()) != Some(&v) {
                            s.reported.insert(id, v.clone());
                            delta.insert(id, v);
                        }
                    }
                }
                s.window_start = None;
                if !delta.is_empty() {
                    Self::emit(&mut self.ready, s, delta, now);
                }
            }
        }
    }

    fn emit(ready: &mut VecDeque<Notification>, s: &mut Subscription, changes: Map, now: Instant) {
        s.dirty.clear();
        s.window_start = None;
        s.last_report = now;
        ready.push_back(Notification {
            subscription_id: s.id,
            endpoint_id: s.endpoint,
            feature_id: s.feature.value(),
            changes,
        });
    }

    /// The next report to send.
    pub fn poll_notification(&mut self) -> Option<Notification> {
        self.ready.pop_front()
    }
}

/// Current values of the subscribed attributes.
pub(super) fn current(
    feature: &Feature,
    ids: Option<&[AttributeId]>,
    zone: &ZoneId,
    device: &Device,
) -> Map {
    match ids {
        None => device.read_map(feature, feature.attribute_list(), Some(zone)),
        Some(ids) => device.read_map(feature, ids.iter().copied(), Some(zone)),
    }
}
