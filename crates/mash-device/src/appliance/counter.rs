//! Energy counters that integrate power over time without rounding drift.

use core::time::Duration;

/// mW·ms in one mWh.
const MW_MS_PER_MWH: u128 = 3_600_000;

/// A cumulative energy attribute (mWh).
///
/// Energy is kept in mW·ms, so 1 s ticks at a few watts still add up.
/// [`Counter::sync`] adopts a value someone else wrote into the model (a
/// restored state, a test trigger) before the next integration.
#[derive(Debug, Clone, Default)]
pub(super) struct Counter {
    acc: u128,
    written: Option<u64>,
}

impl Counter {
    /// Adopts the model's value if it is not the one last written here.
    pub fn sync(&mut self, model: Option<u64>) {
        if model != self.written {
            self.acc = u128::from(model.unwrap_or(0)) * MW_MS_PER_MWH;
            self.written = model;
        }
    }

    /// Adds `mw` held for `dt`.
    pub fn add(&mut self, mw: u64, dt: Duration) {
        self.acc = self
            .acc
            .saturating_add(u128::from(mw).saturating_mul(dt.as_millis()));
    }

    /// Restarts from zero.
    pub fn reset(&mut self) {
        self.acc = 0;
    }

    /// The value in mWh, remembered as written.
    pub fn commit(&mut self) -> u64 {
        let v = u64::try_from(self.acc / MW_MS_PER_MWH).unwrap_or(u64::MAX);
        self.written = Some(v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_small_powers_exactly() {
        let mut c = Counter::default();
        // 3.6 W for 3600 ticks of 1 s = 3.6 Wh.
        for _ in 0..3600 {
            c.add(3_600, Duration::from_secs(1));
        }
        assert_eq!(c.commit(), 3_600);
    }

    #[test]
    fn adopts_foreign_writes_only() {
        let mut c = Counter::default();
        c.sync(Some(1_000));
        c.add(3_600_000, Duration::from_secs(1));
        assert_eq!(c.commit(), 2_000);
        c.sync(Some(2_000));
        assert_eq!(c.commit(), 2_000);
        c.sync(Some(0));
        assert_eq!(c.commit(), 0);
    }
}
