//! The simulated wallbox: charges the plugged-in EV as fast as the EV,
//! the nameplate, the effective limits and setpoints allow.
//!
//! The charging current is the same on every phase (EVs charge
//! symmetrically), between minCurrentPerPhase and maxCurrentPerPhase.
//! When the budget is below the three-phase minimum (3 × 6 A ≈ 4.1 kW) the
//! wallbox switches to phase A alone, as wallboxes built for §14a EnWG do,
//! so a 3.7 kW grid limit still charges at ~3.7 kW; below one phase's
//! minimum (≈ 1.4 kW) it waits.
//!
//! ChargingSession follows the plug: NOT_PLUGGED_IN, PLUGGED_IN_DEMAND
//! while waiting for power, PLUGGED_IN_CHARGING while current flows,
//! SESSION_COMPLETE at the EV's target SoC. NO_DEMAND (set by a test
//! trigger) holds the EV without charging.

use mash_core::cbor::Value;
use mash_core::energy::WallClock;
use mash_core::model::features::charging_session::{ChargingState, attr as cs};
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::{OperatingState, attr as st};
use mash_core::model::{Device, EndpointId, FeatureType};
use mash_core::time::Instant;

use super::ac::{self, AcFlow};
use super::controls::{self, Controls, Flow, Rating};
use super::counter::Counter;
use super::ev::{self, Ev};
use super::grid::{Grid, NOMINAL_MV};
use super::io::{self, put};
use super::ticker::Ticker;
use super::{Appliance, SimConfig};
use crate::models::{APPLIANCE_ENDPOINT, DeviceKind};

pub use super::ev::EvProfile;

/// Power factor while charging (0.001 units).
const POWER_FACTOR: i16 = 995;

/// The simulated EV charger.
#[derive(Debug, Clone)]
pub struct Evse {
    ep: EndpointId,
    ticker: Ticker,
    grid: Grid,
    clock: WallClock,
    profile: EvProfile,
    ev: Option<Ev>,
    flow: AcFlow,
    meter: Counter,
    session: Counter,
}

impl Evse {
    /// A wallbox on [`APPLIANCE_ENDPOINT`] with the default EV.
    pub fn new(config: &SimConfig) -> Self {
        Self {
            ep: APPLIANCE_ENDPOINT,
            ticker: Ticker::new(config.interval),
            grid: Grid::new(config.seed),
            clock: config.wall_clock,
            profile: EvProfile::default(),
            ev: None,
            flow: AcFlow::idle(3, [NOMINAL_MV; 3]),
            meter: Counter::default(),
            session: Counter::default(),
        }
    }

    /// Uses `profile` for every EV that arrives.
    pub fn with_ev(mut self, profile: EvProfile) -> Self {
        self.profile = profile;
        self
    }

    /// The EV's state of charge, if one is plugged in.
    pub fn ev_soc(&self) -> Option<u8> {
        self.ev.as_ref().map(Ev::soc)
    }

    fn state(device: &Device, ep: EndpointId) -> ChargingState {
        io::uint(device, ep, FeatureType::ChargingSession, cs::STATE)
            .and_then(|v| u8::try_from(v).ok())
            .map_or(ChargingState::NotPluggedIn, ChargingState::from_value)
    }

    /// Follows the plug: the simulation's own EV at the first tick, and
    /// EVs that arrive or leave by a write to `state` (a test trigger).
    fn follow_plug(&mut self, device: &mut Device, now: Instant, first: bool) -> ChargingState {
        const CS: FeatureType = FeatureType::ChargingSession;
        let ep = self.ep;
        let mut state = Self::state(device, ep);
        if first && self.profile.plugged_at_start && state == ChargingState::NotPluggedIn {
            let unix = self.clock.unix_secs(now);
            put(device, ep, CS, cs::SESSION_START_TIME, unix);
            put(device, ep, CS, cs::SESSION_END_TIME, Value::Null);
            state = ChargingState::PluggedInDemand;
        }
        let plugged = state != ChargingState::NotPluggedIn;
        match (plugged, self.ev.is_some()) {
            (true, false) => {
                let start = io::uint(device, ep, CS, cs::SESSION_START_TIME)
                    .unwrap_or_else(|| self.clock.unix_secs(now));
                self.ev = Some(Ev::arrive(self.profile, start));
                self.session.reset();
                put(device, ep, CS, cs::SESSION_START_TIME, start);
            }
            (false, true) => {
                self.ev = None;
                ev::clear(device, ep);
            }
            _ => {}
        }
        state
    }

