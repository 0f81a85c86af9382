//! The simulated EV behind the wallbox and what ChargingSession reports
//! about it (features/charging-session.md).

use core::time::Duration;

use mash_core::cbor::Value;
use mash_core::model::features::charging_session::{EVDemandMode, attr as cs};
use mash_core::model::{Device, EndpointId, FeatureType};

use super::io::put;

/// mW·ms in one mWh.
const MW_MS_PER_MWH: u128 = 3_600_000;

/// The EVs that arrive at the simulated wallbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvProfile {
    /// Battery capacity, mWh.
    pub capacity_mwh: u64,
    /// State of charge on arrival, %.
    pub arrival_soc: u8,
    /// `evMinStateOfCharge`: charged as soon as possible up to this, %.
    pub min_soc: u8,
    /// `evTargetStateOfCharge`: the session completes here, %.
    pub target_soc: u8,
    /// The most the EV's on-board charger takes, mW.
    pub max_power_mw: i64,
    /// Whether an EV is plugged in when the simulation starts.
    pub plugged_at_start: bool,
    /// How long after plug-in the EV leaves (`evDepartureTime`).
    pub stay: Duration,
}

impl Default for EvProfile {
    /// A 60 kWh car arriving at 20 %, wanting 80 % within 8 h, able to take
    /// 11 kW on three phases.
    fn default() -> Self {
        Self {
            capacity_mwh: 60_000_000,
            arrival_soc: 20,
            min_soc: 30,
            target_soc: 80,
            max_power_mw: 11_000_000,
            plugged_at_start: true,
            stay: Duration::from_secs(8 * 3600),
        }
    }
}

/// A plugged-in EV.
#[derive(Debug, Clone)]
pub(super) struct Ev {
    profile: EvProfile,
    /// Stored energy, mW·ms.
    stored: u128,
    departure_unix: u64,
}

impl Ev {
    pub fn arrive(profile: EvProfile, plugged_at_unix: u64) -> Self {
        let soc = u128::from(profile.arrival_soc.min(100));
        Self {
            profile,
            stored: u128::from(profile.capacity_mwh) * MW_MS_PER_MWH * soc / 100,
            departure_unix: plugged_at_unix.saturating_add(profile.stay.as_secs()),
        }
    }

    fn capacity(&self) -> u128 {
        u128::from(self.profile.capacity_mwh) * MW_MS_PER_MWH
    }

    /// Takes `mw` for `dt`, up to full.
    pub fn charge(&mut self, mw: u64, dt: Duration) {
        let added = u128::from(mw).saturating_mul(dt.as_millis());
        self.stored = self.stored.saturating_add(added).min(self.capacity());
    }

    /// State of charge, % (rounded down).
    pub fn soc(&self) -> u8 {
        let cap = self.capacity().max(1);
        u8::try_from(self.stored * 100 / cap).unwrap_or(100)
    }

    /// Whether the target state of charge is reached.
    pub fn satisfied(&self) -> bool {
        self.soc() >= self.profile.target_soc
    }

    pub fn max_power_mw(&self) -> i64 {
        self.profile.max_power_mw
    }

    /// Energy from now to `soc_pct`, mWh; negative when above it
    /// (charging-session.md "Energy Request Semantics").
    fn request_mwh(&self, soc_pct: u8) -> i64 {
        let goal = self.capacity() * u128::from(soc_pct.min(100)) / 100;
        let to_mwh = |v: u128| i64::try_from(v / MW_MS_PER_MWH).unwrap_or(i64::MAX);
        if goal >= self.stored {
            to_mwh(goal - self.stored)
        } else {
            -to_mwh(self.stored - goal)
        }
    }

