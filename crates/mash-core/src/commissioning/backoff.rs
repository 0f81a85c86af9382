//! PASE attempt back-off (DEC-047; INTEROP.md §5.3, security.md §11.2).

use core::time::Duration;

/// The delay applied after a PASERequest and before PASEResponse, from the
/// number of **previous** failures in the current commissioning window:
///
/// | previous failures | delay |
/// |---|---|
/// | 0–2 | 0 |
/// | 3–5 | 1 s |
/// | 6–9 | 3 s |
/// | ≥ 10 | 10 s |
///
/// So the 4th attempt waits 1 s, the 7th 3 s and the 11th 10 s.
pub const fn pase_backoff(previous_failures: u32) -> Duration {
    Duration::from_millis(match previous_failures {
        0..=2 => 0,
        3..=5 => 1_000,
        6..=9 => 3_000,
        _ => 10_000,
    })
}

/// Failed PASE attempts in the current window. Reset when a window opens
/// or closes and on success.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttemptTracker {
    failures: u32,
}

impl AttemptTracker {
    /// Counts one failed attempt.
    pub fn record_failure(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    /// Forgets all failures.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Failures so far.
    pub const fn failures(&self) -> u32 {
        self.failures
    }

    /// The back-off for the next attempt.
    pub const fn delay(&self) -> Duration {
        pase_backoff(self.failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_dec_047() {
        let secs = |n| pase_backoff(n).as_millis();
        assert_eq!([secs(0), secs(1), secs(2)], [0, 0, 0]);
        assert_eq!([secs(3), secs(4), secs(5)], [1000, 1000, 1000]);
        assert_eq!(
            [secs(6), secs(7), secs(8), secs(9)],
            [3000, 3000, 3000, 3000]
        );
        assert_eq!(
            [secs(10), secs(11), secs(u32::MAX)],
            [10_000, 10_000, 10_000]
        );
    }

    #[test]
    fn tracker_counts_and_resets() {
        let mut t = AttemptTracker::default();
        for _ in 0..3 {
            t.record_failure();
        }
        assert_eq!(t.delay(), Duration::from_secs(1));
        t.reset();
        assert_eq!((t.failures(), t.delay()), (0, Duration::ZERO));
    }
}
