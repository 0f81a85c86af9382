//! The multi-controller scenario, on the pure EnergyControl state.

use alloc::vec;
use core::time::Duration;

use super::*;
use crate::cbor::{Map, Value};
use crate::ids::ZoneId;
use crate::interaction::Caller;
use crate::model::features::energy_control::{ControlState, LimitCause, attr as ec, cmd};
use crate::model::features::limit_source::{LIMIT_SOURCE, attr as ls};
use crate::model::features::{electrical, energy_control};
use crate::model::{Device, Endpoint, EndpointType, Feature, FeatureType};
use crate::time::Instant;
use crate::wire::StatusCode;
use crate::zone::ZoneType;

const MIN: u64 = 60_000;

struct House {
    device: Device,
    control: EnergyControl,
    grid: Caller,
    local: Caller,
}

fn caller(id: &str, ty: ZoneType) -> Caller {
    Caller {
        zone_id: id.parse::<ZoneId>().unwrap(),
        zone_type: ty,
    }
}

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

impl House {
    /// An 11 kW charger with GRID and LOCAL connected; failsafe 4.2 kW / 2 h.
    fn new() -> Self {
        let charger = Endpoint::new(1, EndpointType::EvCharger)
            .with_feature(
                Feature::new(&energy_control::ENERGY_CONTROL)
                    .with_all_attributes()
                    .with_all_commands()
                    .with_value(ec::ACCEPTS_LIMITS, true)
                    .with_value(ec::ACCEPTS_CURRENT_LIMITS, true)
                    .with_value(ec::ACCEPTS_SETPOINTS, true)
                    .with_value(ec::FAILSAFE_CONSUMPTION_LIMIT, 4_200_000i64),
            )
            .with_feature(
                Feature::new(&electrical::ELECTRICAL)
                    .with_all_attributes()
                    .with_value(electrical::attr::NOMINAL_MAX_CONSUMPTION, 22_000_000i64),
            )
            .with_feature(Feature::new(&LIMIT_SOURCE));
        let mut device = Device::new(vec![charger]);
        let mut control = EnergyControl::new(
            &device,
            Config::default(),
            WallClock {
                unix_ms_at_zero: 1_700_000_000_000,
            },
        );
        let grid = caller("1111111111111111", ZoneType::Grid);
        let local = caller("2222222222222222", ZoneType::Local);
        for c in [&grid, &local] {
            control.add_zone(&mut device, c.zone_id, c.zone_type, t(0));
            control.zone_connected(&mut device, &c.zone_id, t(0));
        }
        Self {
            device,
            control,
            grid,
            local,
        }
    }

    fn invoke(
        &mut self,
        who: Caller,
        command: u8,
        params: &[(&str, Value)],
        at: u64,
    ) -> Result<Map, StatusCode> {
        let params: Map = params.iter().map(|(k, v)| (*k, v.clone())).collect();
        self.control
            .invoke(&mut self.device, &who, 1, command, &params, t(at))
            .map_err(|f| f.status)
    }

    fn limit(
        &mut self,
        who: Caller,
        mw: i64,
        cause: LimitCause,
        duration_s: Option<u64>,
        at: u64,
    ) -> Map {
        let mut p = vec![
            ("consumptionLimit", Value::int(mw)),
            ("cause", Value::from(cause.value())),
        ];
        if let Some(d) = duration_s {
            p.push(("duration", Value::Uint(d)));
        }
        self.invoke(who, cmd::SET_LIMIT, &p, at).unwrap()
    }

    fn ec(&self, attr: u16) -> Value {
        self.device
            .get(1, FeatureType::EnergyControl, attr)
            .cloned()
            .unwrap()
    }

    fn state(&self) -> ControlState {
        ControlState::from_value(self.ec(ec::CONTROL_STATE).as_u64().unwrap() as u8)
    }

