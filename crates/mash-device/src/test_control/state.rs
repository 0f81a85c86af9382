//! getTestState (command 3): a text-keyed snapshot of the device's
//! test-relevant state (INTEROP.md Appendix A.1). Conformance runners take
//! one as a baseline before each test and diff the next one against it,
//! ignoring zones, timers, pairing and connection counts (A.4).
//!
//! Keys (snake_case, values as noted):
//!
//! | key | value |
//! |---|---|
//! | `zone_count` | uint |
//! | `zones` | array of `{"zone_id": text, "zone_type": uint, "connected": bool}` |
//! | `failsafe_timers` | array of `{"zone_id": text, "remaining_s": uint}` |
//! | `clock_offset_s` | int |
//! | `commissioning_open`, `auto_reentry`, `pairing_active` | bool |
//! | `operational_connections`, `pending_connections`, `pase_failures` | uint |
//! | `operating_state` | uint or null (Status of the first endpoint with it) |
//! | `control_state`, `process_state` | uint or null (EnergyControl) |
//! | `charging_state` | uint or null (ChargingSession) |
//! | `measurement_power` | int or null (acActivePower, mW) |
//!
//! The service fills [`TestState`]; the model-derived entries are read
//! from the device here.

use mash_core::cbor::{Map, Value};
use mash_core::ids::ZoneId;
use mash_core::model::features::charging_session::attr as cs;
use mash_core::model::features::energy_control::attr as ec;
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::attr as st;
use mash_core::model::{AttributeId, Device, FeatureType};
use mash_core::zone::ZoneType;

/// One zone as the service knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneEntry {
    /// The zone ID.
    pub zone_id: ZoneId,
    /// GRID, LOCAL or TEST.
    pub zone_type: ZoneType,
    /// Whether an operational session is up.
    pub connected: bool,
}

/// A running failsafe timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailsafeTimer {
    /// The zone it watches.
    pub zone_id: ZoneId,
    /// Seconds until it fires.
    pub remaining_s: u64,
}

/// The service-side state getTestState reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestState {
    /// Every zone, TEST included.
    pub zones: Vec<ZoneEntry>,
    /// Running failsafe timers.
    pub failsafe_timers: Vec<FailsafeTimer>,
    /// The AdjustClock offset in force, seconds.
    pub clock_offset_s: i64,
    /// Whether the commissioning window is open.
    pub commissioning_open: bool,
    /// Whether the window re-opens by itself when a connection drops.
    pub auto_reentry: bool,
    /// Whether the device listens for pairing requests.
    pub pairing_active: bool,
    /// Operational sessions up.
    pub operational_connections: u32,
    /// Connections not yet operational.
    pub pending_connections: u32,
    /// PASE failures in the current window (the backoff counter).
    pub pase_failures: u32,
}

/// The snapshot map for `state` and the model of `device`.
pub fn snapshot(device: &Device, state: &TestState) -> Map {
    let mut m = Map::new();
    m.insert("zone_count", state.zones.len() as u64);
    let zones: Vec<Value> = state
        .zones
        .iter()
        .map(|z| {
            let mut e = Map::new();
            e.insert("zone_id", z.zone_id.to_string());
            e.insert("zone_type", z.zone_type.value());
            e.insert("connected", z.connected);
            Value::Map(e)
        })
        .collect();
    m.insert("zones", zones);
    let timers: Vec<Value> = state
        .failsafe_timers
        .iter()
        .map(|t| {
            let mut e = Map::new();
            e.insert("zone_id", t.zone_id.to_string());
            e.insert("remaining_s", t.remaining_s);
            Value::Map(e)
        })
        .collect();
    m.insert("failsafe_timers", timers);
    m.insert("clock_offset_s", state.clock_offset_s);
    m.insert("commissioning_open", state.commissioning_open);
    m.insert("auto_reentry", state.auto_reentry);
    m.insert("pairing_active", state.pairing_active);
    m.insert("operational_connections", state.operational_connections);
    m.insert("pending_connections", state.pending_connections);
    m.insert("pase_failures", state.pase_failures);
    let model = [
        ("operating_state", FeatureType::Status, st::OPERATING_STATE),
        (
            "control_state",
            FeatureType::EnergyControl,
            ec::CONTROL_STATE,
        ),
        (
            "process_state",
            FeatureType::EnergyControl,
            ec::PROCESS_STATE,
        ),
        ("charging_state", FeatureType::ChargingSession, cs::STATE),
        (
            "measurement_power",
            FeatureType::Measurement,
            ms::AC_ACTIVE_POWER,
        ),
    ];
    for (key, ty, attr) in model {
        m.insert(key, first_value(device, ty, attr));
    }
    m
}

/// The attribute's value on the first endpoint carrying `ty`; null when
/// there is none.
fn first_value(device: &Device, ty: FeatureType, attr: AttributeId) -> Value {
    device
        .endpoints_with(ty)
        .next()
        .and_then(|e| e.feature(ty))
        .and_then(|f| f.get(attr))
        .cloned()
        .unwrap_or(Value::Null)
}
