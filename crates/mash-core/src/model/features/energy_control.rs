//! EnergyControl (feature 0x05, `features/energy-control.md`): Energy management: limits, setpoints, process control.

use crate::macros::wire_enum;
use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

wire_enum! {
    /// Type of controllable device.
    pub enum DeviceType: u8 {
        /// Electric vehicle supply equipment.
        Evse = 0x00 => "EVSE",
        /// Heat pump.
        HeatPump = 0x01 => "HEAT_PUMP",
        /// Water heater.
        WaterHeater = 0x02 => "WATER_HEATER",
        /// Battery storage.
        Battery = 0x03 => "BATTERY",
        /// Solar/hybrid inverter.
        Inverter = 0x04 => "INVERTER",
        /// Generic flexible load.
        FlexibleLoad = 0x05 => "FLEXIBLE_LOAD",
        /// Other device type.
        Other = 0xff => "OTHER",
    }
}

wire_enum! {
    /// Control relationship state.
    pub enum ControlState: u8 {
        /// Not under external control.
        Autonomous = 0x00 => "AUTONOMOUS",
        /// Under controller authority, no active limit.
        Controlled = 0x01 => "CONTROLLED",
        /// Active power limit being applied.
        Limited = 0x02 => "LIMITED",
        /// Connection lost, using failsafe limits.
        Failsafe = 0x03 => "FAILSAFE",
        /// Device overriding limits (safety/legal).
        Override = 0x04 => "OVERRIDE",
    }
}

wire_enum! {
    /// Optional task lifecycle state.
    pub enum ProcessState: u8 {
        /// `NONE`.
        None = 0x00 => "NONE",
        /// `AVAILABLE`.
        Available = 0x01 => "AVAILABLE",
        /// `SCHEDULED`.
        Scheduled = 0x02 => "SCHEDULED",
        /// `RUNNING`.
        Running = 0x03 => "RUNNING",
        /// `PAUSED`.
        Paused = 0x04 => "PAUSED",
        /// `COMPLETED`.
        Completed = 0x05 => "COMPLETED",
        /// `ABORTED`.
        Aborted = 0x06 => "ABORTED",
    }
}

wire_enum! {
    /// Opt-out state for external control.
    pub enum OptOutState: u8 {
        /// `NONE`.
        None = 0x00 => "NONE",
        /// `LOCAL`.
        Local = 0x01 => "LOCAL",
        /// `GRID`.
        Grid = 0x02 => "GRID",
        /// `ALL`.
        All = 0x03 => "ALL",
    }
}

wire_enum! {
    /// Cause/reason for a limit.
    pub enum LimitCause: u8 {
        /// `GRID_EMERGENCY`.
        GridEmergency = 0x00 => "GRID_EMERGENCY",
        /// `GRID_OPTIMIZATION`.
        GridOptimization = 0x01 => "GRID_OPTIMIZATION",
        /// `LOCAL_PROTECTION`.
        LocalProtection = 0x02 => "LOCAL_PROTECTION",
        /// `LOCAL_OPTIMIZATION`.
        LocalOptimization = 0x03 => "LOCAL_OPTIMIZATION",
        /// `USER_PREFERENCE`.
        UserPreference = 0x04 => "USER_PREFERENCE",
    }
}

wire_enum! {
    /// Cause/reason for a setpoint.
    pub enum SetpointCause: u8 {
        /// `GRID_REQUEST`.
        GridRequest = 0x00 => "GRID_REQUEST",
        /// `SELF_CONSUMPTION`.
        SelfConsumption = 0x01 => "SELF_CONSUMPTION",
        /// `PRICE_OPTIMIZATION`.
        PriceOptimization = 0x02 => "PRICE_OPTIMIZATION",
        /// `PHASE_BALANCING`.
        PhaseBalancing = 0x03 => "PHASE_BALANCING",
        /// `USER_PREFERENCE`.
        UserPreference = 0x04 => "USER_PREFERENCE",
    }
}