    fn source(&self, attr: u16) -> Value {
        self.device
            .get(1, FeatureType::LimitSource, attr)
            .cloned()
            .unwrap()
    }

    fn run_until(&mut self, at: u64) {
        while let Some(due) = self.control.poll_timeout().filter(|d| *d <= t(at)) {
            self.control.handle_timeout(&mut self.device, due);
        }
    }
}

#[test]
fn a_grid_emergency_limit_overrides_the_ems_and_expires_by_itself() {
    let mut h = House::new();
    let r = h.limit(h.local, 11_000_000, LimitCause::LocalOptimization, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(true)));
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(11_000_000)
    );
    assert_eq!(h.state(), ControlState::Limited);

    let r = h.limit(
        h.grid,
        3_700_000,
        LimitCause::GridEmergency,
        Some(30 * 60),
        MIN,
    );
    assert_eq!(
        r.get_text("effectiveConsumptionLimit"),
        Some(&Value::Uint(3_700_000))
    );
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(3_700_000)
    );

    // Every zone can read who set it, why and until when.
    let src = h.source(ls::CONSUMPTION_LIMIT_SOURCE);
    let src = src.as_map().unwrap();
    assert_eq!(src.get_uint(1), Some(&Value::Uint(1)), "zone type GRID");
    assert_eq!(
        src.get_uint(2),
        Some(&Value::Uint(LimitCause::GridEmergency.value().into()))
    );
    assert_eq!(src.get_uint(3), Some(&Value::Uint(1_700_000_060)));
    assert_eq!(src.get_uint(4), Some(&Value::Uint(1_700_000_060 + 1800)));
    // The EMS sees its own value next to the effective one, and is told
    // it is overridden; the grid operator is not.
    let f = h.device.feature(1, FeatureType::LimitSource).unwrap();
    assert_eq!(
        f.read(ls::MY_VALUES_OVERRIDDEN, Some(&h.local.zone_id)),
        Some(Value::Bool(true))
    );
    assert_eq!(
        f.read(ls::MY_VALUES_OVERRIDDEN, Some(&h.grid.zone_id)),
        Some(Value::Bool(false))
    );
    let ecf = h.device.feature(1, FeatureType::EnergyControl).unwrap();
    assert_eq!(
        ecf.read(ec::MY_CONSUMPTION_LIMIT, Some(&h.local.zone_id)),
        Some(Value::Uint(11_000_000))
    );
    assert_eq!(
        ecf.read(ec::MY_CONSUMPTION_LIMIT, Some(&h.grid.zone_id)),
        Some(Value::Uint(3_700_000))
    );

    // 30 minutes later the grid limit is gone by itself.
    assert_eq!(h.control.poll_timeout(), Some(t(MIN + 30 * MIN)));
    h.run_until(MIN + 30 * MIN - 1);
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(3_700_000)
    );
    h.run_until(MIN + 30 * MIN);
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(11_000_000)
    );
    let src = h.source(ls::CONSUMPTION_LIMIT_SOURCE);
    assert_eq!(
        src.as_map().unwrap().get_uint(1),
        Some(&Value::Uint(2)),
        "now from LOCAL"
    );
}

