//! The simulated home battery: follows the winning setpoint (COB),
//! charging for a consumption setpoint and discharging for a production
//! setpoint, clamped in each direction by the nameplate, the effective
//! limit and the per-phase current limits, and by a full or empty cell.
//!
//! Without a setpoint it holds its autonomous power (idle by default).
//! Conversion is ideal: the DC side carries the AC power. Signs follow
//! measurement.md's load convention: + charging, − discharging.

use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::{OperatingState, attr as st};
use mash_core::model::{Device, EndpointId, FeatureType};
use mash_core::time::Instant;

use super::ac::{self, AcFlow};
use super::controls::{self, Controls, Flow, PhaseCurrents, Rating};
use super::counter::Counter;
use super::grid::{Grid, NOMINAL_MV};
use super::io::{self, put};
use super::ticker::Ticker;
use super::{Appliance, SimConfig};
use crate::models::{APPLIANCE_ENDPOINT, DeviceKind};

/// Power factor of the inverter (0.001 units).
const POWER_FACTOR: i16 = 990;
/// mW·ms in one mWh.
const MW_MS_PER_MWH: i128 = 3_600_000;
/// Cell stack voltage empty and full, mV.
const DC_EMPTY_MV: i64 = 340_000;
const DC_FULL_MV: i64 = 400_000;

/// The simulated battery.
#[derive(Debug, Clone)]
pub struct Battery {
    ep: EndpointId,
    ticker: Ticker,
    grid: Grid,
    flow: AcFlow,
    autonomous_mw: i64,
    /// Stored energy, mW·ms; `None` until read from the model.
    stored: Option<i128>,
    soc_written: Option<u64>,
    ac_in: Counter,
    ac_out: Counter,
    dc_in: Counter,
    dc_out: Counter,
    /// Cell temperature, centi-°C.
    temperature: i64,
}

impl Battery {
    /// A battery on [`APPLIANCE_ENDPOINT`], idle without a setpoint.
    pub fn new(config: &SimConfig) -> Self {
        Self {
            ep: APPLIANCE_ENDPOINT,
            ticker: Ticker::new(config.interval),
            grid: Grid::new(config.seed),
            flow: AcFlow::idle(3, [NOMINAL_MV; 3]),
            autonomous_mw: 0,
            stored: None,
            soc_written: None,
            ac_in: Counter::default(),
            ac_out: Counter::default(),
            dc_in: Counter::default(),
            dc_out: Counter::default(),
            temperature: 2500,
        }
    }

    /// The power held without a setpoint, mW (+ charge, − discharge).
    pub fn with_autonomous_power(mut self, mw: i64) -> Self {
        self.autonomous_mw = mw;
        self
    }

    fn capacity(rating: &Rating) -> i128 {
        i128::from(rating.capacity_mwh) * MW_MS_PER_MWH
    }

    /// Integrates `power_mw` over `dt` into the cells, adopting a state of
    /// charge someone else wrote (a restore, a SetSoC trigger) first.
    fn integrate(&mut self, device: &Device, rating: &Rating, power_mw: i64, dt_ms: i128) {
        let cap = Self::capacity(rating);
        let soc = io::uint(
            device,
            self.ep,
            FeatureType::Measurement,
            ms::STATE_OF_CHARGE,
        );
        if self.stored.is_none() || soc != self.soc_written {
            let pct = i128::from(soc.unwrap_or(0).min(100));
            self.stored = Some(cap * pct / 100);
        }
        let stored = self.stored.unwrap_or(0) + i128::from(power_mw) * dt_ms;
        self.stored = Some(stored.clamp(0, cap));
    }

    /// The setpoint as a net power, mW (+ charge): the power setpoints, or
    /// else the per-phase current setpoints at the present voltages.
    fn setpoint(&self, controls: &Controls, rating: &Rating) -> Option<i64> {
        let voltages = self.grid.voltages_mv();
        let from_currents = |sp: PhaseCurrents| {
            let i = sp.iter().flatten().copied().min()?;
            let vsum: i64 = voltages.iter().take(rating.phases).sum();
            Some(i.max(0).saturating_mul(vsum) / 1000)
        };
        let c = controls
            .setpoint(Flow::Consumption)
            .or_else(|| from_currents(controls.phase_setpoints(Flow::Consumption)));
        let p = controls
            .setpoint(Flow::Production)
            .or_else(|| from_currents(controls.phase_setpoints(Flow::Production)));
        match (c, p) {
            (None, None) => None,
            (c, p) => Some(c.unwrap_or(0) - p.unwrap_or(0)),
        }
    }

