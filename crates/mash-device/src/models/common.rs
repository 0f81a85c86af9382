//! Building blocks shared by the appliance endpoints: Status, Electrical
//! from a nameplate, EnergyControl from a capability set, LimitSource.

use mash_core::cbor::{Map, Value};
use mash_core::model::Feature;
use mash_core::model::features::energy_control::{
    self, ControlState, DeviceType, ProcessState, attr as ec, cmd,
};
use mash_core::model::features::shared::{AsymmetricSupport, Direction};
use mash_core::model::features::status::{self, OperatingState, attr as st};
use mash_core::model::features::{electrical, limit_source};
use mash_core::model::{AttributeId, CommandId};

use super::feature_map;

/// Status (features/status.md), idle: STANDBY with no fault.
pub(super) fn status() -> Feature {
    Feature::new(&status::STATUS)
        .with_all_attributes()
        .with_feature_map(feature_map::CORE)
        .with_value(st::OPERATING_STATE, OperatingState::Standby.value())
}

/// LimitSource (mash-rs extension 0x80); its values come from
/// `mash_core::energy::EnergyControl`.
pub(super) fn limit_source() -> Feature {
    Feature::new(&limit_source::LIMIT_SOURCE)
        .with_all_attributes()
        .with_feature_map(feature_map::CORE)
}

/// `phaseMapping` for the standard rotation: device phase A→L1, B→L2,
/// C→L3 for the first `phases` phases (features/electrical.md "Phase
/// Mapping Examples").
pub(super) fn phase_mapping(phases: u8) -> Map {
    (0..phases.min(3)).map(|p| (u64::from(p), p)).collect()
}

/// What the hardware can do: the Electrical feature's nameplate values
/// (features/electrical.md; units mW, mA, mWh).
#[derive(Debug, Clone, Copy)]
pub(super) struct Nameplate {
    pub phases: u8,
    pub directions: Direction,
    pub max_consumption_mw: i64,
    /// 0 when the device cannot produce ("0 if N/A", electrical.md).
    pub max_production_mw: i64,
    pub min_power_mw: i64,
    pub max_current_ma: i64,
    pub min_current_ma: Option<i64>,
    pub asymmetric: AsymmetricSupport,
    pub capacity_mwh: Option<i64>,
}

impl Nameplate {
    /// Electrical with the nameplate. `with_value` adds the attribute it
    /// sets, so optional attributes are only set when they apply.
    ///
    /// nominalMaxProduction and energyCapacity are always present (0 when
    /// they do not apply, as the table's "0 if N/A" says): every model
    /// declares MPD's ELECTRICAL scenario, which lists both, and a
    /// conformance runner checks a declared scenario's attributes against
    /// attributeList (pics-format.md §6.1 UC-001).
    pub fn electrical(&self, bits: u32) -> Feature {
        use electrical::attr::*;
        let mut f = Feature::new(&electrical::ELECTRICAL)
            .with_feature_map(bits)
            .with_value(PHASE_COUNT, self.phases)
            .with_value(PHASE_MAPPING, phase_mapping(self.phases))
            .with_value(NOMINAL_VOLTAGE, 230u16)
            .with_value(NOMINAL_FREQUENCY, 50u8)
            .with_value(SUPPORTED_DIRECTIONS, self.directions.value())
            .with_value(NOMINAL_MAX_CONSUMPTION, self.max_consumption_mw)
            .with_value(NOMINAL_MIN_POWER, self.min_power_mw)
            .with_value(MAX_CURRENT_PER_PHASE, self.max_current_ma)
            .with_value(SUPPORTS_ASYMMETRIC, self.asymmetric.value())
            .with_value(NOMINAL_MAX_PRODUCTION, self.max_production_mw)
            .with_value(ENERGY_CAPACITY, self.capacity_mwh.unwrap_or(0));
        if let Some(ma) = self.min_current_ma {
            f = f.with_value(MIN_CURRENT_PER_PHASE, ma);
        }
        f
    }
}

/// What a device accepts from controllers: the EnergyControl capability
/// flags (features/energy-control.md "Capability Contracts") and its
/// failsafe defaults.
#[derive(Debug, Clone, Copy)]
pub(super) struct Capabilities {
    pub device_type: DeviceType,
    pub bidirectional: bool,
    pub current_limits: bool,
    pub setpoints: bool,
    pub current_setpoints: bool,
    /// Pause/Resume and the process lifecycle (DEC-075).
    pub pausable: bool,
    pub failsafe_consumption_mw: Option<i64>,
    pub failsafe_production_mw: Option<i64>,
}

/// failsafeDuration default: the 2 h floor of DEC-070.
pub(super) const FAILSAFE_DURATION_S: u32 = 7200;

