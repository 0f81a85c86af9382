//! Electrical (feature 0x03, `features/electrical.md`): Electrical characteristics and capability envelope of an endpoint.

use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

feature_table! {
    /// The Electrical table.
    pub static ELECTRICAL = FeatureType::Electrical, "Electrical";
    attributes {
        /// Number of phases (1, 2, or 3).
        PHASE_COUNT = 0x0001 => A::new("phaseCount", U8).mandatory().range(1, 3).default(DefaultValue::Uint(1)),
        /// Device phase to grid phase mapping.
        PHASE_MAPPING = 0x0002 => A::new("phaseMapping", Map),
        /// Nominal voltage (phase-to-neutral RMS; DEC-070 range = typical LV / low-kV grid envelope) (V).
        NOMINAL_VOLTAGE = 0x0003 => A::new("nominalVoltage", U16).range(85, 600).default(DefaultValue::Uint(230)),
        /// Nominal frequency (DEC-070 range = standard 50/60 Hz grids with headroom) (Hz).
        NOMINAL_FREQUENCY = 0x0004 => A::new("nominalFrequency", U8).range(45, 65).default(DefaultValue::Uint(50)),
        /// Power flow direction capability.
        SUPPORTED_DIRECTIONS = 0x0005 => A::new("supportedDirections", U8).mandatory().default(DefaultValue::Uint(0x00)),
        /// Maximum consumption power (mW).
        NOMINAL_MAX_CONSUMPTION = 0x000a => A::new("nominalMaxConsumption", I64).default(DefaultValue::Int(0)),
        /// Maximum production power (0 if N/A) (mW).
        NOMINAL_MAX_PRODUCTION = 0x000b => A::new("nominalMaxProduction", I64).default(DefaultValue::Int(0)),
        /// Minimum operating point (mW).
        NOMINAL_MIN_POWER = 0x000c => A::new("nominalMinPower", I64).default(DefaultValue::Int(0)),
        /// Maximum current per phase (mA).
        MAX_CURRENT_PER_PHASE = 0x000d => A::new("maxCurrentPerPhase", I64).default(DefaultValue::Int(0)),
        /// Minimum current per phase (mA).
        MIN_CURRENT_PER_PHASE = 0x000e => A::new("minCurrentPerPhase", I64).default(DefaultValue::Int(0)),
        /// Per-phase asymmetric control support.
        SUPPORTS_ASYMMETRIC = 0x000f => A::new("supportsAsymmetric", U8).default(DefaultValue::Uint(0x00)),
        /// Battery/storage capacity (0 if N/A) (mWh).
        ENERGY_CAPACITY = 0x0014 => A::new("energyCapacity", I64).default(DefaultValue::Int(0)),
    }
    commands {
    }
}
