//! The commissioning window (security.md §4.1, DEC-048, INTEROP.md §5.5).

use core::time::Duration;

use mash_core::time::Instant;

/// Default window length (15 min).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Shortest window a user or controller may ask for (3 min).
pub const MIN_WINDOW: Duration = Duration::from_secs(3 * 60);
/// Longest window a user or controller may ask for (3 h).
pub const MAX_WINDOW: Duration = Duration::from_secs(3 * 60 * 60);
/// Bounds for the conformance hook setCommissioningWindowDuration
/// (3 s - 10800 s, INTEROP.md Appendix A.1).
pub const TEST_WINDOW_RANGE: (Duration, Duration) =
    (Duration::from_secs(3), Duration::from_secs(10_800));

/// Whether, and until when, the device accepts commissioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    duration: Duration,
    open_until: Option<Instant>,
}

impl Window {
    /// A closed window that opens for `duration` (clamped to 3 min - 3 h).
    pub fn new(duration: Duration) -> Self {
        Self {
            duration: duration.clamp(MIN_WINDOW, MAX_WINDOW),
            open_until: None,
        }
    }

    /// The configured length.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// Changes the length used by the next opening; an open window's timer
    /// restarts from `now` (Appendix A.1). No clamping: callers bound it.
    pub fn set_duration(&mut self, duration: Duration, now: Instant) {
        self.duration = duration;
        if self.open_until.is_some() {
            self.open_until = Some(now + duration);
        }
    }

    /// Opens (or re-opens, restarting the timer) at `now`.
    pub fn open(&mut self, now: Instant) {
        self.open_until = Some(now + self.duration);
    }

    /// Closes; true if it was open.
    pub fn close(&mut self) -> bool {
        self.open_until.take().is_some()
    }

    /// Whether it is open.
    pub fn is_open(&self) -> bool {
        self.open_until.is_some()
    }

    /// When it closes by itself.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.open_until
    }

    /// Closes at the deadline; true if it closed now.
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        if self.open_until.is_some_and(|t| t <= now) {
            self.open_until = None;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_for_its_duration_and_reopening_restarts_the_timer() {
        let mut w = Window::new(DEFAULT_WINDOW);
        assert!(!w.is_open());
        w.open(Instant::ZERO);
        assert_eq!(w.poll_timeout(), Some(Instant::ZERO + DEFAULT_WINDOW));
        w.open(Instant::from_millis(60_000));
        assert!(!w.handle_timeout(Instant::ZERO + DEFAULT_WINDOW));
        assert!(w.handle_timeout(Instant::from_millis(60_000) + DEFAULT_WINDOW));
        assert!(!w.is_open());
    }

    #[test]
    fn configured_length_is_bounded_to_three_minutes_and_three_hours() {
        assert_eq!(Window::new(Duration::from_secs(1)).duration(), MIN_WINDOW);
        assert_eq!(
            Window::new(Duration::from_secs(86_400)).duration(),
            MAX_WINDOW
        );
    }
}
