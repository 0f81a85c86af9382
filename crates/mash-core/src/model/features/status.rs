//! Status (feature 0x02, `features/status.md`): Per-endpoint operating state and health information.

use crate::macros::wire_enum;
use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

wire_enum! {
    /// Operating state of a device/endpoint.
    pub enum OperatingState: u8 {
        /// State not known.
        Unknown = 0x00 => "UNKNOWN",
        /// Not connected / not available.
        Offline = 0x01 => "OFFLINE",
        /// Ready but not active.
        Standby = 0x02 => "STANDBY",
        /// Powering up / initializing.
        Starting = 0x03 => "STARTING",
        /// Actively operating.
        Running = 0x04 => "RUNNING",
        /// Temporarily paused (can resume).
        Paused = 0x05 => "PAUSED",
        /// Powering down.
        ShuttingDown = 0x06 => "SHUTTING_DOWN",
        /// Error condition (check faultCode).
        Fault = 0x07 => "FAULT",
        /// Under maintenance / firmware update.
        Maintenance = 0x08 => "MAINTENANCE",
    }
}

feature_table! {
    /// The Status table.
    pub static STATUS = FeatureType::Status, "Status";
    attributes {
        /// Current operating state.
        OPERATING_STATE = 0x0001 => A::new("operatingState", U8).mandatory().default(DefaultValue::Uint(0x00)),
        /// Vendor-specific state detail code.
        STATE_DETAIL = 0x0002 => A::new("stateDetail", U32).nullable(),
        /// Fault/error code when state=FAULT.
        FAULT_CODE = 0x0003 => A::new("faultCode", U32).nullable(),
        /// Human-readable fault description.
        FAULT_MESSAGE = 0x0004 => A::new("faultMessage", String).nullable(),
    }
    commands {
    }
}