    /// Writes the EV block: SoC, capacity, demand and time estimates at
    /// `power_mw`.
    pub fn write(&self, device: &mut Device, ep: EndpointId, power_mw: i64) {
        const CS: FeatureType = FeatureType::ChargingSession;
        let p = &self.profile;
        let (to_min, to_target, to_full) = (
            self.request_mwh(p.min_soc),
            self.request_mwh(p.target_soc),
            self.request_mwh(100),
        );
        put(device, ep, CS, cs::EV_STATE_OF_CHARGE, self.soc());
        put(device, ep, CS, cs::EV_BATTERY_CAPACITY, p.capacity_mwh);
        put(device, ep, CS, cs::EV_MIN_STATE_OF_CHARGE, p.min_soc);
        put(device, ep, CS, cs::EV_TARGET_STATE_OF_CHARGE, p.target_soc);
        put(
            device,
            ep,
            CS,
            cs::EV_DEMAND_MODE,
            EVDemandMode::SingleDemand.value(),
        );
        put(device, ep, CS, cs::EV_MIN_ENERGY_REQUEST, to_min);
        put(device, ep, CS, cs::EV_TARGET_ENERGY_REQUEST, to_target);
        put(device, ep, CS, cs::EV_MAX_ENERGY_REQUEST, to_full);
        put(device, ep, CS, cs::EV_DEPARTURE_TIME, self.departure_unix);
        put(
            device,
            ep,
            CS,
            cs::ESTIMATED_TIME_TO_MIN_SOC,
            eta(to_min, power_mw),
        );
        put(
            device,
            ep,
            CS,
            cs::ESTIMATED_TIME_TO_TARGET_SOC,
            eta(to_target, power_mw),
        );
        put(
            device,
            ep,
            CS,
            cs::ESTIMATED_TIME_TO_FULL_SOC,
            eta(to_full, power_mw),
        );
    }
}

/// Seconds to take `mwh` at `power_mw`: 0 when nothing is left, null when
/// not charging.
fn eta(mwh: i64, power_mw: i64) -> Value {
    if mwh <= 0 {
        return Value::Uint(0);
    }
    if power_mw <= 0 {
        return Value::Null;
    }
    let secs = mwh.saturating_mul(3600) / power_mw;
    Value::from(u32::try_from(secs).unwrap_or(u32::MAX))
}

/// Clears the EV block once the EV has left.
pub(super) fn clear(device: &mut Device, ep: EndpointId) {
    const CS: FeatureType = FeatureType::ChargingSession;
    for attr in [
        cs::EV_STATE_OF_CHARGE,
        cs::EV_BATTERY_CAPACITY,
        cs::EV_MIN_STATE_OF_CHARGE,
        cs::EV_TARGET_STATE_OF_CHARGE,
        cs::EV_MIN_ENERGY_REQUEST,
        cs::EV_MAX_ENERGY_REQUEST,
        cs::EV_TARGET_ENERGY_REQUEST,
        cs::EV_DEPARTURE_TIME,
        cs::ESTIMATED_TIME_TO_MIN_SOC,
        cs::ESTIMATED_TIME_TO_TARGET_SOC,
        cs::ESTIMATED_TIME_TO_FULL_SOC,
    ] {
        put(device, ep, CS, attr, Value::Null);
    }
    put(
        device,
        ep,
        CS,
        cs::EV_DEMAND_MODE,
        EVDemandMode::None.value(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soc_rises_with_energy_and_stops_at_full() {
        let mut ev = Ev::arrive(EvProfile::default(), 0);
        assert_eq!(ev.soc(), 20);
        // 6 kWh into 60 kWh: +10 %.
        ev.charge(6_000_000, Duration::from_secs(3600));
        assert_eq!(ev.soc(), 30);
        ev.charge(60_000_000, Duration::from_secs(3600));
        assert_eq!(ev.soc(), 100);
        assert!(ev.satisfied());
    }

    #[test]
    fn requests_are_signed_deltas() {
        let ev = Ev::arrive(
            EvProfile {
                arrival_soc: 60,
                capacity_mwh: 80_000_000,
                ..EvProfile::default()
            },
            0,
        );
        // charging-session.md example: 60 % of 80 kWh.
        assert_eq!(ev.request_mwh(40), -16_000_000);
        assert_eq!(ev.request_mwh(80), 16_000_000);
        assert_eq!(ev.request_mwh(100), 32_000_000);
    }

    #[test]
    fn eta_in_seconds() {
        assert_eq!(eta(11_000_000, 11_000_000), Value::Uint(3600));
        assert_eq!(eta(-5, 1), Value::Uint(0));
        assert_eq!(eta(5, 0), Value::Null);
    }
}
