//! Signals (feature 0x08, `features/signals.md`): Time-slotted price, constraint, and forecast signals from controller to device.

use crate::macros::wire_enum;
use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

wire_enum! {
    /// Origin of the signal data.
    pub enum SignalSource: u8 {
        /// Grid operator.
        Grid = 0x00 => "GRID",
        /// Energy supplier / utility.
        EnergySupplier = 0x01 => "ENERGY_SUPPLIER",
        /// Aggregator / VPP operator.
        Aggregator = 0x02 => "AGGREGATOR",
        /// Local energy management system.
        LocalEms = 0x03 => "LOCAL_EMS",
    }
}

feature_table! {
    /// The Signals table.
    pub static SIGNALS = FeatureType::Signals, "Signals";
    attributes {
        /// Who sent the currently active signal.
        SIGNAL_SOURCE = 0x0001 => A::new("signalSource", U8).nullable(),
        /// Unix timestamp for first slot.
        START_TIME = 0x0002 => A::new("startTime", U64).nullable(),
        /// When signal expires (Unix timestamp).
        VALID_UNTIL = 0x0003 => A::new("validUntil", U64).nullable(),
        /// Active price schedule slots.
        PRICE_SLOTS = 0x000a => A::new("priceSlots", Array).nullable(),
        /// Active power constraint slots.
        CONSTRAINT_SLOTS = 0x0014 => A::new("constraintSlots", Array).nullable(),
        /// Active forecast slots.
        FORECAST_SLOTS = 0x001e => A::new("forecastSlots", Array).nullable(),
    }
    commands {
        /// Send a price signal schedule to the device.
        SEND_PRICE_SIGNAL = 0x01 => C::new("sendPriceSignal", &[P::required("source", U8), P::required("startTime", U64), P::optional("validUntil", U64), P::required("slots", Array)]).mandatory(),
        /// Send a power constraint signal to the device.
        SEND_CONSTRAINT_SIGNAL = 0x02 => C::new("sendConstraintSignal", &[P::required("source", U8), P::required("startTime", U64), P::optional("validUntil", U64), P::required("slots", Array)]).mandatory(),
        /// Send a power forecast signal to the device.
        SEND_FORECAST_SIGNAL = 0x03 => C::new("sendForecastSignal", &[P::required("source", U8), P::required("startTime", U64), P::optional("validUntil", U64), P::required("slots", Array)]),
        /// Clear active signals.
        CLEAR_SIGNALS = 0x04 => C::new("clearSignals", &[P::optional("signalType", String)]),
    }
}
