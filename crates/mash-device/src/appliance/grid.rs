//! The grid as the appliance's meter sees it: phase voltages around
//! 230 V and a frequency around 50 Hz, each a bounded random walk
//! (units of features/measurement.md: mV, mHz).

use super::rng::Rng;

/// Nominal phase-to-neutral voltage, mV.
pub const NOMINAL_MV: i64 = 230_000;
/// Nominal frequency, mHz.
pub const NOMINAL_MHZ: i64 = 50_000;
/// Largest deviation of a phase voltage from nominal, mV (±0.9 %).
pub const VOLTAGE_SPREAD_MV: i64 = 2_000;
/// Largest deviation of the frequency from nominal, mHz.
pub const FREQUENCY_SPREAD_MHZ: i64 = 50;

/// Voltages of phases A, B, C and the frequency.
#[derive(Debug, Clone)]
pub(super) struct Grid {
    rng: Rng,
    voltages_mv: [i64; 3],
    frequency_mhz: i64,
}

impl Grid {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed),
            voltages_mv: [NOMINAL_MV; 3],
            frequency_mhz: NOMINAL_MHZ,
        }
    }

    /// Moves every value one small step.
    pub fn step(&mut self) {
        for v in &mut self.voltages_mv {
            *v = (*v + self.rng.wobble(300)).clamp(
                NOMINAL_MV - VOLTAGE_SPREAD_MV,
                NOMINAL_MV + VOLTAGE_SPREAD_MV,
            );
        }
        self.frequency_mhz = (self.frequency_mhz + self.rng.wobble(8)).clamp(
            NOMINAL_MHZ - FREQUENCY_SPREAD_MHZ,
            NOMINAL_MHZ + FREQUENCY_SPREAD_MHZ,
        );
    }

    pub fn voltages_mv(&self) -> [i64; 3] {
        self.voltages_mv
    }

    pub fn frequency_mhz(&self) -> i64 {
        self.frequency_mhz
    }

    /// The generator, for the appliance's own noise.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_in_their_band() {
        let mut g = Grid::new(9);
        for _ in 0..10_000 {
            g.step();
            for v in g.voltages_mv() {
                assert!(
                    (NOMINAL_MV - VOLTAGE_SPREAD_MV..=NOMINAL_MV + VOLTAGE_SPREAD_MV).contains(&v)
                );
            }
            let f = g.frequency_mhz();
            assert!(
                (NOMINAL_MHZ - FREQUENCY_SPREAD_MHZ..=NOMINAL_MHZ + FREQUENCY_SPREAD_MHZ)
                    .contains(&f)
            );
        }
    }
}