    fn decide(&self, device: &Device, rating: &Rating) -> AcFlow {
        let voltages = self.grid.voltages_mv();
        let idle = AcFlow::idle(rating.phases, voltages);
        let controls = Controls::read(device, self.ep);
        if controls::faulted(device, self.ep) || controls.paused() {
            return idle;
        }
        let wanted = self
            .setpoint(&controls, rating)
            .unwrap_or(self.autonomous_mw);
        let stored = self.stored.unwrap_or(0);
        let (flow, nameplate, sign) = match wanted {
            w if w > 0 && stored < Self::capacity(rating) => {
                (Flow::Consumption, rating.max_consumption_mw, 1)
            }
            w if w < 0 && stored > 0 => (Flow::Production, rating.max_production_mw, -1),
            _ => return idle,
        };
        let budget = controls
            .power_cap(flow)
            .map_or(nameplate, |cap| cap.min(nameplate))
            .min(wanted.saturating_abs());
        let caps = ac::tighter([rating.max_current_ma; 3], controls.phase_caps(flow));
        let on: Vec<usize> = (0..rating.phases).collect();
        let i = ac::symmetric_current(budget, voltages, caps, &on);
        ac::flow_on(rating.phases, voltages, &on, sign * i)
    }

    fn write(&mut self, device: &mut Device, rating: &Rating) {
        const MS: FeatureType = FeatureType::Measurement;
        let ep = self.ep;
        let power = self.flow.power_mw();
        ac::write(device, ep, &self.flow, &self.grid, POWER_FACTOR);
        put(device, ep, MS, ms::AC_ENERGY_CONSUMED, self.ac_in.commit());
        put(device, ep, MS, ms::AC_ENERGY_PRODUCED, self.ac_out.commit());
        let cap = Self::capacity(rating).max(1);
        let stored = self.stored.unwrap_or(0);
        let soc = u64::try_from(stored * 100 / cap).unwrap_or(0).min(100);
        self.soc_written = Some(soc);
        let dc_mv = DC_EMPTY_MV
            + i64::try_from(i128::from(DC_FULL_MV - DC_EMPTY_MV) * stored / cap).unwrap_or(0);
        put(device, ep, MS, ms::DC_POWER, power);
        put(device, ep, MS, ms::DC_VOLTAGE, dc_mv);
        put(
            device,
            ep,
            MS,
            ms::DC_CURRENT,
            power.saturating_mul(1000) / dc_mv,
        );
        put(device, ep, MS, ms::DC_ENERGY_IN, self.dc_in.commit());
        let out = self.dc_out.commit();
        put(device, ep, MS, ms::DC_ENERGY_OUT, out);
        put(device, ep, MS, ms::STATE_OF_CHARGE, soc);
        let soe = u64::try_from(stored / MW_MS_PER_MWH).unwrap_or(0);
        put(device, ep, MS, ms::STATE_OF_ENERGY, soe);
        put(device, ep, MS, ms::USEABLE_CAPACITY, rating.capacity_mwh);
        let cycles = out / rating.capacity_mwh.unsigned_abs().max(1);
        put(device, ep, MS, ms::CYCLE_COUNT, cycles);
        let max = rating
            .max_consumption_mw
            .max(rating.max_production_mw)
            .max(1);
        let target = 2500 + 600 * power.saturating_abs() / max;
        self.temperature += (target - self.temperature) / 30;
        put(device, ep, MS, ms::TEMPERATURE, self.temperature);
        if !controls::faulted(device, ep) {
            let op = if power != 0 {
                OperatingState::Running
            } else {
                OperatingState::Standby
            };
            put(
                device,
                ep,
                FeatureType::Status,
                st::OPERATING_STATE,
                op.value(),
            );
        }
    }
}

impl Appliance for Battery {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Battery
    }

    fn tick(&mut self, device: &mut Device, now: Instant) {
        const MS: FeatureType = FeatureType::Measurement;
        let ep = self.ep;
        let rating = Rating::read(device, ep);
        let dt = self.ticker.advance(now);
        let power = self.flow.power_mw();
        self.integrate(device, &rating, power, dt.as_millis() as i128);
        let (charged, discharged) = (
            u64::try_from(power).unwrap_or(0),
            u64::try_from(-power).unwrap_or(0),
        );
        for (counter, attr, mw) in [
            (&mut self.ac_in, ms::AC_ENERGY_CONSUMED, charged),
            (&mut self.ac_out, ms::AC_ENERGY_PRODUCED, discharged),
            (&mut self.dc_in, ms::DC_ENERGY_IN, charged),
            (&mut self.dc_out, ms::DC_ENERGY_OUT, discharged),
        ] {
            counter.sync(io::uint(device, ep, MS, attr));
            counter.add(mw, dt);
        }
        self.grid.step();
        self.flow = self.decide(device, &rating);
        self.write(device, &rating);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.ticker.poll_timeout()
    }
}
