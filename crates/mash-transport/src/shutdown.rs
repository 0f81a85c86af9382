//! Signals that end connections from outside: the listener's graceful
//! shutdown (mini-redis style broadcast + drain) and the per-connection
//! kill switch the stale-connection reaper pulls (DEC-064).

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

/// Observes a [`DeviceListener`](crate::DeviceListener)'s shutdown.
///
/// Every accepted connection carries one. Keep it alive for as long as the
/// connection runs: [`DeviceListener::drain`](crate::DeviceListener::drain)
/// waits until every clone has been dropped, so shutdown completes only
/// after the last connection has finished. A [`Connection`](crate::Connection)
/// given one closes gracefully when shutdown starts.
#[derive(Debug, Clone)]
pub struct ShutdownSignal {
    rx: watch::Receiver<bool>,
    _drain: mpsc::Sender<()>,
}

impl ShutdownSignal {
    pub(crate) fn new(rx: watch::Receiver<bool>, drain: mpsc::Sender<()>) -> Self {
        Self { rx, _drain: drain }
    }

    /// Whether shutdown has started.
    pub fn is_shutdown(&self) -> bool {
        *self.rx.borrow()
    }

    /// Resolves once shutdown has started (immediately if it already has).
    /// Cancel-safe.
    pub async fn recv(&mut self) {
        // An error means the listener is gone, which is a shutdown too.
        let _ = self.rx.wait_for(|down| *down).await;
    }
}

/// A one-way switch that aborts one pre-operational connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct KillSwitch(Arc<watch::Sender<bool>>);

impl KillSwitch {
    pub(crate) fn fire(&self) {
        self.0.send_replace(true);
    }

    pub(crate) fn is_fired(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the switch has been fired. Cancel-safe.
    pub(crate) async fn fired(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close here.
        let _ = rx.wait_for(|fired| *fired).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn kill_switch_wakes_waiters_fired_before_or_after() {
        let k = KillSwitch::default();
        let waiter = tokio::spawn({
            let k = k.clone();
            async move { k.fired().await }
        });
        tokio::task::yield_now().await;
        k.fire();
        waiter.await.unwrap();
        assert!(k.is_fired());
        k.fired().await;
    }

    #[tokio::test]
    async fn shutdown_signal_resolves_after_broadcast() {
        let (tx, rx) = watch::channel(false);
        let (drain_tx, mut drain_rx) = mpsc::channel(1);
        let mut s = ShutdownSignal::new(rx, drain_tx);
        assert!(!s.is_shutdown());
        tx.send_replace(true);
        s.recv().await;
        assert!(s.is_shutdown());
        drop(s);
        assert!(drain_rx.recv().await.is_none());
    }
}
