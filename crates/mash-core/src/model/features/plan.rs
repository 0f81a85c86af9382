//! Plan (feature 0x09, `features/plan.md`): Device reports intended power behavior. Commitment levels support negotiation.

use crate::macros::wire_enum;
use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

wire_enum! {
    /// How firm the plan is.
    pub enum Commitment: u8 {
        /// Initial draft, likely to change.
        Preliminary = 0x00 => "PRELIMINARY",
        /// Proposed, awaiting acceptance.
        Tentative = 0x01 => "TENTATIVE",
        /// Accepted and scheduled.
        Committed = 0x02 => "COMMITTED",
        /// Currently being executed.
        Executing = 0x03 => "EXECUTING",
    }
}

feature_table! {
    /// The Plan table.
    pub static PLAN = FeatureType::Plan, "Plan";
    attributes {
        /// Unique plan identifier.
        PLAN_ID = 0x0001 => A::new("planId", U32).mandatory().default(DefaultValue::Uint(0)),
        /// Increments on each plan update.
        PLAN_VERSION = 0x0002 => A::new("planVersion", U32).mandatory().default(DefaultValue::Uint(0)),
        /// How firm this plan is.
        COMMITMENT = 0x0003 => A::new("commitment", U8).mandatory().default(DefaultValue::Uint(0x00)),
        /// When the plan starts (Unix timestamp).
        START_TIME = 0x000a => A::new("startTime", U64).nullable(),
        /// When the plan ends (Unix timestamp).
        END_TIME = 0x000b => A::new("endTime", U64).nullable(),
        /// Total planned energy (positive=consumption, negative=production) (mWh).
        TOTAL_ENERGY_PLANNED = 0x0014 => A::new("totalEnergyPlanned", I64).nullable(),
        /// Planned power behavior slots.
        SLOTS = 0x0028 => A::new("slots", Array).nullable(),
    }
    commands {
        /// Request device to generate/update its plan.
        REQUEST_PLAN = 0x01 => C::new("requestPlan", &[P::optional("startTime", U64), P::optional("duration", U32)]).mandatory(),
        /// Accept a plan, advancing its commitment level.
        ACCEPT_PLAN = 0x02 => C::new("acceptPlan", &[P::required("planId", U32), P::required("planVersion", U32)]),
    }
}
