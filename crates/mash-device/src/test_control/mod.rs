//! The TestControl feature (0x0A, endpoint 0) as conformance tools use it
//! (INTEROP.md Appendix A.1, A.2).
//!
//! [`handle`] runs commands 1-3 against the data model: it checks the
//! request in the order Appendix A.1 fixes, applies model triggers to the
//! first endpoint with the trigger's feature, and hands device-level work
//! (commissioning window, factory reset, test-state reset, clock offset)
//! back to the service as an [`Action`], because those touch zones,
//! sessions and timers this module does not own.
//!
//! Parameters arrive text-keyed (INTEROP.md §6.5) and unchecked by the
//! dispatcher (the table marks them so): the checks here are the only
//! ones.
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod apply;
mod key;
mod state;
mod trigger;

use core::time::Duration;

use mash_core::cbor::{Map, Value};
use mash_core::interaction::{Caller, Failure};
use mash_core::model::features::test_control::{self, attr, cmd};
use mash_core::model::{CommandId, Device, Feature};
use mash_core::wire::StatusCode;
use mash_core::zone::ZoneType;

pub use apply::{TEST_FAULT_CODE, TEST_FAULT_MESSAGE};
pub use key::{EnableKey, InvalidEnableKey};
pub use state::{FailsafeTimer, TestState, ZoneEntry, snapshot};
pub use trigger::Trigger;

/// Shortest commissioning window setCommissioningWindowDuration accepts.
pub const MIN_WINDOW: Duration = Duration::from_secs(3);
/// Longest commissioning window setCommissioningWindowDuration accepts.
pub const MAX_WINDOW: Duration = Duration::from_secs(10_800);

/// The TestControl instance for endpoint 0. `triggers_enabled` must be
/// true iff the device has a valid [`EnableKey`]: with it the device
/// accepts commands 1-3; without it commands 1 and 2 exist but only
/// answer `{"success": false}`, and getTestState (3) does not exist.
pub fn feature(triggers_enabled: bool) -> Feature {
    let commands: &[CommandId] = if triggers_enabled {
        &[
            cmd::TRIGGER_TEST_EVENT,
            cmd::SET_COMMISSIONING_WINDOW_DURATION,
            cmd::GET_TEST_STATE,
        ]
    } else {
        &[
            cmd::TRIGGER_TEST_EVENT,
            cmd::SET_COMMISSIONING_WINDOW_DURATION,
        ]
    };
    Feature::new(&test_control::TEST_CONTROL)
        .with_commands(commands)
        .with_feature_map(crate::models::feature_map::CORE)
        .with_value(attr::TEST_EVENT_TRIGGERS_ENABLED, triggers_enabled)
}

/// Device-level work a command asks of the service (Appendix A.2). Once
/// it is done the service sends the response; if it fails, the service
/// answers INVALID_COMMAND (4) instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the commissioning window (ALPN gate, `_mash-comm._tcp`, PASE
    /// backoff reset); restart its timer if it is already open.
    EnterCommissioningMode,
    /// Close the window (gate and mDNS); suppress the automatic re-entry
    /// on disconnect for 3 s.
    ExitCommissioningMode,
    /// RemoveZone on every zone, the caller's TEST zone included; the
    /// window re-opens; attributes stay. The response may be lost.
    FactoryReset,
    /// The service's part of ResetTestState, steps 2-9: remove non-TEST
    /// zones without a session, reset all limits (effective* null,
    /// AUTONOMOUS), clock offset 0, exit the window and restore the
    /// configured duration, then re-enter it, clear PASE backoff, cooldown
    /// and commissioning lock, reset failsafe timers and close
    /// pre-operational connections, clear the auto-re-entry flag and every
    /// session's subscriptions, restart pairing-request listening. Step 1
    /// (the model) is already done when this is returned.
    ResetTestState,
    /// Set the clock offset used to validate operational client
    /// certificates (replaces the previous offset; reset by
    /// ResetTestState and by every successful PASE).
    AdjustClock {
        /// Seconds added to real time.
        offset_s: i32,
    },
    /// Make this the commissioning window duration (already clamped to
    /// [`MIN_WINDOW`]..=[`MAX_WINDOW`]); an open window's timer restarts
    /// from now.
    SetCommissioningWindowDuration(Duration),
}

/// `{"success": ok}`.
fn success(ok: bool) -> Map {
    let mut result = Map::new();
    result.insert("success", ok);
    result
}

