//! Measurement (feature 0x04, `features/measurement.md`): Real-time telemetry: power, energy, voltage, current readings.

use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

feature_table! {
    /// The Measurement table.
    pub static MEASUREMENT = FeatureType::Measurement, "Measurement";
    attributes {
        /// Active/real power (mW).
        AC_ACTIVE_POWER = 0x0001 => A::new("acActivePower", I64).nullable(),
        /// Reactive power (mVAR).
        AC_REACTIVE_POWER = 0x0002 => A::new("acReactivePower", I64).nullable(),
        /// Apparent power (always positive) (mVA).
        AC_APPARENT_POWER = 0x0003 => A::new("acApparentPower", U64).nullable(),
        /// Active power per phase (Phase -> mW).
        AC_ACTIVE_POWER_PER_PHASE = 0x000a => A::new("acActivePowerPerPhase", Map).nullable(),
        /// Reactive power per phase (Phase -> mVAR).
        AC_REACTIVE_POWER_PER_PHASE = 0x000b => A::new("acReactivePowerPerPhase", Map).nullable(),
        /// Apparent power per phase (Phase -> mVA).
        AC_APPARENT_POWER_PER_PHASE = 0x000c => A::new("acApparentPowerPerPhase", Map).nullable(),
        /// Current per phase (Phase -> mA, signed).
        AC_CURRENT_PER_PHASE = 0x0014 => A::new("acCurrentPerPhase", Map).nullable(),
        /// Phase-to-neutral voltage (Phase -> mV).
        AC_VOLTAGE_PER_PHASE = 0x0015 => A::new("acVoltagePerPhase", Map).nullable(),
        /// Phase-to-phase voltage (PhasePair -> mV).
        AC_VOLTAGE_PHASE_TO_PHASE_PAIR = 0x0016 => A::new("acVoltagePhaseToPhasePair", Map).nullable(),
        /// Grid frequency in millihertz (DEC-070 range: 45000-65000 mHz covers 50/60 Hz with headroom) (mHz).
        AC_FREQUENCY = 0x0017 => A::new("acFrequency", U32).nullable().range(45000, 65000),
        /// Power factor (0.001 units, -1.0 to +1.0).
        POWER_FACTOR = 0x0018 => A::new("powerFactor", I16).nullable().range(-1000, 1000),
        /// Total energy consumed from grid (mWh).
        AC_ENERGY_CONSUMED = 0x001e => A::new("acEnergyConsumed", U64).nullable(),
        /// Total energy produced/fed-in to grid (mWh).
        AC_ENERGY_PRODUCED = 0x001f => A::new("acEnergyProduced", U64).nullable(),
        /// DC power (+ into device, - out) (mW).
        DC_POWER = 0x0028 => A::new("dcPower", I64).nullable(),
        /// DC current (+ into device, - out) (mA).
        DC_CURRENT = 0x0029 => A::new("dcCurrent", I64).nullable(),
        /// DC voltage (mV).
        DC_VOLTAGE = 0x002a => A::new("dcVoltage", U32).nullable(),
        /// Energy into this component (mWh).
        DC_ENERGY_IN = 0x002b => A::new("dcEnergyIn", U64).nullable(),
        /// Energy out of this component (mWh).
        DC_ENERGY_OUT = 0x002c => A::new("dcEnergyOut", U64).nullable(),
        /// State of charge (0-100%) (%).
        STATE_OF_CHARGE = 0x0032 => A::new("stateOfCharge", U8).nullable().range(0, 100),
        /// State of health (0-100%, battery degradation) (%).
        STATE_OF_HEALTH = 0x0033 => A::new("stateOfHealth", U8).nullable().range(0, 100),
        /// Available energy at current SoC (mWh).
        STATE_OF_ENERGY = 0x0034 => A::new("stateOfEnergy", U64).nullable(),
        /// Current useable capacity (mWh).
        USEABLE_CAPACITY = 0x0035 => A::new("useableCapacity", U64).nullable(),
        /// Charge/discharge cycles.
        CYCLE_COUNT = 0x0036 => A::new("cycleCount", U32).nullable(),
        /// Temperature (e.g., 2500 = 25.00C) (centi-C).
        TEMPERATURE = 0x003c => A::new("temperature", I16).nullable(),
    }
    commands {
    }
}