wire_enum! {
    /// Why device is exceeding limits.
    pub enum OverrideReason: u8 {
        /// `SELF_PROTECTION`.
        SelfProtection = 0x00 => "SELF_PROTECTION",
        /// `SAFETY`.
        Safety = 0x01 => "SAFETY",
        /// `LEGAL_REQUIREMENT`.
        LegalRequirement = 0x02 => "LEGAL_REQUIREMENT",
        /// `UNCONTROLLED_LOAD`.
        UncontrolledLoad = 0x03 => "UNCONTROLLED_LOAD",
        /// `UNCONTROLLED_PRODUCER`.
        UncontrolledProducer = 0x04 => "UNCONTROLLED_PRODUCER",
    }
}

wire_enum! {
    /// Why a SetLimit was not applied.
    pub enum LimitRejectReason: u8 {
        /// `BELOW_MINIMUM`.
        BelowMinimum = 0x00 => "BELOW_MINIMUM",
        /// `ABOVE_CONTRACTUAL`.
        AboveContractual = 0x01 => "ABOVE_CONTRACTUAL",
        /// `INVALID_VALUE`.
        InvalidValue = 0x02 => "INVALID_VALUE",
        /// `DEVICE_OVERRIDE`.
        DeviceOverride = 0x03 => "DEVICE_OVERRIDE",
        /// `NOT_SUPPORTED`.
        NotSupported = 0x04 => "NOT_SUPPORTED",
    }
}

wire_enum! {
    /// How setpoints/limits are interpreted.
    pub enum ControlMode: u8 {
        /// Setpoints target the device directly.
        Direct = 0x00 => "DIRECT",
        /// Setpoints target the point of common coupling.
        Pcc = 0x01 => "PCC",
        /// Device decides interpretation.
        Auto = 0x02 => "AUTO",
    }
}

