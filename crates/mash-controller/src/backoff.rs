//! The reconnection schedule: exponential back-off with optional,
//! deterministic jitter.

use std::time::Duration;

/// How a lost operational connection is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// First delay after a failure (1 s).
    pub initial: Duration,
    /// Longest delay (60 s).
    pub max: Duration,
    /// Each delay is shortened by a pseudo-random amount of up to this
    /// many percent (0-100), so devices lost together do not reconnect in
    /// lockstep. The sequence is seeded from the device ID: the same
    /// device always gets the same schedule, also under simulation.
    pub jitter_percent: u8,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            jitter_percent: 10,
        }
    }
}

/// The state of one device's schedule.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: ReconnectPolicy,
    next: Duration,
    seed: u64,
}

impl Backoff {
    pub(crate) fn new(policy: ReconnectPolicy, seed: u64) -> Self {
        Self {
            policy,
            next: policy.initial,
            seed: splitmix64(seed),
        }
    }

    /// The delay before the next attempt; doubles the one after.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let base = self.next.min(self.policy.max);
        self.next = base.saturating_mul(2).min(self.policy.max);
        let percent = u64::from(self.policy.jitter_percent.min(100));
        if percent == 0 {
            return base;
        }
        let cut = self.random() % (percent + 1);
        let millis = base.as_millis();
        let cut = millis * u128::from(cut) / 100;
        Duration::from_millis(u64::try_from(millis - cut).unwrap_or(u64::MAX))
    }

    /// A connection came up: start over.
    pub(crate) fn reset(&mut self) {
        self.next = self.policy.initial;
    }

    /// xorshift64: enough to spread reconnects, and reproducible.
    fn random(&mut self) -> u64 {
        let mut x = self.seed;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed = x;
        x
    }
}

/// Spreads a seed over all bits; never 0, which xorshift cannot leave.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(b: &mut Backoff, n: usize) -> Vec<u64> {
        (0..n).map(|_| b.next_delay().as_secs()).collect()
    }

    #[test]
    fn doubles_from_one_second_to_sixty() {
        let policy = ReconnectPolicy {
            jitter_percent: 0,
            ..ReconnectPolicy::default()
        };
        let mut b = Backoff::new(policy, 7);
        assert_eq!(secs(&mut b, 9), [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        b.reset();
        assert_eq!(secs(&mut b, 2), [1, 2]);
    }

    #[test]
    fn jitter_shortens_within_bounds_and_is_reproducible() {
        let policy = ReconnectPolicy::default();
        let run = |seed| {
            let mut b = Backoff::new(policy, seed);
            (0..20).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        let mut plain = Backoff::new(
            ReconnectPolicy {
                jitter_percent: 0,
                ..policy
            },
            0,
        );
        for d in a {
            let base = plain.next_delay();
            assert!(d <= base && d >= base * 9 / 10, "{d:?} vs {base:?}");
        }
    }

    #[test]
    fn tiny_policies_for_tests_work() {
        let mut b = Backoff::new(
            ReconnectPolicy {
                initial: Duration::from_millis(10),
                max: Duration::from_millis(25),
                jitter_percent: 0,
            },
            1,
        );
        let ms: Vec<u128> = (0..4).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(ms, [10, 20, 25, 25]);
    }
}
