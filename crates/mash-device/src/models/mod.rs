//! Device models: the data model a simulated EVSE, heat pump or battery
//! exposes (INTEROP.md §7, `features/*/1.0.yaml`,
//! `features/endpoint-conformance.yaml`, `usecases/1.0/*.yaml`).
//!
//! Every model has two endpoints:
//!
//! - 0, DEVICE_ROOT: DeviceInfo (identity, specVersion "1.0", the
//!   endpoint structure, the use cases) and, on request, TestControl;
//! - 1 ([`APPLIANCE_ENDPOINT`]), typed EV_CHARGER, HEAT_PUMP or BATTERY:
//!   Status, Electrical (the nameplate), Measurement (idle values until an
//!   [`appliance`](crate::appliance) drives it), EnergyControl (capability
//!   flags and failsafe defaults), LimitSource, and for the EVSE
//!   ChargingSession.
//!
//! The models only describe; limits and setpoints are resolved by
//! `mash_core::energy::EnergyControl`, and measurements come from the
//! simulated appliances.
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod battery;
mod common;
mod evse;
pub mod feature_map;
mod heat_pump;
mod identity;
mod kind;
mod root;
pub mod use_cases;

use mash_core::model::{Device, EndpointId};

pub use identity::{Identity, SIM_VENDOR_ID};
pub use kind::{DeviceKind, UnknownKind};

/// The endpoint carrying the appliance in every model.
pub const APPLIANCE_ENDPOINT: EndpointId = 1;

/// Choices that change a model's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelOptions {
    /// Adds TestControl (0x0A) on endpoint 0 (INTEROP.md Appendix A.1),
    /// for conformance runs.
    pub test_control: bool,
    /// TestControl's `testEventTriggersEnabled`: true iff the device has a
    /// valid enable key. Without one the reference still carries the
    /// feature, answering commands 1 and 2 with `{"success": false}`.
    pub test_triggers_enabled: bool,
}

impl Default for ModelOptions {
    /// No TestControl; triggers enabled if TestControl is switched on.
    fn default() -> Self {
        Self {
            test_control: false,
            test_triggers_enabled: true,
        }
    }
}

/// The data model of a `kind` device identified by `identity`.
pub fn build(kind: DeviceKind, identity: &Identity, options: ModelOptions) -> Device {
    let appliance = match kind {
        DeviceKind::Evse => evse::endpoint(APPLIANCE_ENDPOINT),
        DeviceKind::HeatPump => heat_pump::endpoint(APPLIANCE_ENDPOINT),
        DeviceKind::Battery => battery::endpoint(APPLIANCE_ENDPOINT),
    };
    Device::new(vec![root::endpoint(kind, identity, &options), appliance])
}

#[cfg(test)]
mod tests;
