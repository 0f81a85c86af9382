//! The subscriptions a session keeps across reconnects.
//!
//! The device forgets every subscription of a connection when it drops
//! (INTEROP.md §6.4: "clients re-subscribe"). The session therefore keeps
//! what the application asked for, under a local ID, and binds it to the
//! device's subscription ID of the current connection.

use mash_core::cbor::Map;
use tokio::sync::mpsc;

use crate::handle::SubscriptionEvent;
use crate::request::Outgoing;

#[derive(Debug)]
struct Entry {
    local: u64,
    outgoing: Outgoing,
    sink: mpsc::UnboundedSender<SubscriptionEvent>,
    /// The device's ID on the current connection.
    bound: Option<u32>,
}

/// The table; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Desired {
    next_local: u64,
    entries: Vec<Entry>,
}

/// What to do with a notification.
pub(crate) enum Route {
    /// Delivered.
    Delivered,
    /// The application dropped the subscription: unsubscribe this ID.
    Gone(u32),
    /// Not ours (late notification after an unsubscribe).
    Unknown,
}

impl Desired {
    /// Remembers a new subscription; returns its local ID.
    pub(crate) fn add(
        &mut self,
        outgoing: Outgoing,
        sink: mpsc::UnboundedSender<SubscriptionEvent>,
    ) -> u64 {
        self.next_local += 1;
        self.entries.push(Entry {
            local: self.next_local,
            outgoing,
            sink,
            bound: None,
        });
        self.next_local
    }

    /// The device accepted it under `device_id`.
    pub(crate) fn bind(&mut self, local: u64, device_id: u32) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.local == local) {
            e.bound = Some(device_id);
        }
    }

    /// Delivers a renewed subscription's priming report; `false` if the
    /// application no longer listens.
    pub(crate) fn resubscribed(&mut self, local: u64, priming: Map) -> bool {
        self.entries
            .iter()
            .find(|e| e.local == local)
            .is_some_and(|e| {
                e.sink
                    .send(SubscriptionEvent::Resubscribed(priming))
                    .is_ok()
            })
    }

    /// Forgets a subscription; returns the device ID it was bound to.
    pub(crate) fn remove(&mut self, local: u64) -> Option<u32> {
        let i = self.entries.iter().position(|e| e.local == local)?;
        self.entries.swap_remove(i).bound
    }

    /// Routes a notification for the device's `subscription_id`.
    pub(crate) fn route(&mut self, subscription_id: u32, changes: Map) -> Route {
        let Some(i) = self
            .entries
            .iter()
            .position(|e| e.bound == Some(subscription_id))
        else {
            return Route::Unknown;
        };
        let delivered = self
            .entries
            .get(i)
            .is_some_and(|e| e.sink.send(SubscriptionEvent::Report(changes)).is_ok());
        if delivered {
            Route::Delivered
        } else {
            self.entries.swap_remove(i);
            Route::Gone(subscription_id)
        }
    }

    /// The connection dropped: unbind all and tell the listeners. Entries
    /// whose listener is gone are dropped.
    pub(crate) fn interrupt(&mut self) {
        self.entries.retain_mut(|e| {
            e.bound = None;
            e.sink.send(SubscriptionEvent::Interrupted).is_ok()
        });
    }

    /// What to subscribe again after a reconnect.
    pub(crate) fn to_renew(&self) -> Vec<(u64, Outgoing)> {
        self.entries
            .iter()
            .map(|e| (e.local, e.outgoing.clone()))
            .collect()
    }

    /// Whether a subscription is still wanted.
    pub(crate) fn contains(&self, local: u64) -> bool {
        self.entries.iter().any(|e| e.local == local)
    }
}

#[cfg(test)]
mod tests {
    use mash_core::model::FeatureType;

    use super::*;
    use crate::request;

    #[test]
    fn binds_routes_interrupts_and_renews() {
        let mut d = Desired::default();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let local = d.add(request::read(1, FeatureType::Measurement, &[]), tx);
        d.bind(local, 7);
        assert!(matches!(d.route(7, Map::new()), Route::Delivered));
        assert!(matches!(d.route(8, Map::new()), Route::Unknown));
        assert_eq!(
            rx.try_recv().unwrap(),
            SubscriptionEvent::Report(Map::new())
        );
        d.interrupt();
        assert_eq!(rx.try_recv().unwrap(), SubscriptionEvent::Interrupted);
        assert!(matches!(d.route(7, Map::new()), Route::Unknown));
        assert_eq!(d.to_renew().len(), 1);
        d.bind(local, 9);
        drop(rx);
        assert!(matches!(d.route(9, Map::new()), Route::Gone(9)));
        assert!(!d.contains(local));
    }
}