/// Runs TestControl command `command` for `caller`.
///
/// `enable_key` is the device's key (`None`: triggers disabled);
/// `unix_now` timestamps EV plug triggers; `state` feeds getTestState.
/// Returns the text-keyed result map (`{"success": bool}` for commands 1
/// and 2, the snapshot for 3) and the work left for the service.
///
/// Checks, in order (Appendix A.1):
///
/// 1. an unknown command, or getTestState without a key: INVALID_COMMAND;
/// 2. a missing parameter: INVALID_PARAMETER;
/// 3. no key on the device: status 0 `{"success": false}` to any zone;
/// 4. a caller zone other than TEST: NOT_AUTHORIZED, before the key check;
/// 5. a wrong or non-text `enableKey`: INVALID_COMMAND "invalid enable key";
/// 6. an unknown opcode (a non-uint `eventTrigger` counts as 0), a missing
///    feature or attribute: INVALID_COMMAND.
pub fn handle(
    device: &mut Device,
    caller: &Caller,
    enable_key: Option<&EnableKey>,
    command: CommandId,
    params: &Map,
    unix_now: u64,
    state: &TestState,
) -> Result<(Map, Option<Action>), Failure> {
    let required: &[&str] = match command {
        cmd::TRIGGER_TEST_EVENT => &["enableKey", "eventTrigger"],
        cmd::SET_COMMISSIONING_WINDOW_DURATION => &["enableKey", "durationSeconds"],
        cmd::GET_TEST_STATE if enable_key.is_some() => &["enableKey"],
        _ => return Err(StatusCode::InvalidCommand.into()),
    };
    // §6.5: presence only; a null or mistyped value is handled below.
    if let Some(missing) = required.iter().find(|p| params.get_text(p).is_none()) {
        return Err(Failure::new(
            StatusCode::InvalidParameter,
            format!("missing required parameter: {missing}"),
        ));
    }
    let Some(key) = enable_key else {
        // The reference registers no handler without a key.
        return Ok((success(false), None));
    };
    if caller.zone_type != ZoneType::Test {
        return Err(Failure::new(
            StatusCode::NotAuthorized,
            "TestControl requires a TEST zone",
        ));
    }
    let key_ok = params
        .get_text("enableKey")
        .and_then(Value::as_str)
        .is_some_and(|k| key.matches(k));
    if !key_ok {
        return Err(Failure::new(
            StatusCode::InvalidCommand,
            "invalid enable key",
        ));
    }
    match command {
        cmd::TRIGGER_TEST_EVENT => trigger(device, params, unix_now),
        cmd::SET_COMMISSIONING_WINDOW_DURATION => Ok(window_duration(params)),
        _ => Ok((snapshot(device, state), None)),
    }
}

fn trigger(
    device: &mut Device,
    params: &Map,
    unix_now: u64,
) -> Result<(Map, Option<Action>), Failure> {
    let opcode = params
        .get_text("eventTrigger")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let Some(trigger) = Trigger::decode(opcode) else {
        return Err(Failure::new(
            StatusCode::InvalidCommand,
            format!("unknown event trigger {opcode:#018x}"),
        ));
    };
    tracing::info!(?trigger, "test event trigger");
    let action = match trigger {
        Trigger::EnterCommissioningMode => Action::EnterCommissioningMode,
        Trigger::ExitCommissioningMode => Action::ExitCommissioningMode,
        Trigger::FactoryReset => Action::FactoryReset,
        Trigger::ResetTestState => {
            apply::reset_model(device);
            Action::ResetTestState
        }
        Trigger::AdjustClock(offset_s) => Action::AdjustClock { offset_s },
        model => {
            apply::apply(device, model, unix_now)?;
            return Ok((success(true), None));
        }
    };
    Ok((success(true), Some(action)))
}

/// A non-uint `durationSeconds` counts as 0, as an absent value does in
/// the reference's handlers (§6.5), and is then clamped like any other.
fn window_duration(params: &Map) -> (Map, Option<Action>) {
    let secs = params
        .get_text("durationSeconds")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let duration = Duration::from_secs(secs).clamp(MIN_WINDOW, MAX_WINDOW);
    (
        success(true),
        Some(Action::SetCommissioningWindowDuration(duration)),
    )
}

#[cfg(test)]
mod tests;