#[test]
fn losing_the_grid_keeps_failsafe_limits_in_the_stack_until_the_duration_ends() {
    let mut h = House::new();
    h.limit(h.local, 11_000_000, LimitCause::LocalOptimization, None, 0);
    h.limit(h.grid, 6_000_000, LimitCause::GridOptimization, None, 0);
    h.control
        .zone_disconnected(&mut h.device, &h.grid.zone_id, t(MIN));
    assert_eq!(h.state(), ControlState::Failsafe);
    // min(LOCAL 11 kW, failsafe 4.2 kW); the grid's own 6 kW is held back.
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(4_200_000)
    );
    let src = h.source(ls::CONSUMPTION_LIMIT_SOURCE);
    assert_eq!(src.as_map().unwrap().get_uint(5), Some(&Value::Bool(true)));
    assert_eq!(src.as_map().unwrap().get_uint(1), Some(&Value::Null));
    // LOCAL may still tighten.
    h.limit(
        h.local,
        3_000_000,
        LimitCause::LocalProtection,
        None,
        2 * MIN,
    );
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(3_000_000)
    );
    h.limit(
        h.local,
        11_000_000,
        LimitCause::LocalOptimization,
        None,
        3 * MIN,
    );
    // After failsafeDuration (default 2 h): AUTONOMOUS towards the grid,
    // LOCAL's limit alone applies.
    h.run_until(MIN + 120 * MIN);
    assert_eq!(h.state(), ControlState::Limited);
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(11_000_000)
    );
    // The grid's old value was dropped: reconnecting does not bring it back.
    h.control
        .zone_connected(&mut h.device, &h.grid.zone_id, t(200 * MIN));
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(11_000_000)
    );
}

#[test]
fn grid_reconnection_within_the_failsafe_duration_restores_its_limit() {
    let mut h = House::new();
    h.limit(h.grid, 6_000_000, LimitCause::GridOptimization, None, 0);
    h.control
        .zone_disconnected(&mut h.device, &h.grid.zone_id, t(MIN));
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(4_200_000)
    );
    h.control
        .zone_connected(&mut h.device, &h.grid.zone_id, t(60 * MIN));
    assert_eq!(h.state(), ControlState::Limited);
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(6_000_000)
    );
}

#[test]
fn losing_every_zone_applies_only_the_failsafe_limits_then_autonomous() {
    let mut h = House::new();
    h.limit(h.local, 2_000_000, LimitCause::LocalOptimization, None, 0);
    h.control
        .zone_disconnected(&mut h.device, &h.local.zone_id, t(MIN));
    h.control
        .zone_disconnected(&mut h.device, &h.grid.zone_id, t(MIN));
    assert_eq!(h.state(), ControlState::Failsafe);
    // Zone limits are superseded by the failsafe limit (failsafe-timing §2.2).
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(4_200_000)
    );
    h.run_until(MIN + 120 * MIN);
    assert_eq!(h.state(), ControlState::Autonomous);
    assert_eq!(h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
}

#[test]
fn losing_only_the_ems_clears_its_values_and_stays_controlled() {
    let mut h = House::new();
    h.limit(h.local, 5_000_000, LimitCause::LocalOptimization, None, 0);
    h.control
        .zone_disconnected(&mut h.device, &h.local.zone_id, t(MIN));
    assert_eq!(h.state(), ControlState::Controlled);
    assert_eq!(h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
    assert!(
        h.control
            .entry(1, &h.local.zone_id, Kind::ConsumptionLimit)
            .is_none()
    );
}

#[test]
fn currents_stack_per_phase_and_setpoints_follow_priority() {
    let mut h = House::new();
    let phases = |a: u64, b: u64, c: u64| {
        Value::Map([(0u64, a), (1, b), (2, c)].into_iter().collect::<Map>())
    };
    let p = |v: Value| {
        vec![
            ("phases", v),
            ("direction", Value::Uint(0)),
            ("cause", Value::Uint(0)),
        ]
    };
    h.invoke(
        h.grid,
        cmd::SET_CURRENT_LIMITS,
        &p(phases(20_000, 20_000, 20_000)),
        0,
    )
    .unwrap();
    h.invoke(
        h.local,
        cmd::SET_CURRENT_LIMITS,
        &p(phases(16_000, 10_000, 16_000)),
        0,
    )
    .unwrap();
    assert_eq!(
        h.ec(ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION),
        phases(16_000, 10_000, 16_000)
    );

    let sp = |w: u64| {
        vec![
            ("consumptionSetpoint", Value::Uint(w)),
            ("cause", Value::Uint(0)),
        ]
    };
    h.invoke(h.local, cmd::SET_SETPOINT, &sp(5_000_000), 0)
        .unwrap();
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_SETPOINT),
        Value::Uint(5_000_000)
    );
    h.invoke(h.grid, cmd::SET_SETPOINT, &sp(3_000_000), 0)
        .unwrap();
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_SETPOINT),
        Value::Uint(3_000_000)
    );
    // Removing the GRID zone re-resolves to the EMS's values.
    h.control
        .remove_zone(&mut h.device, &h.grid.zone_id.clone(), t(MIN));
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_SETPOINT),
        Value::Uint(5_000_000)
    );
    assert_eq!(
        h.ec(ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION),
        phases(16_000, 10_000, 16_000)
    );
    assert_eq!(h.source(ls::ZONE_TYPES), Value::Array(vec![Value::Uint(2)]));
}

