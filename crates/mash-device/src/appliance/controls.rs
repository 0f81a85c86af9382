//! What the model tells an appliance to do and what it can do: the
//! resolved EnergyControl state and the Electrical nameplate.

use mash_core::energy::resolve;
use mash_core::model::features::electrical::attr as el;
use mash_core::model::features::energy_control::{ControlState, ProcessState, attr as ec};
use mash_core::model::features::status::{OperatingState, attr as st};
use mash_core::model::{Device, EndpointId, FeatureType};

use super::io;

/// Power flow direction, as an index into the per-direction arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// Into the device (charging, consuming).
    Consumption = 0,
    /// Out of the device (discharging, producing).
    Production = 1,
}

/// Per-phase currents in mA; `None` leaves a phase unconstrained.
pub(super) type PhaseCurrents = [Option<i64>; 3];

/// The EnergyControl state an appliance obeys, read from the model: the
/// `effective*` values the resolver wrote, controlState, processState and
/// the failsafe limits.
#[derive(Debug, Clone, Default)]
pub(super) struct Controls {
    pub control_state: Option<ControlState>,
    pub process_state: Option<ProcessState>,
    limit: [Option<i64>; 2],
    setpoint: [Option<i64>; 2],
    current_limit: [PhaseCurrents; 2],
    current_setpoint: [PhaseCurrents; 2],
    failsafe: [Option<i64>; 2],
}

impl Controls {
    pub fn read(device: &Device, ep: EndpointId) -> Self {
        const EC: FeatureType = FeatureType::EnergyControl;
        let int = |attr| io::int(device, ep, EC, attr);
        let phases = |attr| io::phases(device, ep, EC, attr);
        Self {
            control_state: io::uint(device, ep, EC, ec::CONTROL_STATE)
                .and_then(|v| u8::try_from(v).ok())
                .map(ControlState::from_value),
            process_state: io::uint(device, ep, EC, ec::PROCESS_STATE)
                .and_then(|v| u8::try_from(v).ok())
                .map(ProcessState::from_value),
            limit: [
                int(ec::EFFECTIVE_CONSUMPTION_LIMIT),
                int(ec::EFFECTIVE_PRODUCTION_LIMIT),
            ],
            setpoint: [
                int(ec::EFFECTIVE_CONSUMPTION_SETPOINT),
                int(ec::EFFECTIVE_PRODUCTION_SETPOINT),
            ],
            current_limit: [
                phases(ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION),
                phases(ec::EFFECTIVE_CURRENT_LIMITS_PRODUCTION),
            ],
            current_setpoint: [
                phases(ec::EFFECTIVE_CURRENT_SETPOINTS_CONSUMPTION),
                phases(ec::EFFECTIVE_CURRENT_SETPOINTS_PRODUCTION),
            ],
            failsafe: [
                int(ec::FAILSAFE_CONSUMPTION_LIMIT),
                int(ec::FAILSAFE_PRODUCTION_LIMIT),
            ],
        }
    }

    /// In OVERRIDE the device exceeds limits for its own safety or legal
    /// reasons (energy-control.md "Override Tracking"): controller values
    /// do not bind it.
    fn overridden(&self) -> bool {
        self.control_state == Some(ControlState::Override)
    }

    /// The hard power cap in `flow`, mW: the effective limit, and in
    /// FAILSAFE also the failsafe limit (the resolver normally folds it
    /// into the effective limit; a controlState set by hand, e.g. by a
    /// test trigger, is honoured too).
    pub fn power_cap(&self, flow: Flow) -> Option<i64> {
        if self.overridden() {
            return None;
        }
        let i = flow as usize;
        let limit = self.limit.get(i).copied().flatten();
        let failsafe = match self.control_state {
            Some(ControlState::Failsafe) => self.failsafe.get(i).copied().flatten(),
            _ => None,
        };
        match (limit, failsafe) {
            (Some(l), Some(f)) => Some(l.min(f)),
            (l, f) => l.or(f),
        }
    }

    /// The winning setpoint in `flow`, mW.
    pub fn setpoint(&self, flow: Flow) -> Option<i64> {
        if self.overridden() {
            return None;
        }
        self.setpoint.get(flow as usize).copied().flatten()
    }

    /// What to aim for in `flow`: the setpoint capped by the limit, or the
    /// limit alone (multi-zone.md §5.3).
    pub fn power_target(&self, flow: Flow) -> Option<i64> {
        resolve::target(self.power_cap(flow), self.setpoint(flow))
    }

    /// Per-phase current limits in `flow`.
    pub fn phase_caps(&self, flow: Flow) -> PhaseCurrents {
        if self.overridden() {
            return [None; 3];
        }
        self.current_limit
            .get(flow as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Per-phase current setpoints in `flow`.
    pub fn phase_setpoints(&self, flow: Flow) -> PhaseCurrents {
        if self.overridden() {
            return [None; 3];
        }
        self.current_setpoint
            .get(flow as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Whether a controller paused the process (Pause, DEC-075).
    pub fn paused(&self) -> bool {
        self.process_state == Some(ProcessState::Paused)
    }
}

/// The nameplate from Electrical (features/electrical.md), with the
/// defaults of its table where an attribute is absent.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rating {
    pub phases: usize,
    pub max_consumption_mw: i64,
    pub max_production_mw: i64,
    pub min_power_mw: i64,
    pub max_current_ma: Option<i64>,
    pub min_current_ma: i64,
    pub capacity_mwh: i64,
}

impl Rating {
    pub fn read(device: &Device, ep: EndpointId) -> Self {
        const EL: FeatureType = FeatureType::Electrical;
        let int = |attr| io::int(device, ep, EL, attr);
        Self {
            phases: int(el::PHASE_COUNT)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(1)
                .clamp(1, 3),
            max_consumption_mw: int(el::NOMINAL_MAX_CONSUMPTION).unwrap_or(0).max(0),
            max_production_mw: int(el::NOMINAL_MAX_PRODUCTION).unwrap_or(0).max(0),
            min_power_mw: int(el::NOMINAL_MIN_POWER).unwrap_or(0).max(0),
            max_current_ma: int(el::MAX_CURRENT_PER_PHASE).filter(|v| *v > 0),
            min_current_ma: int(el::MIN_CURRENT_PER_PHASE).unwrap_or(0).max(0),
            capacity_mwh: int(el::ENERGY_CAPACITY).unwrap_or(0).max(0),
        }
    }
}

/// Whether Status says FAULT: a faulted appliance stands still and leaves
/// Status to whoever clears the fault.
pub(super) fn faulted(device: &Device, ep: EndpointId) -> bool {
    io::uint(device, ep, FeatureType::Status, st::OPERATING_STATE)
        == Some(u64::from(OperatingState::Fault.value()))
}
