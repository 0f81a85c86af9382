//! TestControl (feature 0x0a, INTEROP.md Appendix A): test event triggers
//! for conformance tools. Parameters are checked by the handler, not the
//! table, because Appendix A fixes the order of its checks (missing
//! parameter, then caller zone, then key).

use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

feature_table! {
    /// The TestControl table.
    pub static TEST_CONTROL = FeatureType::TestControl, "TestControl";
    attributes {
        /// Whether test event triggers are enabled on this device.
        TEST_EVENT_TRIGGERS_ENABLED = 0x0001 => A::new("testEventTriggersEnabled", Bool).mandatory().default(DefaultValue::Bool(false)),
    }
    commands {
        /// Trigger a test event by opcode. Requires matching 128-bit enableKey (hex-encoded, 32 chars). Matter-inspired safety gate.
        TRIGGER_TEST_EVENT = 0x01 => C::new("triggerTestEvent", &[P::required("enableKey", String).unchecked(), P::required("eventTrigger", U64).unchecked()]).mandatory(),
        /// Set commissioning window duration (test mode only). Requires matching enableKey.
        SET_COMMISSIONING_WINDOW_DURATION = 0x02 => C::new("setCommissioningWindowDuration", &[P::required("enableKey", String).unchecked(), P::required("durationSeconds", U32).unchecked()]),
        /// Snapshot of the device's test-relevant state (added by the
        /// reference's service, not in the feature YAML; INTEROP.md A.1).
        GET_TEST_STATE = 0x03 => C::new("getTestState", &[P::required("enableKey", String).unchecked()]),
    }
}
