//! TestControl (feature 0x0a, `features/test-control.md`): Test control and event triggering for conformance testing (Matter-inspired).

use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P};

feature_table! {
    /// The TestControl table.
    pub static TEST_CONTROL = FeatureType::TestControl, "TestControl";
    attributes {
        /// Whether test event triggers are enabled on this device.
        TEST_EVENT_TRIGGERS_ENABLED = 0x0001 => A::new("testEventTriggersEnabled", Bool).mandatory().default(DefaultValue::Bool(false)),
    }
    commands {
        /// Trigger a test event by opcode. Requires matching 128-bit enableKey (hex-encoded, 32 chars). Matter-inspired safety gate.
        TRIGGER_TEST_EVENT = 0x01 => C::new("triggerTestEvent", &[P::required("enableKey", String), P::required("eventTrigger", U64)]).mandatory(),
        /// Set commissioning window duration (test mode only). Requires matching enableKey.
        SET_COMMISSIONING_WINDOW_DURATION = 0x02 => C::new("setCommissioningWindowDuration", &[P::required("enableKey", String), P::required("durationSeconds", U32)]).mandatory(),
    }
}
