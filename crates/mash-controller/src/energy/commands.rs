//! Typed EnergyControl commands (features/energy-control.md, INTEROP.md
//! §7): parameters and results are text-keyed maps on the wire
//! (INTEROP.md §6.5).

use std::time::Duration;

use mash_core::cbor::{Map, Value};
use mash_core::model::features::energy_control::{
    ControlState, LimitCause, LimitRejectReason, SetpointCause, cmd,
};
use mash_core::model::features::shared::{Direction, Phase};
use mash_core::model::{EndpointId, FeatureType};

use crate::error::Error;
use crate::handle::{DeviceHandle, result_flag};

/// setLimit (command 1): this zone's power limits, in mW.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLimit {
    /// Consumption limit (`consumptionLimit`).
    pub consumption: Option<i64>,
    /// Production (feed-in) limit (`productionLimit`).
    pub production: Option<i64>,
    /// How long it holds (`duration`, whole seconds, rounded up); `None`
    /// or zero: until cleared.
    pub duration: Option<Duration>,
    /// Why (`cause`, required).
    pub cause: LimitCause,
}

impl SetLimit {
    /// A consumption limit of `mw` for `cause`, until cleared.
    pub fn consumption(mw: i64, cause: LimitCause) -> Self {
        Self {
            consumption: Some(mw),
            production: None,
            duration: None,
            cause,
        }
    }

    /// A production limit of `mw` for `cause`, until cleared.
    pub fn production(mw: i64, cause: LimitCause) -> Self {
        Self {
            consumption: None,
            production: Some(mw),
            duration: None,
            cause,
        }
    }

    /// The same limit, ending after `d`.
    pub fn for_duration(mut self, d: Duration) -> Self {
        self.duration = Some(d);
        self
    }

    pub(crate) fn params(&self) -> Map {
        let mut p = Map::new();
        p.insert("cause", self.cause.value());
        if let Some(c) = self.consumption {
            p.insert("consumptionLimit", c);
        }
        if let Some(v) = self.production {
            p.insert("productionLimit", v);
        }
        insert_duration(&mut p, self.duration);
        p
    }
}

/// The setLimit result (INTEROP.md §7 "Command results").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLimitResult {
    /// Whether this zone's limit was stored (also when another zone's
    /// lower limit wins).
    pub applied: bool,
    /// The control state after the command.
    pub control_state: ControlState,
    /// The effective consumption limit after the command.
    pub effective_consumption: Option<i64>,
    /// The effective production limit after the command.
    pub effective_production: Option<i64>,
    /// Why it was not applied.
    pub reject_reason: Option<LimitRejectReason>,
}

impl SetLimitResult {
    pub(crate) fn from_map(m: &Map) -> Result<Self, Error> {
        let applied = result_flag(m, "applied")
            .ok_or_else(|| Error::InvalidResponse("setLimit result without applied".into()))?;
        let uint8 = |name: &str| {
            m.get_text(name)
                .and_then(Value::as_u64)
                .and_then(|v| u8::try_from(v).ok())
        };
        let int = |name: &str| m.get_text(name).and_then(Value::as_i64);
        Ok(Self {
            applied,
            control_state: ControlState::from_value(uint8("controlState").unwrap_or(0)),
            effective_consumption: int("effectiveConsumptionLimit"),
            effective_production: int("effectiveProductionLimit"),
            reject_reason: uint8("rejectReason").map(LimitRejectReason::from_value),
        })
    }
}

/// setSetpoint (command 5): this zone's power setpoints, in mW.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSetpoint {
    /// `consumptionSetpoint`.
    pub consumption: Option<i64>,
    /// `productionSetpoint`.
    pub production: Option<i64>,
    /// `duration` (whole seconds, rounded up); `None`: until cleared.
    pub duration: Option<Duration>,
    /// `cause` (required).
    pub cause: SetpointCause,
}

impl SetSetpoint {
    fn params(&self) -> Map {
        let mut p = Map::new();
        p.insert("cause", self.cause.value());
        if let Some(c) = self.consumption {
            p.insert("consumptionSetpoint", c);
        }
        if let Some(v) = self.production {
            p.insert("productionSetpoint", v);
        }
        insert_duration(&mut p, self.duration);
        p
    }
}

/// setCurrentLimits (command 3): per-phase current limits, in mA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCurrentLimits {
    /// `phases`: Phase → mA (sent with the Phase values as integer keys;
    /// the reference device treats per-phase commands as unimplemented,
    /// INTEROP.md §7).
    pub phases: Vec<(Phase, i64)>,
    /// `direction`.
    pub direction: Direction,
    /// `duration`; `None`: until cleared.
    pub duration: Option<Duration>,
    /// `cause`.
    pub cause: LimitCause,
}

impl SetCurrentLimits {
    fn params(&self) -> Map {
        let phases: Map = self
            .phases
            .iter()
            .map(|(phase, ma)| (u64::from(phase.value()), Value::int(*ma)))
            .collect();
        let mut p = Map::new();
        p.insert("phases", phases);
        p.insert("direction", self.direction.value());
        p.insert("cause", self.cause.value());
        insert_duration(&mut p, self.duration);
        p
    }
}

