//! Simulated appliances: an EV charger, a heat pump and a battery that
//! obey what the data model tells them and report plausible measurements.
//!
//! Each [`Appliance`] works on the appliance endpoint of a model built by
//! [`crate::models::build`]. On every [`Appliance::tick`] it:
//!
//! 1. integrates the power it drew since the previous tick into its energy
//!    counters (and the EV's or battery's stored energy);
//! 2. reads the resolved EnergyControl state from the model — the
//!    `effective*` limits and setpoints that `mash_core::energy::EnergyControl`
//!    wrote, `controlState` (FAILSAFE applies the failsafe limits, OVERRIDE
//!    frees the device from controller values) and `processState` (PAUSED
//!    stops a pausable process) — plus the Electrical nameplate;
//! 3. picks its new operating point and writes Measurement, Status and,
//!    for the EVSE, ChargingSession. Every write goes through
//!    `Device::set`, so subscribers hear about it.
//!
//! A faulted appliance (Status FAULT) stands still until someone clears
//! the fault. Values written into the model by others (a restored state, a
//! TestControl trigger setting the SoC or unplugging the EV) are adopted.
//!
//! The simulation is deterministic: time comes in as [`Instant`]s, noise
//! from a PRNG seeded by [`SimConfig::seed`]. Call [`Appliance::tick`] at
//! [`Appliance::poll_timeout`]; calling it earlier (say right after a
//! setLimit, so the device reacts at once) is fine, the elapsed time is
//! integrated either way.
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod ac;
mod battery;
mod controls;
mod counter;
mod ev;
mod evse;
mod grid;
mod heat_pump;
mod io;
mod rng;
mod ticker;

use core::time::Duration;

use mash_core::energy::WallClock;
use mash_core::model::Device;
use mash_core::time::Instant;

use crate::models::DeviceKind;

pub use battery::Battery;
pub use evse::{EvProfile, Evse};
pub use heat_pump::{HeatDemand, HeatPump};

/// A simulated appliance driving the measurements of its endpoint.
pub trait Appliance: Send {
    /// Which appliance this is.
    fn kind(&self) -> DeviceKind;

    /// Advances the simulation to `now`: integrates energy since the last
    /// tick, applies the model's current limits, setpoints and states, and
    /// writes new measurements.
    fn tick(&mut self, device: &mut Device, now: Instant);

    /// When the next tick is due (at once before the first).
    fn poll_timeout(&self) -> Option<Instant>;
}

/// Settings shared by every simulated appliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimConfig {
    /// Time between ticks.
    pub interval: Duration,
    /// Maps [`Instant`]s to Unix time for ChargingSession timestamps.
    pub wall_clock: WallClock,
    /// Seed of the measurement noise.
    pub seed: u64,
}

impl Default for SimConfig {
    /// One tick per second, Unix time 0 at `Instant::ZERO`, seed 1.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            wall_clock: WallClock::default(),
            seed: 1,
        }
    }
}

/// The default simulation of `kind`, for the endpoint of
/// [`crate::models::APPLIANCE_ENDPOINT`].
pub fn appliance(kind: DeviceKind, config: &SimConfig) -> Box<dyn Appliance> {
    match kind {
        DeviceKind::Evse => Box::new(Evse::new(config)),
        DeviceKind::HeatPump => Box::new(HeatPump::new(config)),
        DeviceKind::Battery => Box::new(Battery::new(config)),
    }
}

#[cfg(test)]
mod tests;
