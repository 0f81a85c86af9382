//! The heat pump endpoint: a modulating 4 kW single-phase compressor that
//! accepts limits and can be paused (OHPCF process lifecycle, DEC-075).

use mash_core::model::features::energy_control::{DeviceType, attr as ec};
use mash_core::model::features::measurement::{self, attr as ms};
use mash_core::model::features::shared::{AsymmetricSupport, Direction};
use mash_core::model::{Endpoint, EndpointId, EndpointType, Feature};

use super::common::{self, Capabilities, Nameplate};
use super::feature_map::{CORE, FLEX, PROCESS};

const BITS: u32 = CORE | FLEX | PROCESS;

/// 4 kW electrical at full speed, 1.2 kW at the lowest compressor speed.
pub(super) const NAMEPLATE: Nameplate = Nameplate {
    phases: 1,
    directions: Direction::Consumption,
    max_consumption_mw: 4_000_000,
    max_production_mw: 0,
    min_power_mw: 1_200_000,
    max_current_ma: 20_000,
    min_current_ma: None,
    asymmetric: AsymmetricSupport::None,
    capacity_mwh: None,
};

/// §14a EnWG keeps 4.2 kW for a controllable heat pump, above this one's
/// nameplate: losing the controller does not restrict it.
const CAPABILITIES: Capabilities = Capabilities {
    device_type: DeviceType::HeatPump,
    bidirectional: false,
    current_limits: false,
    setpoints: false,
    current_setpoints: false,
    pausable: true,
    failsafe_consumption_mw: Some(4_200_000),
    failsafe_production_mw: None,
};

/// Compressor protection: run at least 10 min, rest at least 5 min, and
/// accept a pause of at most 2 h.
const MIN_RUN_S: u32 = 600;
const MIN_PAUSE_S: u32 = 300;
const MAX_PAUSE_S: u32 = 7200;
/// Typical running power announced for the process.
const PROCESS_POWER_MW: i64 = 2_500_000;

pub(super) fn endpoint(id: EndpointId) -> Endpoint {
    Endpoint::new(id, EndpointType::HeatPump)
        .with_label("heat pump")
        .with_feature(common::status())
        .with_feature(NAMEPLATE.electrical(CORE | FLEX))
        .with_feature(measurement())
        .with_feature(energy_control())
        .with_feature(common::limit_source())
}

/// HEAT_PUMP conformance: acActivePower mandatory; acEnergyConsumed and
/// temperature recommended.
fn measurement() -> Feature {
    Feature::new(&measurement::MEASUREMENT)
        .with_attributes(&[
            ms::AC_ACTIVE_POWER,
            ms::AC_CURRENT_PER_PHASE,
            ms::AC_VOLTAGE_PER_PHASE,
            ms::AC_FREQUENCY,
            ms::POWER_FACTOR,
            ms::AC_ENERGY_CONSUMED,
            ms::TEMPERATURE,
        ])
        .with_feature_map(CORE | FLEX)
        .with_value(ms::AC_ACTIVE_POWER, 0i64)
        .with_value(ms::AC_ENERGY_CONSUMED, 0u64)
}

/// OHPCF BASE: the process attributes next to the limit set.
fn energy_control() -> Feature {
    CAPABILITIES
        .energy_control(BITS)
        .with_attributes(&[
            ec::OPTIONAL_PROCESS,
            ec::MIN_RUN_DURATION,
            ec::MIN_PAUSE_DURATION,
            ec::MAX_RUN_DURATION,
            ec::MAX_PAUSE_DURATION,
            ec::OPTIONAL_PROCESS_POWER,
        ])
        .with_value(ec::OPTIONAL_PROCESS, true)
        .with_value(ec::MIN_RUN_DURATION, MIN_RUN_S)
        .with_value(ec::MIN_PAUSE_DURATION, MIN_PAUSE_S)
        .with_value(ec::MAX_PAUSE_DURATION, MAX_PAUSE_S)
        .with_value(ec::OPTIONAL_PROCESS_POWER, PROCESS_POWER_MW)
}