#[test]
fn set_limit_rejections_follow_the_reference() {
    let mut h = House::new();
    let r = h.limit(h.local, -1, LimitCause::LocalProtection, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(false)));
    assert_eq!(r.get_text("rejectReason"), Some(&Value::Uint(2)));
    let over = h.invoke(
        h.local,
        cmd::SET_LIMIT,
        &[
            ("consumptionLimit", Value::Uint(30_000_000)),
            ("cause", Value::Uint(2)),
        ],
        0,
    );
    assert_eq!(over, Err(StatusCode::ConstraintError));
    h.limit(h.local, 6_000_000, LimitCause::LocalProtection, None, 0);
    assert_eq!(
        h.invoke(h.local, cmd::CLEAR_LIMIT, &[], 0)
            .unwrap()
            .get_text("success"),
        Some(&Value::Bool(true))
    );
    assert_eq!(h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
    assert_eq!(h.state(), ControlState::Controlled);
    // OVERRIDE refuses new limits.
    h.control.set_override(
        &mut h.device,
        1,
        energy_control::OverrideReason::Safety,
        crate::model::features::shared::Direction::Consumption,
        t(0),
    );
    let r = h.limit(h.local, 6_000_000, LimitCause::LocalProtection, None, 0);
    assert_eq!(r.get_text("rejectReason"), Some(&Value::Uint(3)));
    assert_eq!(r.get_text("controlState"), Some(&Value::Uint(4)));
}

#[test]
fn test_zone_limits_are_stored_but_ignored() {
    let mut h = House::new();
    let test = caller("3333333333333333", ZoneType::Test);
    h.limit(test, 1_000, LimitCause::UserPreference, None, 0);
    assert_eq!(h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
    assert!(
        h.control
            .entry(1, &test.zone_id, Kind::ConsumptionLimit)
            .is_some()
    );
}

#[test]
fn failsafe_attributes_need_accepts_limits() {
    let mut h = House::new();
    h.device
        .set(1, FeatureType::EnergyControl, ec::ACCEPTS_LIMITS, false)
        .unwrap();
    let r = h.control.write(
        &mut h.device,
        &h.local,
        1,
        ec::FAILSAFE_CONSUMPTION_LIMIT,
        Value::Uint(1),
        t(0),
    );
    assert_eq!(r.map_err(|f| f.status), Err(StatusCode::Unsupported));
}

#[test]
fn a_zone_that_never_connects_counts_as_lost_after_the_grace_period() {
    let mut h = House::new();
    let late = caller("4444444444444444", ZoneType::Grid);
    h.control
        .remove_zone(&mut h.device, &h.grid.zone_id.clone(), t(0));
    h.control
        .add_zone(&mut h.device, late.zone_id, ZoneType::Grid, t(0));
    assert_eq!(h.state(), ControlState::Controlled);
    h.run_until(Duration::from_secs(120).as_millis() as u64);
    assert_eq!(h.state(), ControlState::Failsafe);
}

#[test]
fn a_timed_limit_keeps_its_deadline_across_a_reconnection() {
    let mut h = House::new();
    h.limit(
        h.grid,
        3_700_000,
        LimitCause::GridEmergency,
        Some(30 * 60),
        0,
    );
    h.control
        .zone_disconnected(&mut h.device, &h.grid.zone_id, t(MIN));
    h.control
        .zone_connected(&mut h.device, &h.grid.zone_id, t(2 * MIN));
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(3_700_000)
    );
    let src = h.source(ls::CONSUMPTION_LIMIT_SOURCE);
    assert_eq!(
        src.as_map().unwrap().get_uint(4),
        Some(&Value::Uint(1_700_000_000 + 1800)),
        "until is unchanged"
    );
    h.run_until(30 * MIN);
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Null,
        "it still ends on time"
    );
}

