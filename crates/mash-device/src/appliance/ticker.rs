//! When an appliance ticks, and how much time passed since the last tick.

use core::time::Duration;

use mash_core::time::Instant;

/// Shortest tick interval, so a zero interval cannot spin the service.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

#[derive(Debug, Clone)]
pub(super) struct Ticker {
    interval: Duration,
    last: Option<Instant>,
}

impl Ticker {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval: interval.max(MIN_INTERVAL),
            last: None,
        }
    }

    /// Due at `Instant::ZERO` (i.e. at once) before the first tick.
    pub fn poll_timeout(&self) -> Option<Instant> {
        Some(self.last.map_or(Instant::ZERO, |t| t + self.interval))
    }

    /// Records a tick at `now`; returns the time since the previous one
    /// (zero for the first, and for a clock that went backwards).
    pub fn advance(&mut self, now: Instant) -> Duration {
        let dt = self
            .last
            .map_or(Duration::ZERO, |t| now.saturating_since(t));
        if self.last.is_none_or(|t| now >= t) {
            self.last = Some(now);
        }
        dt
    }

    /// Whether this is before the first tick.
    pub fn is_first(&self) -> bool {
        self.last.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_one_interval_after_each_tick() {
        let mut t = Ticker::new(Duration::from_secs(1));
        assert_eq!(t.poll_timeout(), Some(Instant::ZERO));
        assert_eq!(t.advance(Instant::from_millis(500)), Duration::ZERO);
        assert_eq!(t.poll_timeout(), Some(Instant::from_millis(1_500)));
        assert_eq!(
            t.advance(Instant::from_millis(1_700)),
            Duration::from_millis(1_200)
        );
        assert_eq!(t.advance(Instant::from_millis(1_000)), Duration::ZERO);
        assert_eq!(t.poll_timeout(), Some(Instant::from_millis(2_700)));
    }

    #[test]
    fn zero_interval_is_raised() {
        let mut t = Ticker::new(Duration::ZERO);
        t.advance(Instant::ZERO);
        assert_eq!(t.poll_timeout(), Some(Instant::from_millis(10)));
    }
}
