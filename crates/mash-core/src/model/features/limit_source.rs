//! LimitSource (feature 0x80, a mash-rs extension in the vendor feature
//! range 0x80-0xFF of INTEROP.md §7): who set each effective limit and
//! setpoint, why, when and until when — readable and subscribable by
//! every zone, so an EMS can tell its user "Limited to 3.7 kW — grid
//! operator — 30 min left".
//!
//! Each `*Source` attribute is null when the effective value is null, else
//! a [`Source`](crate::energy::Source) structure
//! `{1: zoneType?, 2: cause, 3: setAt, 4: until?, 5: failsafe}` (times in
//! Unix seconds, `zoneType` null for the device's own failsafe limits).
//! Per-phase sources are maps Phase → structure.

use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

feature_table! {
    /// The LimitSource table.
    pub static LIMIT_SOURCE = FeatureType::LimitSource, "LimitSource";
    attributes {
        /// Zone types with a zone on this device, ascending (not the zones'
        /// identities: multi-controller study Q2, "visible fabric types").
        ZONE_TYPES = 0x0001 => A::new("zoneTypes", Array).mandatory(),
        /// Source of effectiveConsumptionLimit.
        CONSUMPTION_LIMIT_SOURCE = 0x000a => A::new("consumptionLimitSource", Object).nullable().mandatory(),
        /// Source of effectiveProductionLimit.
        PRODUCTION_LIMIT_SOURCE = 0x000b => A::new("productionLimitSource", Object).nullable().mandatory(),
        /// Per-phase sources of effectiveCurrentLimitsConsumption.
        CURRENT_LIMITS_CONSUMPTION_SOURCE = 0x000c => A::new("currentLimitsConsumptionSource", Map).nullable().mandatory(),
        /// Per-phase sources of effectiveCurrentLimitsProduction.
        CURRENT_LIMITS_PRODUCTION_SOURCE = 0x000d => A::new("currentLimitsProductionSource", Map).nullable().mandatory(),
        /// Source of effectiveConsumptionSetpoint.
        CONSUMPTION_SETPOINT_SOURCE = 0x0014 => A::new("consumptionSetpointSource", Object).nullable().mandatory(),
        /// Source of effectiveProductionSetpoint.
        PRODUCTION_SETPOINT_SOURCE = 0x0015 => A::new("productionSetpointSource", Object).nullable().mandatory(),
        /// Source of effectiveCurrentSetpointsConsumption.
        CURRENT_SETPOINTS_CONSUMPTION_SOURCE = 0x0016 => A::new("currentSetpointsConsumptionSource", Object).nullable().mandatory(),
        /// Source of effectiveCurrentSetpointsProduction.
        CURRENT_SETPOINTS_PRODUCTION_SOURCE = 0x0017 => A::new("currentSetpointsProductionSource", Object).nullable().mandatory(),
        /// Per zone: true while another zone or the failsafe limits are
        /// more restrictive than one of this zone's own values.
        MY_VALUES_OVERRIDDEN = 0x001e => A::new("myValuesOverridden", Bool).mandatory().per_zone(),
    }
    commands {
    }
}