#[test]
fn a_limit_above_the_contract_is_rejected_with_its_reason() {
    let mut h = House::new();
    h.device
        .set(
            1,
            FeatureType::EnergyControl,
            ec::CONTRACTUAL_CONSUMPTION_MAX,
            10_000_000i64,
        )
        .unwrap();
    let r = h.limit(h.local, 10_500_000, LimitCause::LocalOptimization, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(false)));
    assert_eq!(
        r.get_text("rejectReason"),
        Some(&Value::Uint(1)),
        "ABOVE_CONTRACTUAL"
    );
    assert_eq!(h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
    let r = h.limit(h.local, 9_000_000, LimitCause::LocalOptimization, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(true)));
}

#[test]
fn a_timed_pause_resumes_by_itself() {
    // duration-semantics.md TC-DUR-007: Pause(duration) ends as if Resume
    // had been called.
    let mut h = House::new();
    h.device
        .set(1, FeatureType::EnergyControl, ec::IS_PAUSABLE, true)
        .unwrap();
    let process = |h: &House| h.ec(ec::PROCESS_STATE);
    h.invoke(h.local, cmd::PAUSE, &[("duration", Value::Uint(10))], 0)
        .unwrap();
    assert_eq!(process(&h), Value::Uint(4), "PAUSED");
    assert!(h.control.is_paused(1));
    h.run_until(9_999);
    assert_eq!(process(&h), Value::Uint(4), "still PAUSED");
    h.run_until(10_000);
    assert!(!h.control.is_paused(1));
    assert_eq!(process(&h), Value::Uint(3), "RUNNING again");
}

#[test]
fn opted_out_zones_are_refused_and_ignored() {
    // energycontrol-feature.md §6.2, TC-CTRL-008.
    let mut h = House::new();
    h.limit(h.local, 6_000_000, LimitCause::LocalOptimization, None, 0);
    assert_eq!(h.state(), ControlState::Limited);
    h.control
        .write(
            &mut h.device,
            &h.local,
            1,
            ec::OPT_OUT_STATE,
            Value::Uint(1),
            t(0),
        )
        .unwrap();
    // LOCAL opted out: its limit no longer applies, GRID still controls.
    assert_eq!(h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
    assert_eq!(h.state(), ControlState::Controlled);
    let r = h.limit(h.local, 5_000_000, LimitCause::LocalOptimization, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(false)));
    assert_eq!(r.get_text("rejectReason"), Some(&Value::Uint(3)));
    let sp = h.invoke(
        h.local,
        cmd::SET_SETPOINT,
        &[
            ("consumptionSetpoint", Value::Uint(1)),
            ("cause", Value::Uint(1)),
        ],
        0,
    );
    assert_eq!(sp, Err(StatusCode::NotAuthorized));
    assert!(h.invoke(h.local, cmd::CLEAR_LIMIT, &[], 0).is_ok());
    let r = h.limit(h.grid, 7_000_000, LimitCause::GridOptimization, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(true)));
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(7_000_000)
    );
    // ALL: nobody controls the device any more.
    h.device
        .set(1, FeatureType::EnergyControl, ec::OPT_OUT_STATE, 3u8)
        .unwrap();
    h.control.apply(&mut h.device, t(0));
    assert_eq!(h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT), Value::Null);
    assert_eq!(h.state(), ControlState::Autonomous);
    let r = h.limit(h.grid, 7_000_000, LimitCause::GridOptimization, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(false)));
    // Back to NONE: the GRID limit, never cleared, applies again.
    h.device
        .set(1, FeatureType::EnergyControl, ec::OPT_OUT_STATE, 0u8)
        .unwrap();
    h.control.apply(&mut h.device, t(0));
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_LIMIT),
        Value::Uint(7_000_000)
    );
}

