//! The AC side of an appliance: per-phase currents at the grid's
//! voltages, and the Measurement attributes that report them
//! (features/measurement.md: mW, mA, mV, mHz; + consumption, − production).

use mash_core::cbor::{Map, Value};
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::{Device, EndpointId, FeatureType};

use super::controls::PhaseCurrents;
use super::grid::Grid;
use super::io::put;

/// Currents on phases A, B, C at the voltages they were measured at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AcFlow {
    /// Phases the device is wired to (1-3).
    pub phases: usize,
    /// Signed currents, mA; unused phases are 0.
    pub currents_ma: [i64; 3],
    /// Phase-to-neutral voltages, mV.
    pub voltages_mv: [i64; 3],
}

impl AcFlow {
    /// No current on any phase.
    pub fn idle(phases: usize, voltages_mv: [i64; 3]) -> Self {
        Self {
            phases,
            currents_ma: [0; 3],
            voltages_mv,
        }
    }

    /// Power per phase, mW (mA × mV = µW).
    pub fn phase_power_mw(&self) -> [i64; 3] {
        let mut p = [0; 3];
        for (i, out) in p.iter_mut().enumerate().take(self.phases) {
            let (c, v) = (
                self.currents_ma.get(i).copied().unwrap_or(0),
                self.voltages_mv.get(i).copied().unwrap_or(0),
            );
            *out = c.saturating_mul(v) / 1000;
        }
        p
    }

    /// Total active power, mW.
    pub fn power_mw(&self) -> i64 {
        self.phase_power_mw().iter().sum()
    }
}

/// The largest equal current (mA) on phases `on` that keeps their total
/// power at or below `power_mw` and each phase at or below its cap.
/// Rounding is downward, so [`AcFlow::power_mw`] never exceeds the budget.
pub(super) fn symmetric_current(
    power_mw: i64,
    voltages_mv: [i64; 3],
    caps: PhaseCurrents,
    on: &[usize],
) -> i64 {
    let vsum: i64 = on
        .iter()
        .filter_map(|i| voltages_mv.get(*i))
        .sum::<i64>()
        .max(1);
    let by_power = power_mw.max(0).saturating_mul(1000) / vsum;
    on.iter()
        .filter_map(|i| caps.get(*i).copied().flatten())
        .fold(by_power, i64::min)
        .max(0)
}

/// Sets `current_ma` (signed) on the phases in `on`.
pub(super) fn flow_on(
    phases: usize,
    voltages_mv: [i64; 3],
    on: &[usize],
    current_ma: i64,
) -> AcFlow {
    let mut flow = AcFlow::idle(phases, voltages_mv);
    for i in on {
        if let Some(c) = flow.currents_ma.get_mut(*i) {
            *c = current_ma;
        }
    }
    flow
}

/// The per-phase cap: the tighter of `a` and `b` on each phase.
pub(super) fn tighter(a: PhaseCurrents, b: PhaseCurrents) -> PhaseCurrents {
    let mut out = [None; 3];
    for (i, slot) in out.iter_mut().enumerate() {
        let (x, y) = (a.get(i).copied().flatten(), b.get(i).copied().flatten());
        *slot = match (x, y) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
    }
    out
}

fn phase_map(values: &[i64]) -> Value {
    let m: Map = values
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, Value::int(*v)))
        .collect();
    Value::Map(m)
}

/// Writes the AC readings: total and per-phase power, currents, voltages,
/// frequency and power factor (0.001 units, negative when producing, as
/// in measurement.md's inverter example).
pub(super) fn write(device: &mut Device, ep: EndpointId, flow: &AcFlow, grid: &Grid, pf: i16) {
    const MS: FeatureType = FeatureType::Measurement;
    let n = flow.phases.min(3);
    let power = flow.power_mw();
    let per_phase = flow.phase_power_mw();
    put(device, ep, MS, ms::AC_ACTIVE_POWER, power);
    put(
        device,
        ep,
        MS,
        ms::AC_ACTIVE_POWER_PER_PHASE,
        phase_map(per_phase.get(..n).unwrap_or_default()),
    );
    put(
        device,
        ep,
        MS,
        ms::AC_CURRENT_PER_PHASE,
        phase_map(flow.currents_ma.get(..n).unwrap_or_default()),
    );
    put(
        device,
        ep,
        MS,
        ms::AC_VOLTAGE_PER_PHASE,
        phase_map(flow.voltages_mv.get(..n).unwrap_or_default()),
    );
    put(device, ep, MS, ms::AC_FREQUENCY, grid.frequency_mhz());
    let pf = if power < 0 { -pf.abs() } else { pf.abs() };
    put(
        device,
        ep,
        MS,
        ms::POWER_FACTOR,
        if power == 0 { 1000 } else { pf },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: [i64; 3] = [229_500, 230_400, 231_100];

    #[test]
    fn symmetric_current_stays_within_power_and_caps() {
        let i = symmetric_current(3_700_000, V, [None; 3], &[0, 1, 2]);
        let flow = flow_on(3, V, &[0, 1, 2], i);
        assert!(flow.power_mw() <= 3_700_000);
        assert!(flow.power_mw() > 3_700_000 - 1_000);
        assert_eq!(
            symmetric_current(11_000_000, V, [None, Some(10_000), None], &[0, 1, 2]),
            10_000
        );
        assert_eq!(symmetric_current(-5, V, [None; 3], &[0]), 0);
    }

    #[test]
    fn power_is_signed_like_the_current() {
        let flow = flow_on(3, V, &[0, 1, 2], -7_000);
        assert!(flow.power_mw() < -4_800_000);
    }

    #[test]
    fn tighter_takes_the_minimum_per_phase() {
        assert_eq!(
            tighter([Some(5), None, Some(9)], [Some(7), Some(3), None]),
            [Some(5), Some(3), Some(9)]
        );
    }
}