/// `duration` in whole seconds, rounded up; omitted when absent or zero
/// (zero means "no expiry" to the device).
fn insert_duration(p: &mut Map, d: Option<Duration>) {
    if let Some(d) = d.filter(|d| !d.is_zero()) {
        let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        p.insert("duration", u32::try_from(secs).unwrap_or(u32::MAX));
    }
}

fn direction_params(direction: Option<Direction>) -> Map {
    let mut p = Map::new();
    if let Some(d) = direction {
        p.insert("direction", d.value());
    }
    p
}

/// `{"success": bool}`, the result of every command but setLimit.
fn success(m: &Map) -> Result<bool, Error> {
    result_flag(m, "success")
        .ok_or_else(|| Error::InvalidResponse("command result without success".into()))
}

/// Typed EnergyControl commands.
impl DeviceHandle {
    /// setLimit: sets this zone's limits (INTEROP.md §8: the effective
    /// limit is the minimum over the zones).
    pub async fn set_limit(
        &self,
        ep: EndpointId,
        limit: SetLimit,
    ) -> Result<SetLimitResult, Error> {
        let result = self
            .invoke(
                ep,
                FeatureType::EnergyControl,
                cmd::SET_LIMIT,
                limit.params(),
            )
            .await?;
        SetLimitResult::from_map(&result)
    }

    /// clearLimit: removes this zone's limits, in one direction or both.
    /// Returns the device's `success`.
    pub async fn clear_limit(
        &self,
        ep: EndpointId,
        direction: Option<Direction>,
    ) -> Result<bool, Error> {
        let params = direction_params(direction);
        success(
            &self
                .invoke(ep, FeatureType::EnergyControl, cmd::CLEAR_LIMIT, params)
                .await?,
        )
    }

    /// setCurrentLimits: per-phase current limits.
    pub async fn set_current_limits(
        &self,
        ep: EndpointId,
        limits: &SetCurrentLimits,
    ) -> Result<bool, Error> {
        let params = limits.params();
        success(
            &self
                .invoke(
                    ep,
                    FeatureType::EnergyControl,
                    cmd::SET_CURRENT_LIMITS,
                    params,
                )
                .await?,
        )
    }

    /// setSetpoint: this zone's power setpoints.
    pub async fn set_setpoint(&self, ep: EndpointId, setpoint: SetSetpoint) -> Result<bool, Error> {
        let params = setpoint.params();
        success(
            &self
                .invoke(ep, FeatureType::EnergyControl, cmd::SET_SETPOINT, params)
                .await?,
        )
    }

    /// clearSetpoint: removes this zone's setpoints.
    pub async fn clear_setpoint(
        &self,
        ep: EndpointId,
        direction: Option<Direction>,
    ) -> Result<bool, Error> {
        let params = direction_params(direction);
        success(
            &self
                .invoke(ep, FeatureType::EnergyControl, cmd::CLEAR_SETPOINT, params)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_limit_params_are_text_keyed_and_round_duration_up() {
        let p = SetLimit::consumption(3_700_000, LimitCause::GridEmergency)
            .for_duration(Duration::from_millis(1_800_001))
            .params();
        assert_eq!(
            p.get_text("consumptionLimit"),
            Some(&Value::Uint(3_700_000))
        );
        assert_eq!(p.get_text("cause"), Some(&Value::Uint(0)));
        assert_eq!(p.get_text("duration"), Some(&Value::Uint(1_801)));
        assert_eq!(p.get_text("productionLimit"), None);
        let p = SetLimit::production(5, LimitCause::LocalOptimization)
            .for_duration(Duration::ZERO)
            .params();
        assert_eq!(p.get_text("duration"), None);
    }

    #[test]
    fn set_limit_results_map_from_text_keys() {
        let mut m = Map::new();
        m.insert("applied", true);
        m.insert("controlState", 2u8);
        m.insert("effectiveConsumptionLimit", 3_700_000i64);
        let r = SetLimitResult::from_map(&m).unwrap();
        assert!(r.applied);
        assert_eq!(r.control_state, ControlState::Limited);
        assert_eq!(r.effective_consumption, Some(3_700_000));
        assert_eq!((r.effective_production, r.reject_reason), (None, None));
        let mut m = Map::new();
        m.insert("applied", false);
        m.insert("controlState", 4u8);
        m.insert("rejectReason", 3u8);
        let r = SetLimitResult::from_map(&m).unwrap();
        assert_eq!(r.reject_reason, Some(LimitRejectReason::DeviceOverride));
        assert!(SetLimitResult::from_map(&Map::new()).is_err());
    }

    #[test]
    fn current_limits_send_phase_keys() {
        let p = SetCurrentLimits {
            phases: vec![(Phase::A, 16_000), (Phase::C, 10_000)],
            direction: Direction::Consumption,
            duration: None,
            cause: LimitCause::LocalProtection,
        }
        .params();
        let phases = p.get_text("phases").unwrap().as_map().unwrap();
        assert_eq!(phases.get_uint(0), Some(&Value::Uint(16_000)));
        assert_eq!(phases.get_uint(2), Some(&Value::Uint(10_000)));
        assert_eq!(p.get_text("direction"), Some(&Value::Uint(0)));
    }
}
