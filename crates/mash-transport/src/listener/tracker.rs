//! Pre-operational connection tracking: the transport cap (DEC-062) and
//! the stale-connection reaper (DEC-064).
//!
//! A connection is registered at TCP accept and counts until the service
//! marks it operational or drops it. Check and insert happen under one
//! lock, so the cap has no TOCTOU window (connection-cap.md §2.3).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use tracing::warn;

use crate::shutdown::KillSwitch;

#[derive(Debug)]
struct Entry {
    remote: SocketAddr,
    accepted: Instant,
    kill: KillSwitch,
}

/// The set of pre-operational connections.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    entries: HashMap<u64, Entry>,
}

impl Tracker {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the map consistent, so a panic
        // elsewhere cannot have poisoned it halfway.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new connection unless `cap` are already pre-operational.
    pub(crate) fn try_register(
        self: &Arc<Self>,
        cap: usize,
        remote: SocketAddr,
    ) -> Option<PreOperationalGuard> {
        let mut inner = self.lock();
        if inner.entries.len() >= cap {
            return None;
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let kill = KillSwitch::default();
        inner.entries.insert(
            id,
            Entry {
                remote,
                accepted: Instant::now(),
                kill: kill.clone(),
            },
        );
        Some(PreOperationalGuard {
            tracker: Some(self.clone()),
            id,
            kill,
        })
    }

    /// Number of pre-operational connections.
    pub(crate) fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Fires the kill switch of every connection older than `max_age`;
    /// returns how many were newly aborted. They keep counting until their
    /// owner drops them.
    pub(crate) fn reap(&self, max_age: Duration) -> usize {
        let now = Instant::now();
        let inner = self.lock();
        let mut reaped = 0;
        for e in inner.entries.values() {
            let age = now.saturating_duration_since(e.accepted);
            if age >= max_age && !e.kill.is_fired() {
                warn!(remote = %e.remote, age_ms = age.as_millis() as u64,
                    reason = "stale pre-operational connection (DEC-064)", "closing connection");
                e.kill.fire();
                reaped += 1;
            }
        }
        reaped
    }

    /// Aborts every pre-operational connection (shutdown, ResetTestState).
    pub(crate) fn abort_all(&self) -> usize {
        let inner = self.lock();
        let mut aborted = 0;
        for e in inner.entries.values().filter(|e| !e.kill.is_fired()) {
            e.kill.fire();
            aborted += 1;
        }
        aborted
    }

    fn remove(&self, id: u64) {
        self.lock().entries.remove(&id);
    }
}

/// A pre-operational connection's place under the transport cap.
///
/// Dropping it, or calling [`mark_operational`](Self::mark_operational),
/// frees the place (transport.md §5.4: "Connections MUST be deregistered
/// from the tracker before entering the operational message loop").
#[derive(Debug)]
pub struct PreOperationalGuard {
    tracker: Option<Arc<Tracker>>,
    id: u64,
    kill: KillSwitch,
}

impl PreOperationalGuard {
    /// The connection has entered the operational message loop: it no
    /// longer counts against the cap and the reaper ignores it. Idempotent.
    pub fn mark_operational(&mut self) {
        if let Some(t) = self.tracker.take() {
            t.remove(self.id);
        }
    }

    /// Whether [`mark_operational`](Self::mark_operational) was called.
    pub fn is_operational(&self) -> bool {
        self.tracker.is_none()
    }

    /// Whether the reaper or a shutdown aborted this connection.
    pub fn is_aborted(&self) -> bool {
        self.kill.is_fired()
    }

    /// Resolves once the reaper or a shutdown aborts this connection.
    /// Reads and writes on the connection's stream already fail with
    /// [`Error::Aborted`](crate::Error::Aborted); this is for services that
    /// wait on something else. Cancel-safe.
    pub async fn aborted(&self) {
        self.kill.fired().await;
    }

    pub(crate) fn kill_switch(&self) -> KillSwitch {
        self.kill.clone()
    }
}

impl Drop for PreOperationalGuard {
    fn drop(&mut self) {
        self.mark_operational();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        "127.0.0.1:1".parse().unwrap()
    }

    #[tokio::test]
    async fn cap_counts_until_drop_or_operational() {
        let t = Arc::new(Tracker::default());
        let mut a = t.try_register(2, addr()).unwrap();
        let b = t.try_register(2, addr()).unwrap();
        assert!(t.try_register(2, addr()).is_none());
        a.mark_operational();
        a.mark_operational();
        assert!(a.is_operational());
        let c = t.try_register(2, addr()).unwrap();
        assert_eq!(t.len(), 2);
        drop(b);
        drop(c);
        assert_eq!(t.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn reaper_fires_only_old_connections_once() {
        let t = Arc::new(Tracker::default());
        let old = t.try_register(3, addr()).unwrap();
        tokio::time::advance(Duration::from_secs(60)).await;
        let young = t.try_register(3, addr()).unwrap();
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(t.reap(Duration::from_secs(90)), 1);
        assert!(old.is_aborted() && !young.is_aborted());
        assert_eq!(t.reap(Duration::from_secs(90)), 0);
        // Still counted until its owner lets go.
        assert_eq!(t.len(), 2);
        drop(old);
        assert_eq!(t.len(), 1);
        assert_eq!(t.abort_all(), 1);
        young.aborted().await;
    }
}
