//! The battery endpoint: 10 kWh behind a ±5 kW three-phase inverter,
//! following setpoints (COB) and limits in both directions (GPL).

use mash_core::model::features::energy_control::{ControlMode, DeviceType, attr as ec};
use mash_core::model::features::measurement::{self, attr as ms};
use mash_core::model::features::shared::{AsymmetricSupport, Direction};
use mash_core::model::{Endpoint, EndpointId, EndpointType, Feature};

use super::common::{self, Capabilities, Nameplate};
use super::feature_map::{BATTERY, CORE, FLEX};

const BITS: u32 = CORE | FLEX | BATTERY;

/// Usable capacity in mWh.
pub(super) const CAPACITY_MWH: i64 = 10_000_000;
/// State of charge at delivery.
pub(super) const INITIAL_SOC: u8 = 50;

/// ±5 kW, 3 × 8 A; symmetric (the inverter balances its phases).
pub(super) const NAMEPLATE: Nameplate = Nameplate {
    phases: 3,
    directions: Direction::Bidirectional,
    max_consumption_mw: 5_000_000,
    max_production_mw: 5_000_000,
    min_power_mw: 0,
    max_current_ma: 8_000,
    min_current_ma: None,
    asymmetric: AsymmetricSupport::None,
    capacity_mwh: Some(CAPACITY_MWH),
};

/// Charging from the grid is a §14a EnWG controllable consumption
/// (4.2 kW kept); feed-in stays unrestricted in failsafe (null).
const CAPABILITIES: Capabilities = Capabilities {
    device_type: DeviceType::Battery,
    bidirectional: true,
    current_limits: true,
    setpoints: true,
    current_setpoints: true,
    pausable: false,
    failsafe_consumption_mw: Some(4_200_000),
    failsafe_production_mw: None,
};

pub(super) fn endpoint(id: EndpointId) -> Endpoint {
    Endpoint::new(id, EndpointType::Battery)
        .with_label("battery")
        .with_feature(common::status())
        .with_feature(NAMEPLATE.electrical(BITS))
        .with_feature(measurement())
        .with_feature(energy_control())
        .with_feature(common::limit_source())
}

/// BATTERY conformance: dcPower and stateOfCharge mandatory, the DC and
/// battery-state block recommended; the AC side is what the grid sees.
fn measurement() -> Feature {
    let soe = CAPACITY_MWH.unsigned_abs() * u64::from(INITIAL_SOC) / 100;
    Feature::new(&measurement::MEASUREMENT)
        .with_attributes(&[
            ms::AC_ACTIVE_POWER,
            ms::AC_CURRENT_PER_PHASE,
            ms::AC_VOLTAGE_PER_PHASE,
            ms::AC_FREQUENCY,
            ms::POWER_FACTOR,
            ms::AC_ENERGY_CONSUMED,
            ms::AC_ENERGY_PRODUCED,
            ms::DC_POWER,
            ms::DC_CURRENT,
            ms::DC_VOLTAGE,
            ms::DC_ENERGY_IN,
            ms::DC_ENERGY_OUT,
            ms::STATE_OF_CHARGE,
            ms::STATE_OF_HEALTH,
            ms::STATE_OF_ENERGY,
            ms::USEABLE_CAPACITY,
            ms::CYCLE_COUNT,
            ms::TEMPERATURE,
        ])
        .with_feature_map(BITS)
        .with_value(ms::AC_ACTIVE_POWER, 0i64)
        .with_value(ms::AC_ENERGY_CONSUMED, 0u64)
        .with_value(ms::AC_ENERGY_PRODUCED, 0u64)
        .with_value(ms::DC_POWER, 0i64)
        .with_value(ms::DC_ENERGY_IN, 0u64)
        .with_value(ms::DC_ENERGY_OUT, 0u64)
        .with_value(ms::STATE_OF_CHARGE, INITIAL_SOC)
        .with_value(ms::STATE_OF_HEALTH, 100u8)
        .with_value(ms::STATE_OF_ENERGY, soe)
        .with_value(ms::USEABLE_CAPACITY, CAPACITY_MWH.unsigned_abs())
        .with_value(ms::CYCLE_COUNT, 0u32)
}

/// COB CONTROL_MODE: setpoints target the battery itself.
fn energy_control() -> Feature {
    CAPABILITIES
        .energy_control(BITS)
        .with_attributes(&[ec::CONTROL_MODE])
        .with_value(ec::CONTROL_MODE, ControlMode::Direct.value())
}