feature_table! {
    /// The EnergyControl table.
    pub static ENERGY_CONTROL = FeatureType::EnergyControl, "EnergyControl";
    attributes {
        /// Type of controllable device.
        DEVICE_TYPE = 0x0001 => A::new("deviceType", U8).mandatory().default(DefaultValue::Uint(0xff)),
        /// Control relationship state.
        CONTROL_STATE = 0x0002 => A::new("controlState", U8).mandatory().default(DefaultValue::Uint(0x00)),
        /// Opt-out state for external control.
        OPT_OUT_STATE = 0x0003 => A::new("optOutState", U8).writable().default(DefaultValue::Uint(0x00)),
        /// Accepts SetLimit command.
        ACCEPTS_LIMITS = 0x000a => A::new("acceptsLimits", Bool).default(DefaultValue::Bool(false)),
        /// Accepts SetCurrentLimits command.
        ACCEPTS_CURRENT_LIMITS = 0x000b => A::new("acceptsCurrentLimits", Bool).default(DefaultValue::Bool(false)),
        /// Accepts SetSetpoint command.
        ACCEPTS_SETPOINTS = 0x000c => A::new("acceptsSetpoints", Bool).default(DefaultValue::Bool(false)),
        /// Accepts SetCurrentSetpoints command.
        ACCEPTS_CURRENT_SETPOINTS = 0x000d => A::new("acceptsCurrentSetpoints", Bool).default(DefaultValue::Bool(false)),
        /// Accepts Pause/Resume commands.
        IS_PAUSABLE = 0x000e => A::new("isPausable", Bool).default(DefaultValue::Bool(false)),
        /// Accepts AdjustStartTime command.
        IS_SHIFTABLE = 0x000f => A::new("isShiftable", Bool).default(DefaultValue::Bool(false)),
        /// Accepts Stop command.
        IS_STOPPABLE = 0x0010 => A::new("isStoppable", Bool).default(DefaultValue::Bool(false)),
        /// Effective consumption limit (min of all zones) (mW).
        EFFECTIVE_CONSUMPTION_LIMIT = 0x0014 => A::new("effectiveConsumptionLimit", I64).nullable(),
        /// This zone's consumption limit (mW).
        MY_CONSUMPTION_LIMIT = 0x0015 => A::new("myConsumptionLimit", I64).writable().nullable().per_zone(),
        /// Effective production limit (min of all zones) (mW).
        EFFECTIVE_PRODUCTION_LIMIT = 0x0016 => A::new("effectiveProductionLimit", I64).nullable(),
        /// This zone's production limit (mW).
        MY_PRODUCTION_LIMIT = 0x0017 => A::new("myProductionLimit", I64).writable().nullable().per_zone(),
        /// Effective per-phase current limits (consumption).
        EFFECTIVE_CURRENT_LIMITS_CONSUMPTION = 0x001e => A::new("effectiveCurrentLimitsConsumption", Map).nullable(),
        /// This zone's per-phase current limits (consumption).
        MY_CURRENT_LIMITS_CONSUMPTION = 0x001f => A::new("myCurrentLimitsConsumption", Map).nullable().per_zone(),
        /// Effective per-phase current limits (production).
        EFFECTIVE_CURRENT_LIMITS_PRODUCTION = 0x0020 => A::new("effectiveCurrentLimitsProduction", Map).nullable(),
        /// This zone's per-phase current limits (production).
        MY_CURRENT_LIMITS_PRODUCTION = 0x0021 => A::new("myCurrentLimitsProduction", Map).nullable().per_zone(),
        /// Effective consumption setpoint (mW).
        EFFECTIVE_CONSUMPTION_SETPOINT = 0x0028 => A::new("effectiveConsumptionSetpoint", I64).nullable(),
        /// This zone's consumption setpoint (mW).
        MY_CONSUMPTION_SETPOINT = 0x0029 => A::new("myConsumptionSetpoint", I64).writable().nullable().per_zone(),
        /// Effective production setpoint (mW).
        EFFECTIVE_PRODUCTION_SETPOINT = 0x002a => A::new("effectiveProductionSetpoint", I64).nullable(),
        /// This zone's production setpoint (mW).
        MY_PRODUCTION_SETPOINT = 0x002b => A::new("myProductionSetpoint", I64).writable().nullable().per_zone(),
        /// Effective per-phase current setpoints (consumption).
        EFFECTIVE_CURRENT_SETPOINTS_CONSUMPTION = 0x0032 => A::new("effectiveCurrentSetpointsConsumption", Map).nullable(),
        /// This zone's per-phase current setpoints (consumption).
        MY_CURRENT_SETPOINTS_CONSUMPTION = 0x0033 => A::new("myCurrentSetpointsConsumption", Map).nullable().per_zone(),
        /// Effective per-phase current setpoints (production).
        EFFECTIVE_CURRENT_SETPOINTS_PRODUCTION = 0x0034 => A::new("effectiveCurrentSetpointsProduction", Map).nullable(),
        /// This zone's per-phase current setpoints (production).
        MY_CURRENT_SETPOINTS_PRODUCTION = 0x0035 => A::new("myCurrentSetpointsProduction", Map).nullable().per_zone(),
        /// Limit to apply in FAILSAFE state (mW).
        FAILSAFE_CONSUMPTION_LIMIT = 0x0046 => A::new("failsafeConsumptionLimit", I64).writable().nullable(),
        /// Production limit in FAILSAFE state (mW).
        FAILSAFE_PRODUCTION_LIMIT = 0x0047 => A::new("failsafeProductionLimit", I64).writable().nullable(),
        /// Time in FAILSAFE before returning to AUTONOMOUS (DEC-070: 2h floor, 24h cap) (s).
        FAILSAFE_DURATION = 0x0048 => A::new("failsafeDuration", U32).mandatory().writable().range(7200, 86400).default(DefaultValue::Uint(7200)),
        /// Building's max allowed consumption (EMS only) (mW).
        CONTRACTUAL_CONSUMPTION_MAX = 0x0049 => A::new("contractualConsumptionMax", I64).nullable(),
        /// Building's max allowed feed-in (EMS only) (mW).
        CONTRACTUAL_PRODUCTION_MAX = 0x004a => A::new("contractualProductionMax", I64).nullable(),
        /// Why device is in OVERRIDE state.
        OVERRIDE_REASON = 0x004b => A::new("overrideReason", U8).nullable(),
        /// Which direction triggered override.
        OVERRIDE_DIRECTION = 0x004c => A::new("overrideDirection", U8).nullable(),
        /// Current process lifecycle state.
        PROCESS_STATE = 0x0050 => A::new("processState", U8).default(DefaultValue::Uint(0x00)),
        /// Whether the process is optional (can be deferred).
        OPTIONAL_PROCESS = 0x0051 => A::new("optionalProcess", Bool).default(DefaultValue::Bool(false)),
        /// Minimum run time before pause/stop (s).
        MIN_RUN_DURATION = 0x0052 => A::new("minRunDuration", U32).nullable(),
        /// Minimum pause before restart (s).
        MIN_PAUSE_DURATION = 0x0053 => A::new("minPauseDuration", U32).nullable(),
        /// Maximum continuous run time (s).
        MAX_RUN_DURATION = 0x0054 => A::new("maxRunDuration", U32).nullable(),
        /// Maximum pause time (s).
        MAX_PAUSE_DURATION = 0x0055 => A::new("maxPauseDuration", U32).nullable(),
        /// Expected power when process runs (mW).
        OPTIONAL_PROCESS_POWER = 0x0056 => A::new("optionalProcessPower", I64).nullable(),
        /// How setpoints/limits are interpreted.
        CONTROL_MODE = 0x0057 => A::new("controlMode", U8).writable().nullable(),
    }
    commands {
        /// Set power limits for this zone.
        SET_LIMIT = 0x01 => C::new("setLimit", &[P::optional("consumptionLimit", I64), P::optional("productionLimit", I64), P::optional("duration", U32), P::required("cause", U8)]).mandatory(),
        /// Remove this zone's power limits.
        CLEAR_LIMIT = 0x02 => C::new("clearLimit", &[P::optional("direction", U8)]).mandatory(),
        /// Set per-phase current limits.
        SET_CURRENT_LIMITS = 0x03 => C::new("setCurrentLimits", &[P::required("phases", Map), P::required("direction", U8), P::optional("duration", U32), P::required("cause", U8)]),
        /// Remove this zone's per-phase current limits.
        CLEAR_CURRENT_LIMITS = 0x04 => C::new("clearCurrentLimits", &[P::optional("direction", U8)]),
        /// Set power setpoint for this zone.
        SET_SETPOINT = 0x05 => C::new("setSetpoint", &[P::optional("consumptionSetpoint", I64), P::optional("productionSetpoint", I64), P::optional("duration", U32), P::required("cause", U8)]),
        /// Remove this zone's power setpoints.
        CLEAR_SETPOINT = 0x06 => C::new("clearSetpoint", &[P::optional("direction", U8)]),
        /// Set per-phase current setpoints.
        SET_CURRENT_SETPOINTS = 0x07 => C::new("setCurrentSetpoints", &[P::required("phases", Map), P::required("direction", U8), P::optional("duration", U32), P::required("cause", U8)]),
        /// Remove this zone's per-phase current setpoints.
        CLEAR_CURRENT_SETPOINTS = 0x08 => C::new("clearCurrentSetpoints", &[P::optional("direction", U8)]),
        /// Temporarily pause device operation.
        PAUSE = 0x09 => C::new("pause", &[P::optional("duration", U32)]),
        /// Resume paused operation.
        RESUME = 0x0a => C::new("resume", &[]),
        /// Abort task completely.
        STOP = 0x0b => C::new("stop", &[]),
    }
}