impl Capabilities {
    /// EnergyControl with the attributes and commands the flags call for.
    ///
    /// Every instance accepts limits (GPL BASE), reports controlState,
    /// override tracking (GPL OVERRIDE) and failsafe configuration, and
    /// carries `processState` (NONE unless the device runs a process,
    /// DEC-075) so the TestControl ProcessState triggers find it.
    /// Contractual maxima are present and null: they describe a building's
    /// grid contract, which a single appliance does not know.
    pub fn energy_control(&self, bits: u32) -> Feature {
        let mut ids: Vec<AttributeId> = vec![
            ec::OPT_OUT_STATE,
            ec::ACCEPTS_LIMITS,
            ec::ACCEPTS_CURRENT_LIMITS,
            ec::ACCEPTS_SETPOINTS,
            ec::ACCEPTS_CURRENT_SETPOINTS,
            ec::IS_PAUSABLE,
            ec::IS_SHIFTABLE,
            ec::IS_STOPPABLE,
            ec::EFFECTIVE_CONSUMPTION_LIMIT,
            ec::MY_CONSUMPTION_LIMIT,
            ec::FAILSAFE_CONSUMPTION_LIMIT,
            ec::CONTRACTUAL_CONSUMPTION_MAX,
            ec::OVERRIDE_REASON,
            ec::OVERRIDE_DIRECTION,
            ec::PROCESS_STATE,
        ];
        let mut cmds: Vec<CommandId> = vec![cmd::SET_LIMIT, cmd::CLEAR_LIMIT];
        let both = self.bidirectional;
        if both {
            ids.extend([
                ec::EFFECTIVE_PRODUCTION_LIMIT,
                ec::MY_PRODUCTION_LIMIT,
                ec::FAILSAFE_PRODUCTION_LIMIT,
                ec::CONTRACTUAL_PRODUCTION_MAX,
            ]);
        }
        // (flag, consumption attributes, production attributes, commands)
        let groups = [
            (
                self.current_limits,
                [
                    ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION,
                    ec::MY_CURRENT_LIMITS_CONSUMPTION,
                ],
                [
                    ec::EFFECTIVE_CURRENT_LIMITS_PRODUCTION,
                    ec::MY_CURRENT_LIMITS_PRODUCTION,
                ],
                [cmd::SET_CURRENT_LIMITS, cmd::CLEAR_CURRENT_LIMITS],
            ),
            (
                self.setpoints,
                [
                    ec::EFFECTIVE_CONSUMPTION_SETPOINT,
                    ec::MY_CONSUMPTION_SETPOINT,
                ],
                [
                    ec::EFFECTIVE_PRODUCTION_SETPOINT,
                    ec::MY_PRODUCTION_SETPOINT,
                ],
                [cmd::SET_SETPOINT, cmd::CLEAR_SETPOINT],
            ),
            (
                self.current_setpoints,
                [
                    ec::EFFECTIVE_CURRENT_SETPOINTS_CONSUMPTION,
                    ec::MY_CURRENT_SETPOINTS_CONSUMPTION,
                ],
                [
                    ec::EFFECTIVE_CURRENT_SETPOINTS_PRODUCTION,
                    ec::MY_CURRENT_SETPOINTS_PRODUCTION,
                ],
                [cmd::SET_CURRENT_SETPOINTS, cmd::CLEAR_CURRENT_SETPOINTS],
            ),
        ];
        for (on, consumption, production, commands) in groups {
            if on {
                ids.extend(consumption);
                if both {
                    ids.extend(production);
                }
                cmds.extend(commands);
            }
        }
        if self.pausable {
            cmds.extend([cmd::PAUSE, cmd::RESUME]);
        }
        let mut f = Feature::new(&energy_control::ENERGY_CONTROL)
            .with_attributes(&ids)
            .with_commands(&cmds)
            // FLEX on EnergyControl promises the FlexibilityStruct
            // attribute (pics-format.md: CTRL.A3C "M if FLEX"), which no
            // model carries (nor does the 1.0 table define it).
            .with_feature_map(bits & !feature_map::FLEX)
            .with_value(ec::DEVICE_TYPE, self.device_type.value())
            .with_value(ec::CONTROL_STATE, ControlState::Autonomous.value())
            .with_value(ec::ACCEPTS_LIMITS, true)
            .with_value(ec::ACCEPTS_CURRENT_LIMITS, self.current_limits)
            .with_value(ec::ACCEPTS_SETPOINTS, self.setpoints)
            .with_value(ec::ACCEPTS_CURRENT_SETPOINTS, self.current_setpoints)
            .with_value(ec::IS_PAUSABLE, self.pausable)
            .with_value(
                ec::FAILSAFE_CONSUMPTION_LIMIT,
                Value::from(self.failsafe_consumption_mw),
            )
            .with_value(ec::FAILSAFE_DURATION, FAILSAFE_DURATION_S)
            .with_value(ec::PROCESS_STATE, ProcessState::None.value());
        if both {
            f = f.with_value(
                ec::FAILSAFE_PRODUCTION_LIMIT,
                Value::from(self.failsafe_production_mw),
            );
        }
        f
    }
}
