//! What the model triggers do to the data model (INTEROP.md Appendix A.2).
//!
//! Each change goes through `Device::set`, so subscribers are notified as
//! with the reference's notifying setter. controlState and processState
//! are written directly: the resolver is not involved.

use mash_core::cbor::Value;
use mash_core::interaction::Failure;
use mash_core::model::features::charging_session::{ChargingState, attr as cs};
use mash_core::model::features::energy_control::{
    ControlState, OptOutState, ProcessState, attr as ec,
};
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::{OperatingState, attr as st};
use mash_core::model::{AttributeId, Device, EndpointId, FeatureType};
use mash_core::wire::StatusCode;

use super::Trigger;

/// faultCode and faultMessage the Fault trigger sets.
pub const TEST_FAULT_CODE: u32 = 1;
/// See [`TEST_FAULT_CODE`].
pub const TEST_FAULT_MESSAGE: &str = "Test trigger fault";

/// The first endpoint carrying `ty` (ascending IDs; the reference takes
/// Go map order, which is endpoint 1 on its single-appliance devices).
fn first_with(device: &Device, ty: FeatureType) -> Result<EndpointId, Failure> {
    device
        .endpoints_with(ty)
        .next()
        .map(|e| e.id)
        .ok_or_else(|| Failure::new(StatusCode::InvalidCommand, "feature not found"))
}

/// Applies a model trigger (any trigger outside the DeviceInfo domain).
/// A missing feature or attribute fails with INVALID_COMMAND, as every
/// failed action does (Appendix A.1).
pub fn apply(device: &mut Device, trigger: Trigger, unix_now: u64) -> Result<(), Failure> {
    let Some(ty) = trigger.feature() else {
        return Err(Failure::new(
            StatusCode::InvalidCommand,
            "not a model trigger",
        ));
    };
    let ep = first_with(device, ty)?;
    let writes: Vec<(AttributeId, Value)> = match trigger {
        Trigger::Fault => vec![
            (st::OPERATING_STATE, OperatingState::Fault.value().into()),
            (st::FAULT_CODE, TEST_FAULT_CODE.into()),
            (st::FAULT_MESSAGE, TEST_FAULT_MESSAGE.into()),
        ],
        Trigger::ClearFault => vec![
            (st::OPERATING_STATE, OperatingState::Running.value().into()),
            (st::FAULT_CODE, 0u32.into()),
            (st::FAULT_MESSAGE, "".into()),
        ],
        Trigger::SetStandby => vec![(st::OPERATING_STATE, OperatingState::Standby.value().into())],
        Trigger::SetRunning => vec![(st::OPERATING_STATE, OperatingState::Running.value().into())],
        Trigger::SetPower100 => vec![(ms::AC_ACTIVE_POWER, 100_000i64.into())],
        Trigger::SetPower1000 => vec![(ms::AC_ACTIVE_POWER, 1_000_000i64.into())],
        Trigger::SetPowerZero => vec![(ms::AC_ACTIVE_POWER, 0i64.into())],
        Trigger::SetPowerCustom(mw) => vec![(ms::AC_ACTIVE_POWER, mw.into())],
        Trigger::SetSoc50 => vec![(ms::STATE_OF_CHARGE, 50u8.into())],
        Trigger::SetSoc100 => vec![(ms::STATE_OF_CHARGE, 100u8.into())],
        Trigger::ControlState(s) => vec![(ec::CONTROL_STATE, s.value().into())],
        Trigger::ProcessState(s) => vec![(ec::PROCESS_STATE, s.value().into())],
        Trigger::EvPlugIn => vec![
            (cs::SESSION_START_TIME, unix_now.into()),
            (cs::STATE, ChargingState::PluggedInNoDemand.value().into()),
        ],
        Trigger::EvUnplug => vec![
            (cs::SESSION_END_TIME, unix_now.into()),
            (cs::STATE, ChargingState::NotPluggedIn.value().into()),
        ],
        Trigger::EvRequestCharge => {
            vec![(cs::STATE, ChargingState::PluggedInDemand.value().into())]
        }
        Trigger::EnterCommissioningMode
        | Trigger::ExitCommissioningMode
        | Trigger::FactoryReset
        | Trigger::ResetTestState
        | Trigger::AdjustClock(_) => Vec::new(),
    };
    for (attr, value) in writes {
        device
            .set(ep, ty, attr, value)
            .map_err(|_| Failure::new(StatusCode::InvalidCommand, "attribute not supported"))?;
    }
    Ok(())
}

/// Step 1 of ResetTestState: on every endpoint, operatingState STANDBY
/// without fault, acActivePower 0, charging state NOT_PLUGGED_IN,
/// controlState AUTONOMOUS and processState NONE, wherever the endpoint
/// carries the attribute.
///
/// Beyond the reference, optOutState goes back to NONE: this device
/// honours it (energycontrol-feature.md §6.2), so an opt-out left by one
/// test would refuse every later test's commands.
pub fn reset_model(device: &mut Device) {
    let writes: [(FeatureType, AttributeId, Value); 8] = [
        (
            FeatureType::EnergyControl,
            ec::OPT_OUT_STATE,
            OptOutState::None.value().into(),
        ),
        (
            FeatureType::Status,
            st::OPERATING_STATE,
            OperatingState::Standby.value().into(),
        ),
        (FeatureType::Status, st::FAULT_CODE, 0u32.into()),
        (FeatureType::Status, st::FAULT_MESSAGE, "".into()),
        (FeatureType::Measurement, ms::AC_ACTIVE_POWER, 0i64.into()),
        (
            FeatureType::ChargingSession,
            cs::STATE,
            ChargingState::NotPluggedIn.value().into(),
        ),
        (
            FeatureType::EnergyControl,
            ec::CONTROL_STATE,
            ControlState::Autonomous.value().into(),
        ),
        (
            FeatureType::EnergyControl,
            ec::PROCESS_STATE,
            ProcessState::None.value().into(),
        ),
    ];
    let endpoints: Vec<EndpointId> = device.endpoints().iter().map(|e| e.id).collect();
    for ep in endpoints {
        for (ty, attr, value) in &writes {
            if device
                .feature(ep, *ty)
                .is_some_and(|f| f.supported(*attr).is_some())
            {
                // Supported and valid by construction.
                let _ = device.set(ep, *ty, *attr, value.clone());
            }
        }
    }
}
