//! The simulated heat pump: a compressor that modulates between its
//! minimum power (nominalMinPower) and the nameplate to meet a heat
//! demand, within the effective consumption limit.
//!
//! Below the minimum speed a compressor cannot run, so a limit under
//! nominalMinPower (a 0 W limit in particular) switches it off. Pause
//! (processState PAUSED, DEC-075) stops it until Resume. The process
//! lifecycle it reports: RUNNING while the compressor runs, AVAILABLE
//! while there is demand it may not serve, NONE without demand.

use core::time::Duration;

use mash_core::model::features::energy_control::{ProcessState, attr as ec};
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::{OperatingState, attr as st};
use mash_core::model::{Device, EndpointId, FeatureType};
use mash_core::time::Instant;

use super::ac::{self, AcFlow};
use super::controls::{self, Controls, Flow, Rating};
use super::counter::Counter;
use super::grid::{Grid, NOMINAL_MV};
use super::io::{self, put};
use super::ticker::Ticker;
use super::{Appliance, SimConfig};
use crate::models::{APPLIANCE_ENDPOINT, DeviceKind};

/// Power factor of the inverter-driven compressor (0.001 units).
const POWER_FACTOR: i16 = 970;
/// Period of the default demand profile.
const DEMAND_PERIOD: Duration = Duration::from_secs(2 * 3600);

/// The heat the building asks for, as electrical power.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeatDemand {
    /// A deterministic profile: a two-hour triangle wave between 20 % and
    /// 95 % of the nameplate with ±2 % noise, so the compressor modulates
    /// and, at low demand, cycles off.
    Profile,
    /// A constant demand, mW.
    Constant(i64),
}

/// The simulated heat pump.
#[derive(Debug, Clone)]
pub struct HeatPump {
    ep: EndpointId,
    ticker: Ticker,
    grid: Grid,
    demand: HeatDemand,
    flow: AcFlow,
    meter: Counter,
    /// Flow temperature, centi-°C.
    temperature: i64,
}

impl HeatPump {
    /// A heat pump on [`APPLIANCE_ENDPOINT`] following [`HeatDemand::Profile`].
    pub fn new(config: &SimConfig) -> Self {
        Self {
            ep: APPLIANCE_ENDPOINT,
            ticker: Ticker::new(config.interval),
            grid: Grid::new(config.seed),
            demand: HeatDemand::Profile,
            flow: AcFlow::idle(1, [NOMINAL_MV; 3]),
            meter: Counter::default(),
            temperature: 3000,
        }
    }

    /// Uses `demand` instead of the default profile.
    pub fn with_demand(mut self, demand: HeatDemand) -> Self {
        self.demand = demand;
        self
    }

    fn demand_mw(&mut self, now: Instant, max_mw: i64) -> i64 {
        match self.demand {
            HeatDemand::Constant(mw) => mw.max(0),
            HeatDemand::Profile => {
                let period = DEMAND_PERIOD.as_millis() as u64;
                let phase = (now.as_millis() % period) as i64 * 2000 / period as i64;
                // Triangle 0..=1000 ‰ and back over one period.
                let tri = 1000 - (phase - 1000).abs();
                let permille = 200 + tri * 750 / 1000 + self.grid.rng().wobble(20);
                max_mw.saturating_mul(permille) / 1000
            }
        }
    }

    /// The operating point and the process state to report (`None`: leave
    /// processState as it is).
    fn decide(&mut self, device: &Device, now: Instant) -> (AcFlow, Option<ProcessState>) {
        let rating = Rating::read(device, self.ep);
        let voltages = self.grid.voltages_mv();
        let idle = AcFlow::idle(rating.phases, voltages);
        let controls = Controls::read(device, self.ep);
        let held = controls.paused() || controls.process_state == Some(ProcessState::Aborted);
        if controls::faulted(device, self.ep) || held {
            return (idle, None);
        }
        let demand = self.demand_mw(now, rating.max_consumption_mw);
        let min = rating.min_power_mw.max(1);
        if demand < min {
            return (idle, Some(ProcessState::None));
        }
        let budget = controls
            .power_target(Flow::Consumption)
            .map_or(demand, |cap| cap.min(demand))
            .min(rating.max_consumption_mw);
        let caps = ac::tighter(
            [rating.max_current_ma; 3],
            controls.phase_caps(Flow::Consumption),
        );
        let on: Vec<usize> = (0..rating.phases).collect();
        let i = ac::symmetric_current(budget, voltages, caps, &on);
        let flow = ac::flow_on(rating.phases, voltages, &on, i);
        if flow.power_mw() < min {
            // Limited below the lowest compressor speed: off, waiting.
            return (idle, Some(ProcessState::Available));
        }
        (flow, Some(ProcessState::Running))
    }

    fn write(&mut self, device: &mut Device, process: Option<ProcessState>, max_mw: i64) {
        const MS: FeatureType = FeatureType::Measurement;
        let ep = self.ep;
        let power = self.flow.power_mw();
        ac::write(device, ep, &self.flow, &self.grid, POWER_FACTOR);
        let consumed = self.meter.commit();
        put(device, ep, MS, ms::AC_ENERGY_CONSUMED, consumed);
        // The flow temperature follows the compressor with some inertia.
        let target = 2800 + 1700 * power / max_mw.max(1);
        self.temperature += (target - self.temperature) / 20;
        put(
            device,
            ep,
            MS,
            ms::TEMPERATURE,
            self.temperature.clamp(-5000, 9000),
        );
        if let Some(p) = process {
            put(
                device,
                ep,
                FeatureType::EnergyControl,
                ec::PROCESS_STATE,
                p.value(),
            );
        }
        if !controls::faulted(device, ep) {
            let op = match process {
                None if Controls::read(device, ep).paused() => OperatingState::Paused,
                _ if power > 0 => OperatingState::Running,
                _ => OperatingState::Standby,
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

impl Appliance for HeatPump {
    fn kind(&self) -> DeviceKind {
        DeviceKind::HeatPump
    }

    fn tick(&mut self, device: &mut Device, now: Instant) {
        let dt = self.ticker.advance(now);
        let drawn = u64::try_from(self.flow.power_mw()).unwrap_or(0);
        self.meter.sync(io::uint(
            device,
            self.ep,
            FeatureType::Measurement,
            ms::AC_ENERGY_CONSUMED,
        ));
        self.meter.add(drawn, dt);
        self.grid.step();
        let (flow, process) = self.decide(device, now);
        self.flow = flow;
        let max = Rating::read(device, self.ep).max_consumption_mw;
        self.write(device, process, max);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.ticker.poll_timeout()
    }
}