#[test]
fn explicit_null_phases_clear_only_those_phases() {
    // multi-zone-resolution.md §4.3.
    let mut h = House::new();
    let limits = |m: Map| {
        vec![
            ("phases", Value::Map(m)),
            ("direction", Value::Uint(0)),
            ("cause", Value::Uint(2)),
        ]
    };
    let all: Map = [(0u64, 16_000u64), (1, 16_000), (2, 16_000)]
        .into_iter()
        .collect();
    h.invoke(h.local, cmd::SET_CURRENT_LIMITS, &limits(all), 0)
        .unwrap();
    let mut clear_ab = Map::new();
    clear_ab.insert(0u64, Value::Null);
    clear_ab.insert(1u64, Value::Null);
    h.invoke(h.local, cmd::SET_CURRENT_LIMITS, &limits(clear_ab), 0)
        .unwrap();
    let c_only: Map = [(2u64, 16_000u64)].into_iter().collect();
    assert_eq!(
        h.ec(ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION),
        Value::Map(c_only)
    );
    // A value for one phase changes that phase only.
    let a: Map = [(0u64, 10_000u64)].into_iter().collect();
    h.invoke(h.local, cmd::SET_CURRENT_LIMITS, &limits(a), 0)
        .unwrap();
    let both: Map = [(0u64, 10_000u64), (2, 16_000)].into_iter().collect();
    assert_eq!(
        h.ec(ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION),
        Value::Map(both)
    );
}

#[test]
fn an_override_set_by_a_test_trigger_refuses_limits() {
    // INTEROP.md A.2: the ControlState trigger writes controlState only;
    // SetLimit then answers as in OVERRIDE (§8: rejectReason 3, state 4).
    let mut h = House::new();
    h.device
        .set(1, FeatureType::EnergyControl, ec::CONTROL_STATE, 4u8)
        .unwrap();
    let r = h.limit(h.local, 6_000_000, LimitCause::LocalProtection, None, 0);
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(false)));
    assert_eq!(r.get_text("rejectReason"), Some(&Value::Uint(3)));
    assert_eq!(r.get_text("controlState"), Some(&Value::Uint(4)));
    assert_eq!(h.state(), ControlState::Override);
}

#[test]
fn between_equal_priorities_the_newest_setpoint_wins() {
    // multi-zone-resolution.md §3.3 (two LOCAL zones, e.g. with
    // --allow-same-zone-type).
    let mut h = House::new();
    let other = caller("5555555555555555", ZoneType::Local);
    h.control
        .add_zone(&mut h.device, other.zone_id, ZoneType::Local, t(0));
    h.control
        .zone_connected(&mut h.device, &other.zone_id, t(0));
    let sp = |w: u64| {
        vec![
            ("consumptionSetpoint", Value::Uint(w)),
            ("cause", Value::Uint(1)),
        ]
    };
    h.invoke(h.local, cmd::SET_SETPOINT, &sp(5_000_000), 100)
        .unwrap();
    h.invoke(other, cmd::SET_SETPOINT, &sp(3_000_000), 200)
        .unwrap();
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_SETPOINT),
        Value::Uint(3_000_000)
    );
    h.invoke(h.local, cmd::SET_SETPOINT, &sp(4_000_000), 300)
        .unwrap();
    assert_eq!(
        h.ec(ec::EFFECTIVE_CONSUMPTION_SETPOINT),
        Value::Uint(4_000_000)
    );
}