    /// The operating point for `state`.
    fn decide(&self, device: &Device, state: ChargingState) -> (AcFlow, ChargingState) {
        let rating = Rating::read(device, self.ep);
        let voltages = self.grid.voltages_mv();
        let idle = AcFlow::idle(rating.phases, voltages);
        let Some(ev) = &self.ev else {
            return (idle, state);
        };
        if controls::faulted(device, self.ep)
            || !matches!(
                state,
                ChargingState::PluggedInDemand | ChargingState::PluggedInCharging
            )
        {
            return (idle, state);
        }
        if ev.satisfied() {
            return (idle, ChargingState::SessionComplete);
        }
        let controls = Controls::read(device, self.ep);
        if controls.paused() {
            return (idle, ChargingState::PluggedInDemand);
        }
        let budget = [
            Some(ev.max_power_mw()),
            Some(rating.max_consumption_mw).filter(|m| *m > 0),
            controls.power_target(Flow::Consumption),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0);
        let caps = ac::tighter(
            ac::tighter(
                [rating.max_current_ma; 3],
                controls.phase_caps(Flow::Consumption),
            ),
            controls.phase_setpoints(Flow::Consumption),
        );
        let min = rating.min_current_ma.max(1);
        let all: Vec<usize> = (0..rating.phases).collect();
        let mut choices = vec![all.as_slice()];
        if rating.phases > 1 {
            choices.push(&[0]);
        }
        for on in choices {
            let i = ac::symmetric_current(budget, voltages, caps, on);
            if i >= min {
                let flow = ac::flow_on(rating.phases, voltages, on, i);
                return (flow, ChargingState::PluggedInCharging);
            }
        }
        (idle, ChargingState::PluggedInDemand)
    }

    fn write(&mut self, device: &mut Device, state: ChargingState) {
        const CS: FeatureType = FeatureType::ChargingSession;
        let ep = self.ep;
        let power = self.flow.power_mw();
        ac::write(device, ep, &self.flow, &self.grid, POWER_FACTOR);
        let consumed = self.meter.commit();
        put(
            device,
            ep,
            FeatureType::Measurement,
            ms::AC_ENERGY_CONSUMED,
            consumed,
        );
        put(device, ep, CS, cs::STATE, state.value());
        let charged = self.session.commit();
        put(device, ep, CS, cs::SESSION_ENERGY_CHARGED, charged);
        if let Some(ev) = &self.ev {
            ev.write(device, ep, power);
        }
        if !controls::faulted(device, ep) {
            let op = if power > 0 {
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

impl Appliance for Evse {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Evse
    }

    fn tick(&mut self, device: &mut Device, now: Instant) {
        let ep = self.ep;
        let first = self.ticker.is_first();
        let dt = self.ticker.advance(now);
        // What flowed since the last tick.
        let drawn = u64::try_from(self.flow.power_mw()).unwrap_or(0);
        self.meter.sync(io::uint(
            device,
            ep,
            FeatureType::Measurement,
            ms::AC_ENERGY_CONSUMED,
        ));
        self.session.sync(io::uint(
            device,
            ep,
            FeatureType::ChargingSession,
            cs::SESSION_ENERGY_CHARGED,
        ));
        self.meter.add(drawn, dt);
        self.session.add(drawn, dt);
        if let Some(ev) = &mut self.ev {
            ev.charge(drawn, dt);
        }
        self.grid.step();
        let state = self.follow_plug(device, now, first);
        let (flow, state) = self.decide(device, state);
        self.flow = flow;
        self.write(device, state);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.ticker.poll_timeout()
    }
}
