//! Time as the controller sees it.
//!
//! Two clocks, kept apart on purpose:
//!
//! - **protocol timing** (request timeouts, back-off, commissioning steps,
//!   renewal checks) runs on `tokio::time`, so a whole installation can
//!   run under `tokio::time::pause()`. [`Monotonic`] converts tokio
//!   instants to the [`mash_core::time::Instant`]s the sans-I/O state
//!   machines take;
//! - **wall-clock time** is needed only for certificate validity and for
//!   "30 min left" texts, and comes from a [`Clock`] injected at the edge:
//!   [`SystemClock`] in production, [`TokioClock`] (Unix time that follows
//!   tokio's clock) or [`ManualClock`] in simulations and tests.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use mash_pki::UnixTime;

/// Wall-clock time, for certificate validity and remaining-time texts.
pub trait Clock: Send + Sync + 'static {
    /// The current Unix time.
    fn now(&self) -> UnixTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::system_now()
    }
}

/// Unix time that advances with `tokio::time`: `origin` at the moment of
/// creation, plus the tokio time elapsed since. Deterministic under
/// `tokio::time::pause()`.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: UnixTime,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock reading `origin` now.
    pub fn new(origin: UnixTime) -> Self {
        Self {
            origin,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> UnixTime {
        self.origin.saturating_add(self.start.elapsed())
    }
}

/// A clock that moves only when told to. Clones share the time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock reading `now`.
    pub fn new(now: UnixTime) -> Self {
        Self(Arc::new(AtomicI64::new(now.secs())))
    }

    /// Sets the time.
    pub fn set(&self, now: UnixTime) {
        self.0.store(now.secs(), Ordering::Relaxed);
    }

    /// Moves the time forward by `d`.
    pub fn advance(&self, d: Duration) {
        let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        self.0.fetch_add(secs, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.0.load(Ordering::Relaxed))
    }
}

/// Converts between `tokio::time::Instant` and the millisecond
/// [`mash_core::time::Instant`] of the sans-I/O core, whose origin is the
/// moment this value was made.
#[derive(Clone, Copy)]
pub(crate) struct Monotonic {
    start: tokio::time::Instant,
}

impl Monotonic {
    pub(crate) fn new() -> Self {
        Self {
            start: tokio::time::Instant::now(),
        }
    }

    /// Now, for the core.
    pub(crate) fn now(self) -> mash_core::time::Instant {
        self.to_core(tokio::time::Instant::now())
    }

    pub(crate) fn to_core(self, t: tokio::time::Instant) -> mash_core::time::Instant {
        let ms = t.saturating_duration_since(self.start).as_millis();
        mash_core::time::Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// The tokio instant of a core deadline.
    pub(crate) fn to_tokio(self, t: mash_core::time::Instant) -> tokio::time::Instant {
        self.start + Duration::from_millis(t.as_millis())
    }
}

impl fmt::Debug for Monotonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monotonic").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_and_monotonic_follow_paused_time() {
        let clock = TokioClock::new(UnixTime::from_secs(1_000));
        let mono = Monotonic::new();
        tokio::time::advance(Duration::from_millis(2_500)).await;
        assert_eq!(clock.now(), UnixTime::from_secs(1_002));
        assert_eq!(mono.now().as_millis(), 2_500);
        let back = mono.to_tokio(mono.now());
        assert_eq!(mono.to_core(back), mono.now());
    }

    #[test]
    fn manual_clock_moves_when_told() {
        let c = ManualClock::new(UnixTime::from_secs(10));
        let shared = c.clone();
        c.advance(Duration::from_secs(5));
        assert_eq!(shared.now(), UnixTime::from_secs(15));
        c.set(UnixTime::from_secs(1));
        assert_eq!(shared.now(), UnixTime::from_secs(1));
    }
}
