//! The EV charger endpoint: 11 kW, three phases at 16 A, consumption only
//! (no V2X), with per-phase current limits and setpoints (EVC) and a
//! ChargingSession.

use mash_core::model::features::charging_session::{self, ChargingMode, attr as cs};
use mash_core::model::features::energy_control::DeviceType;
use mash_core::model::features::measurement::{self, attr as ms};
use mash_core::model::features::shared::{AsymmetricSupport, Direction};
use mash_core::model::{Endpoint, EndpointId, EndpointType, Feature};

use super::common::{self, Capabilities, Nameplate};
use super::feature_map::{CORE, EMOB, FLEX};

const BITS: u32 = CORE | FLEX | EMOB;

/// 3 × 16 A × 230 V ≈ 11 kW. The minimum is one phase at 6 A: the
/// simulated wallbox switches to one phase below the three-phase minimum
/// (3 × 6 A × 230 V = 4.14 kW), as wallboxes built for §14a EnWG do.
pub(super) const NAMEPLATE: Nameplate = Nameplate {
    phases: 3,
    directions: Direction::Consumption,
    max_consumption_mw: 11_000_000,
    max_production_mw: 0,
    min_power_mw: 1_380_000,
    max_current_ma: 16_000,
    min_current_ma: Some(6_000),
    asymmetric: AsymmetricSupport::None,
    capacity_mwh: None,
};

/// §14a EnWG: a controllable consumer must keep at least 4.2 kW.
const CAPABILITIES: Capabilities = Capabilities {
    device_type: DeviceType::Evse,
    bidirectional: false,
    current_limits: true,
    setpoints: true,
    current_setpoints: true,
    pausable: false,
    failsafe_consumption_mw: Some(4_200_000),
    failsafe_production_mw: None,
};

pub(super) fn endpoint(id: EndpointId) -> Endpoint {
    Endpoint::new(id, EndpointType::EvCharger)
        .with_label("charger")
        .with_feature(common::status())
        .with_feature(NAMEPLATE.electrical(BITS))
        .with_feature(measurement())
        .with_feature(CAPABILITIES.energy_control(BITS))
        .with_feature(charging_session())
        .with_feature(common::limit_source())
}

/// EV_CHARGER conformance: acActivePower mandatory; per-phase current and
/// voltage and acEnergyConsumed recommended (endpoint-conformance.yaml).
fn measurement() -> Feature {
    Feature::new(&measurement::MEASUREMENT)
        .with_attributes(&[
            ms::AC_ACTIVE_POWER,
            ms::AC_ACTIVE_POWER_PER_PHASE,
            ms::AC_CURRENT_PER_PHASE,
            ms::AC_VOLTAGE_PER_PHASE,
            ms::AC_FREQUENCY,
            ms::POWER_FACTOR,
            ms::AC_ENERGY_CONSUMED,
        ])
        .with_feature_map(BITS)
        .with_value(ms::AC_ACTIVE_POWER, 0i64)
        .with_value(ms::AC_ENERGY_CONSUMED, 0u64)
}

/// The session, SoC (EVC SOC_REPORTING) and demand (EVC EV_DEMAND)
/// attributes. The V2G discharge block is absent: this wallbox only
/// charges.
fn charging_session() -> Feature {
    Feature::new(&charging_session::CHARGING_SESSION)
        .with_attributes(&[
            cs::SESSION_START_TIME,
            cs::SESSION_END_TIME,
            cs::SESSION_ENERGY_CHARGED,
            cs::EV_IDENTIFICATIONS,
            cs::EV_STATE_OF_CHARGE,
            cs::EV_BATTERY_CAPACITY,
            cs::EV_MIN_STATE_OF_CHARGE,
            cs::EV_TARGET_STATE_OF_CHARGE,
            cs::EV_DEMAND_MODE,
            cs::EV_MIN_ENERGY_REQUEST,
            cs::EV_MAX_ENERGY_REQUEST,
            cs::EV_TARGET_ENERGY_REQUEST,
            cs::EV_DEPARTURE_TIME,
            cs::ESTIMATED_TIME_TO_MIN_SOC,
            cs::ESTIMATED_TIME_TO_TARGET_SOC,
            cs::ESTIMATED_TIME_TO_FULL_SOC,
            cs::CHARGING_MODE,
            cs::SUPPORTED_CHARGING_MODES,
            cs::START_DELAY,
            cs::STOP_DELAY,
        ])
        .with_feature_map(BITS)
        .with_value(
            cs::SUPPORTED_CHARGING_MODES,
            vec![mash_core::cbor::Value::from(ChargingMode::Off.value())],
        )
}
