//! Fan-out of one mdns-sd browse to many subscribers.
//!
//! mdns-sd keeps one listener per service type and daemon: a second
//! `browse` of the same type replaces the first listener. So each daemon
//! has one hub per service type; every new subscriber re-issues the browse
//! (which also replays the daemon's cache, so the newcomer catches up) and
//! one pump thread forwards daemon events to all subscribers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use mdns_sd::ServiceEvent;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::error::Error;
use crate::mdns::Inner;
use crate::records::ServiceKind;

/// The hubs of one daemon, by service type.
#[derive(Default)]
pub(crate) struct Hubs {
    by_kind: HashMap<ServiceKind, Hub>,
    next_generation: u64,
}

struct Hub {
    /// Which pump currently feeds this hub; older pumps must not tear it down.
    generation: u64,
    subscribers: Vec<UnboundedSender<ServiceEvent>>,
}

/// Adds a subscriber for `kind` and (re)starts the browse.
pub(crate) fn subscribe(
    inner: &Inner,
    kind: ServiceKind,
) -> Result<UnboundedReceiver<ServiceEvent>, Error> {
    let (tx, rx) = unbounded_channel();
    let mut hubs = lock(&inner.hubs);
    let events = inner.daemon.browse(kind.ty_domain())?;
    hubs.next_generation += 1;
    let generation = hubs.next_generation;
    let hub = hubs.by_kind.entry(kind).or_insert_with(|| Hub {
        generation,
        subscribers: Vec::new(),
    });
    hub.generation = generation;
    hub.subscribers.retain(|s| !s.is_closed());
    hub.subscribers.push(tx);
    drop(hubs);

    let hubs = Arc::clone(&inner.hubs);
    std::thread::Builder::new()
        .name(format!("mash-browse{kind}"))
        .spawn(move || pump(&events, &hubs, kind, generation))
        .map_err(|e| Error::from(mdns_sd::Error::Msg(format!("spawn browse thread: {e}"))))?;
    Ok(rx)
}

/// Drops closed subscribers of `kind`; stops the browse when none is left.
pub(crate) fn unsubscribe(inner: &Inner, kind: ServiceKind) {
    let mut hubs = lock(&inner.hubs);
    let Some(hub) = hubs.by_kind.get_mut(&kind) else {
        return;
    };
    hub.subscribers.retain(|s| !s.is_closed());
    if hub.subscribers.is_empty() {
        hubs.by_kind.remove(&kind);
        if let Err(e) = inner.daemon.stop_browse(kind.ty_domain()) {
            tracing::debug!(service = %kind, error = %e, "stop browse");
        }
    }
}

/// Forwards daemon events until the daemon drops the listener (it was
/// replaced by a newer browse, stopped, or the daemon shut down).
fn pump(
    events: &mdns_sd::Receiver<ServiceEvent>,
    hubs: &Mutex<Hubs>,
    kind: ServiceKind,
    generation: u64,
) {
    while let Ok(event) = events.recv() {
        let stopped = matches!(event, ServiceEvent::SearchStopped(_));
        let mut hubs = lock(hubs);
        let Some(hub) = hubs.by_kind.get_mut(&kind) else {
            break;
        };
        hub.subscribers.retain(|s| s.send(event.clone()).is_ok());
        if stopped {
            break;
        }
    }
    // If we were the current feeder, nobody else will feed this hub: close
    // the subscribers' channels so their streams end instead of hanging.
    let mut hubs = lock(hubs);
    if hubs
        .by_kind
        .get(&kind)
        .is_some_and(|hub| hub.generation == generation)
    {
        hubs.by_kind.remove(&kind);
    }
}

fn lock(hubs: &Mutex<Hubs>) -> MutexGuard<'_, Hubs> {
    // Poisoning only means a panic elsewhere mid-update; the map is usable.
    hubs.lock().unwrap_or_else(|p| p.into_inner())
}
