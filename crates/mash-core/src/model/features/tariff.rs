//! Tariff (feature 0x07, `features/tariff.md`): Static tariff metadata: currency context for Signals price values.

use crate::macros::wire_enum;
use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

wire_enum! {
    /// Unit for price values.
    pub enum PriceUnit: u8 {
        /// Price per kilowatt-hour.
        PerKwh = 0x00 => "PER_KWH",
        /// Price per kilovolt-ampere-hour.
        PerKvah = 0x01 => "PER_KVAH",
    }
}

feature_table! {
    /// The Tariff table.
    pub static TARIFF = FeatureType::Tariff, "Tariff";
    attributes {
        /// Tariff identifier.
        TARIFF_ID = 0x0001 => A::new("tariffId", U32).mandatory().default(DefaultValue::Uint(0)),
        /// ISO 4217 currency code (EUR, USD, etc.).
        CURRENCY = 0x0002 => A::new("currency", String).mandatory(),
        /// Unit for price values in Signals.
        PRICE_UNIT = 0x0003 => A::new("priceUnit", U8).default(DefaultValue::Uint(0x00)),
        /// Human-readable tariff name.
        TARIFF_DESCRIPTION = 0x0004 => A::new("tariffDescription", String).nullable(),
    }
    commands {
        /// Set tariff metadata.
        SET_TARIFF = 0x01 => C::new("setTariff", &[P::required("tariffId", U32), P::required("currency", String), P::optional("priceUnit", U8), P::optional("description", String)]).mandatory(),
    }
}
