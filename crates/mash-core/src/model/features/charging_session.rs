//! ChargingSession (feature 0x06, `features/charging-session.md`): EV charging session management, demands, and optimization.

use crate::macros::wire_enum;
use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

wire_enum! {
    /// EV charging state.
    pub enum ChargingState: u8 {
        /// `NOT_PLUGGED_IN`.
        NotPluggedIn = 0x00 => "NOT_PLUGGED_IN",
        /// `PLUGGED_IN_NO_DEMAND`.
        PluggedInNoDemand = 0x01 => "PLUGGED_IN_NO_DEMAND",
        /// `PLUGGED_IN_DEMAND`.
        PluggedInDemand = 0x02 => "PLUGGED_IN_DEMAND",
        /// `PLUGGED_IN_CHARGING`.
        PluggedInCharging = 0x03 => "PLUGGED_IN_CHARGING",
        /// `PLUGGED_IN_DISCHARGING`.
        PluggedInDischarging = 0x04 => "PLUGGED_IN_DISCHARGING",
        /// `SESSION_COMPLETE`.
        SessionComplete = 0x05 => "SESSION_COMPLETE",
        /// `FAULT`.
        Fault = 0x06 => "FAULT",
    }
}

wire_enum! {
    /// EV demand information mode.
    pub enum EVDemandMode: u8 {
        /// `NONE`.
        None = 0x00 => "NONE",
        /// `SINGLE_DEMAND`.
        SingleDemand = 0x01 => "SINGLE_DEMAND",
        /// `SCHEDULED`.
        Scheduled = 0x02 => "SCHEDULED",
        /// `DYNAMIC`.
        Dynamic = 0x03 => "DYNAMIC",
        /// `DYNAMIC_BIDIRECTIONAL`.
        DynamicBidirectional = 0x04 => "DYNAMIC_BIDIRECTIONAL",
    }
}

wire_enum! {
    /// Type of EV identification.
    pub enum EVIDType: u8 {
        /// `PCID`.
        Pcid = 0x00 => "PCID",
        /// `MAC_EUI48`.
        MacEui48 = 0x01 => "MAC_EUI48",
        /// `MAC_EUI64`.
        MacEui64 = 0x02 => "MAC_EUI64",
        /// `RFID`.
        Rfid = 0x03 => "RFID",
        /// `VIN`.
        Vin = 0x04 => "VIN",
        /// `CONTRACT_ID`.
        ContractId = 0x05 => "CONTRACT_ID",
        /// `EVCC_ID`.
        EvccId = 0x06 => "EVCC_ID",
        /// `OTHER`.
        Other = 0xff => "OTHER",
    }
}

wire_enum! {
    /// Charging optimization strategy.
    pub enum ChargingMode: u8 {
        /// `OFF`.
        Off = 0x00 => "OFF",
        /// `PV_SURPLUS_ONLY`.
        PvSurplusOnly = 0x01 => "PV_SURPLUS_ONLY",
        /// `PV_SURPLUS_THRESHOLD`.
        PvSurplusThreshold = 0x02 => "PV_SURPLUS_THRESHOLD",
        /// `PRICE_OPTIMIZED`.
        PriceOptimized = 0x03 => "PRICE_OPTIMIZED",
        /// `SCHEDULED`.
        Scheduled = 0x04 => "SCHEDULED",
    }
}

