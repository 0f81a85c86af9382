//! Typed, validated browse results.

use std::collections::HashSet;

use mdns_sd::ServiceEvent;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::browser::discovered::{Discovered, RawEvent, RawService};
use crate::browser::hub;
use crate::mdns::Mdns;
use crate::records::Record;

/// A change seen while browsing one service type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowseEvent<R> {
    /// A record was resolved, or an already reported one changed (new
    /// port, TXT or addresses).
    Resolved(Discovered<R>),
    /// A previously reported instance went away (goodbye or expiry), or no
    /// longer matches the filter.
    Removed {
        /// The instance name, as in [`Discovered::instance`].
        instance: String,
    },
}

/// The predicate a stream applies to decoded records.
pub(crate) type Filter<R> = Box<dyn Fn(&R) -> bool + Send + Sync>;

/// The results of browsing one service type, decoded and filtered.
///
/// Records whose TXT fails the MASH decoder are dropped with a trace log.
/// `Removed` is only reported for instances this stream reported as
/// `Resolved`. The stream keeps its daemon alive; dropping it stops the
/// browse once no other stream of the same type is left.
pub struct BrowseStream<R: Record> {
    rx: UnboundedReceiver<ServiceEvent>,
    state: StreamState<R>,
    mdns: Mdns,
}

/// The pure part of a stream: decoding, filtering, removal tracking.
pub(crate) struct StreamState<R> {
    filter: Filter<R>,
    /// Lowercased instance names reported as resolved.
    reported: HashSet<String>,
}

impl<R: Record> BrowseStream<R> {
    pub(crate) fn new(mdns: Mdns, filter: Filter<R>) -> Result<Self, crate::Error> {
        let rx = hub::subscribe(&mdns.inner, R::KIND)?;
        Ok(Self {
            rx,
            state: StreamState::new(filter),
            mdns,
        })
    }

    /// The next event; `None` once the daemon has stopped.
    pub async fn next(&mut self) -> Option<BrowseEvent<R>> {
        loop {
            let event = self.rx.recv().await?;
            if let Some(raw) = RawEvent::from_daemon(R::KIND, &event)
                && let Some(out) = self.state.handle(raw)
            {
                return Some(out);
            }
        }
    }

    /// The next resolved record, skipping removals.
    pub async fn next_resolved(&mut self) -> Option<Discovered<R>> {
        loop {
            if let BrowseEvent::Resolved(found) = self.next().await? {
                return Some(found);
            }
        }
    }
}

impl<R: Record> Drop for BrowseStream<R> {
    fn drop(&mut self) {
        self.rx.close();
        hub::unsubscribe(&self.mdns.inner, R::KIND);
    }
}

impl<R: Record> StreamState<R> {
    pub(crate) fn new(filter: Filter<R>) -> Self {
        Self {
            filter,
            reported: HashSet::new(),
        }
    }

    pub(crate) fn handle(&mut self, event: RawEvent) -> Option<BrowseEvent<R>> {
        match event {
            RawEvent::Resolved(raw) => self.resolved(raw),
            RawEvent::Removed { instance } => self
                .reported
                .remove(&instance.to_lowercase())
                .then_some(BrowseEvent::Removed { instance }),
        }
    }

    fn resolved(&mut self, raw: RawService) -> Option<BrowseEvent<R>> {
        let key = raw.instance.to_lowercase();
        let record = match R::decode_txt(&raw.txt) {
            Ok(record) => record,
            Err(e) => {
                tracing::trace!(
                    service = %R::KIND,
                    instance = %raw.instance,
                    txt = ?raw.txt.to_strings(),
                    error = %e,
                    "dropping invalid record"
                );
                return self.forget(key, raw.instance);
            }
        };
        if !(self.filter)(&record) {
            return self.forget(key, raw.instance);
        }
        self.reported.insert(key);
        Some(BrowseEvent::Resolved(Discovered {
            record,
            instance: raw.instance,
            host: raw.host,
            port: raw.port,
            addresses: raw.addresses,
        }))
    }

    /// A reported instance that no longer qualifies is reported removed.
    fn forget(&mut self, key: String, instance: String) -> Option<BrowseEvent<R>> {
        self.reported
            .remove(&key)
            .then_some(BrowseEvent::Removed { instance })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{CommissionableInfo, Discriminator};
    use crate::txt::TxtRecord;

    fn raw(instance: &str, d: &str, port: u16) -> RawEvent {
        RawEvent::Resolved(RawService {
            instance: instance.into(),
            host: "evse.local.".into(),
            port,
            addresses: vec!["[fe80::1%2]:8443".parse().unwrap()],
            txt: TxtRecord::from_strings(&[
                &format!("D={d}"),
                "cat=3",
                "serial=S",
                "brand=B",
                "model=M",
            ]),
        })
    }

    fn by_d(d: u16) -> StreamState<CommissionableInfo> {
        let d = Discriminator::new(d).unwrap();
        StreamState::new(Box::new(move |r: &CommissionableInfo| r.discriminator == d))
    }

    #[test]
    fn filters_on_txt_d_not_on_the_instance_name() {
        let mut s = by_d(42);
        // Instance says 7, TXT says 42: TXT wins (INTEROP.md §9).
        match s.handle(raw("MASH-0007", "42", 1)) {
            Some(BrowseEvent::Resolved(d)) => assert_eq!(d.record.discriminator.get(), 42),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.handle(raw("MASH-0042", "7", 1)), None);
    }

    #[test]
    fn invalid_records_are_dropped() {
        let mut s = by_d(42);
        assert_eq!(s.handle(raw("MASH-4096", "4096", 1)), None);
    }

    #[test]
    fn removals_only_for_reported_instances() {
        let mut s = by_d(42);
        let gone = |i: &str| RawEvent::Removed { instance: i.into() };
        assert_eq!(s.handle(gone("MASH-0042")), None);
        assert!(s.handle(raw("MASH-0042", "42", 1)).is_some());
        assert_eq!(
            s.handle(gone("mash-0042")),
            Some(BrowseEvent::Removed {
                instance: "mash-0042".into()
            })
        );
        assert_eq!(s.handle(gone("MASH-0042")), None);
    }

    #[test]
    fn a_record_that_stops_matching_is_removed() {
        let mut s = by_d(42);
        assert!(s.handle(raw("MASH-0042", "42", 1)).is_some());
        assert_eq!(
            s.handle(raw("MASH-0042", "43", 1)),
            Some(BrowseEvent::Removed {
                instance: "MASH-0042".into()
            })
        );
    }
}
