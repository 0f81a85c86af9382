//! A small seeded PRNG for measurement noise: SplitMix64 (Steele, Lea,
//! Flood 2014). Deterministic, so a simulated house replays exactly.

/// SplitMix64 state.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `-amplitude..=amplitude` (the modulo bias is irrelevant
    /// for noise).
    pub fn wobble(&mut self, amplitude: i64) -> i64 {
        let span = amplitude.unsigned_abs().saturating_mul(2).saturating_add(1);
        let r = self.next_u64() % span;
        i64::try_from(r).unwrap_or(0) - amplitude.abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn wobble_stays_within_amplitude_and_uses_it() {
        let mut r = Rng::new(42);
        let values: Vec<i64> = (0..2000).map(|_| r.wobble(5)).collect();
        assert!(values.iter().all(|v| (-5..=5).contains(v)));
        assert!(values.contains(&-5) && values.contains(&5));
        assert_eq!(Rng::new(3).wobble(0), 0);
    }
}