feature_table! {
    /// The ChargingSession table.
    pub static CHARGING_SESSION = FeatureType::ChargingSession, "ChargingSession";
    attributes {
        /// Current charging state.
        STATE = 0x0001 => A::new("state", U8).mandatory().default(DefaultValue::Uint(0x00)),
        /// Timestamp when EV connected.
        SESSION_START_TIME = 0x0003 => A::new("sessionStartTime", U64).nullable(),
        /// Timestamp when session ended.
        SESSION_END_TIME = 0x0004 => A::new("sessionEndTime", U64).nullable(),
        /// Energy delivered to EV this session (mWh).
        SESSION_ENERGY_CHARGED = 0x000a => A::new("sessionEnergyCharged", U64).default(DefaultValue::Uint(0)),
        /// Energy returned from EV (V2G) this session (mWh).
        SESSION_ENERGY_DISCHARGED = 0x000b => A::new("sessionEnergyDischarged", U64).default(DefaultValue::Uint(0)),
        /// List of EV identifiers.
        EV_IDENTIFICATIONS = 0x0014 => A::new("evIdentifications", Array).nullable(),
        /// Current EV state of charge (DEC-070 range: percent 0..100) (%).
        EV_STATE_OF_CHARGE = 0x001e => A::new("evStateOfCharge", U8).nullable().range(0, 100),
        /// EV battery capacity (mWh).
        EV_BATTERY_CAPACITY = 0x001f => A::new("evBatteryCapacity", U64).nullable(),
        /// Minimum SoC to charge ASAP (DEC-070 range: percent 0..100) (%).
        EV_MIN_STATE_OF_CHARGE = 0x0020 => A::new("evMinStateOfCharge", U8).nullable().range(0, 100),
        /// User-defined target SoC (DEC-070 range: percent 0..100) (%).
        EV_TARGET_STATE_OF_CHARGE = 0x0021 => A::new("evTargetStateOfCharge", U8).nullable().range(0, 100),
        /// EV demand information mode.
        EV_DEMAND_MODE = 0x0028 => A::new("evDemandMode", U8).default(DefaultValue::Uint(0x00)),
        /// Energy to minimum SoC (negative=can discharge) (mWh).
        EV_MIN_ENERGY_REQUEST = 0x0029 => A::new("evMinEnergyRequest", I64).nullable(),
        /// Energy to full charge (mWh).
        EV_MAX_ENERGY_REQUEST = 0x002a => A::new("evMaxEnergyRequest", I64).nullable(),
        /// Energy to target SoC (mWh).
        EV_TARGET_ENERGY_REQUEST = 0x002b => A::new("evTargetEnergyRequest", I64).nullable(),
        /// Timestamp when EV needs to leave.
        EV_DEPARTURE_TIME = 0x002c => A::new("evDepartureTime", U64).nullable(),
        /// Minimum discharge limit (must be <0) (mWh).
        EV_MIN_DISCHARGING_REQUEST = 0x0032 => A::new("evMinDischargingRequest", I64).nullable(),
        /// Maximum discharge limit (must be >=0) (mWh).
        EV_MAX_DISCHARGING_REQUEST = 0x0033 => A::new("evMaxDischargingRequest", I64).nullable(),
        /// Allow V2G below target SoC.
        EV_DISCHARGE_BELOW_TARGET_PERMITTED = 0x0034 => A::new("evDischargeBelowTargetPermitted", Bool).nullable(),
        /// Estimated time to reach minimum SoC (s).
        ESTIMATED_TIME_TO_MIN_SOC = 0x003c => A::new("estimatedTimeToMinSoC", U32).nullable(),
        /// Estimated time to reach target SoC (s).
        ESTIMATED_TIME_TO_TARGET_SOC = 0x003d => A::new("estimatedTimeToTargetSoC", U32).nullable(),
        /// Estimated time to full charge (s).
        ESTIMATED_TIME_TO_FULL_SOC = 0x003e => A::new("estimatedTimeToFullSoC", U32).nullable(),
        /// Active optimization strategy.
        CHARGING_MODE = 0x0046 => A::new("chargingMode", U8).default(DefaultValue::Uint(0x00)),
        /// Optimization modes EVSE supports.
        SUPPORTED_CHARGING_MODES = 0x0047 => A::new("supportedChargingModes", Array),
        /// Threshold for PV_SURPLUS_THRESHOLD mode (mW).
        SURPLUS_THRESHOLD = 0x0048 => A::new("surplusThreshold", I64).nullable(),
        /// Delay before (re)starting charge (s).
        START_DELAY = 0x0050 => A::new("startDelay", U32).default(DefaultValue::Uint(0)),
        /// Delay before pausing charge (s).
        STOP_DELAY = 0x0051 => A::new("stopDelay", U32).default(DefaultValue::Uint(0)),
    }
    commands {
        /// Set the optimization strategy.
        SET_CHARGING_MODE = 0x01 => C::new("setChargingMode", &[P::required("mode", U8), P::optional("surplusThreshold", I64), P::optional("startDelay", U32), P::optional("stopDelay", U32)]).mandatory(),
    }
}
