//! EnergyControl commands and `my*`/failsafe writes
//! (features/energy-control.md "Commands", INTEROP.md §7).
//!
//! Parameters and results are text-keyed, as the reference sends them.

use alloc::format;
use alloc::vec::Vec;
use core::time::Duration;

use super::control::{EnergyControl, Entry};
use super::kind::{Amount, Kind, PHASES};
use crate::cbor::{Key, Map, Value};
use crate::interaction::{Caller, Failure};
use crate::model::features::electrical;
use crate::model::features::energy_control::{
    ControlState, LimitCause, LimitRejectReason, ProcessState, attr as ec, cmd,
};
use crate::model::features::shared::Direction;
use crate::model::{AttributeId, CommandId, Device, EndpointId, FeatureType};
use crate::time::Instant;
use crate::wire::StatusCode;
use crate::zone::ZoneType;

fn int(params: &Map, name: &str) -> Result<Option<i64>, Failure> {
    match params.get_text(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| {
            Failure::new(StatusCode::InvalidParameter, "invalid command parameters")
        }),
    }
}

fn flag(device: &Device, ep: EndpointId, attr: AttributeId) -> bool {
    device
        .get(ep, FeatureType::EnergyControl, attr)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Adds each non-null effective value to a command result under `key`.
fn add_effective(m: &mut Map, device: &Device, ep: EndpointId, entries: &[(&str, AttributeId)]) {
    for (key, attr) in entries {
        if let Some(v) = device
            .get(ep, FeatureType::EnergyControl, *attr)
            .filter(|v| !v.is_null())
        {
            m.insert(*key, v.clone());
        }
    }
}

/// Cause and timing shared by the values one command sets.
#[derive(Clone, Copy)]
struct Stamp {
    cause: u8,
    set_at: Instant,
    expires: Option<Instant>,
}

fn success() -> Map {
    let mut m = Map::new();
    m.insert("success", true);
    m
}

/// `direction` parameter: absent or BIDIRECTIONAL means both.
fn directions(params: &Map) -> Result<&'static [Direction], Failure> {
    match int(params, "direction")? {
        None => Ok(&[Direction::Consumption, Direction::Production]),
        Some(0) => Ok(&[Direction::Consumption]),
        Some(1) => Ok(&[Direction::Production]),
        Some(2) => Ok(&[Direction::Consumption, Direction::Production]),
        Some(_) => Err(Failure::new(
            StatusCode::ConstraintError,
            "invalid direction",
        )),
    }
}

/// `phases` parameter: `{Phase: mA or null}`, Phase as an integer key
/// (or its decimal text, as text-keyed encoders produce it). Per phase:
/// `None` not mentioned, `Some(None)` an explicit null, `Some(Some(mA))`.
fn phases(params: &Map) -> Result<[Option<Option<i64>>; PHASES], Failure> {
    let bad = || Failure::new(StatusCode::InvalidParameter, "invalid phases");
    let map = params
        .get_text("phases")
        .and_then(Value::as_map)
        .ok_or_else(bad)?;
    let mut out = [None; PHASES];
    for (k, v) in map.iter() {
        let phase = match k {
            Key::Uint(n) => usize::try_from(*n).ok(),
            Key::Text(t) => t.parse::<usize>().ok(),
            Key::Nint(_) => None,
        };
        let slot = phase.and_then(|p| out.get_mut(p)).ok_or_else(bad)?;
        *slot = Some(match v {
            Value::Null => None,
            v => Some(v.as_i64().ok_or_else(bad)?),
        });
    }
    if out.iter().flatten().flatten().any(|v| *v < 0) {
        return Err(Failure::new(
            StatusCode::ConstraintError,
            "current must not be negative",
        ));
    }
    Ok(out)
}

impl EnergyControl {
    fn expiry(&self, params: &Map, now: Instant) -> Result<Option<Instant>, Failure> {
        match int(params, "duration")? {
            None | Some(0) => Ok(None),
            Some(s)
                if s < 0 || Duration::from_secs(s.unsigned_abs()) > self.config.max_duration =>
            {
                Err(Failure::new(
                    StatusCode::ConstraintError,
                    "duration out of range",
                ))
            }
            Some(s) => Ok(Some(now + Duration::from_secs(s.unsigned_abs()))),
        }
    }

    fn control_state_of(&self, device: &Device, ep: EndpointId) -> u8 {
        device
            .get(ep, FeatureType::EnergyControl, ec::CONTROL_STATE)
            .and_then(Value::as_u64)
            .map_or(0, |v| v as u8)
    }

    /// Makes sure the caller's zone is known (a connection implies it is
    /// connected).
    fn admit(&mut self, device: &mut Device, caller: &Caller, now: Instant) {
        if self.zones.get(&caller.zone_id).is_none() {
            self.add_zone(device, caller.zone_id, caller.zone_type, now);
            self.zone_connected(device, &caller.zone_id, now);
        }
    }

    /// Sets (or, for `None`, clears) the caller's values, then re-resolves.
    fn set_entries(
        &mut self,
        device: &mut Device,
        caller: &Caller,
        ep: EndpointId,
        values: &[(Kind, Option<Amount>)],
        stamp: Stamp,
    ) {
        let Stamp {
            cause,
            set_at,
            expires,
        } = stamp;
        if let Some(e) = self.endpoint_mut(ep) {
            for (kind, amount) in values {
                match amount {
                    Some(amount) => {
                        let entry = Entry {
                            amount: *amount,
                            cause,
                            set_at,
                            expires,
                        };
                        e.set(caller.zone_id, *kind, entry);
                    }
                    None => e.clear(&caller.zone_id, *kind),
                }
            }
        }
        self.apply(device, set_at);
    }

    /// Runs an EnergyControl command for `caller`.
    pub fn invoke(
        &mut self,
        device: &mut Device,
        caller: &Caller,
        ep: EndpointId,
        command: CommandId,
        params: &Map,
        now: Instant,
    ) -> Result<Map, Failure> {
        if self.endpoint(ep).is_none() {
            return Err(StatusCode::InvalidFeature.into());
        }
        self.admit(device, caller, now);
        // energycontrol-feature.md §6.2 (TC-CTRL-008): an opted-out zone's
        // commands are refused; clearing its own values stays possible.
        let clears = matches!(
            command,
            cmd::CLEAR_LIMIT
                | cmd::CLEAR_CURRENT_LIMITS
                | cmd::CLEAR_SETPOINT
                | cmd::CLEAR_CURRENT_SETPOINTS
        );
        if !clears && Self::opted_out(device, ep, caller.zone_type) {
            if command == cmd::SET_LIMIT {
                // The user's opt-out overrides the zone (DEC-026 calls
                // OptOut the user override).
                let mut m = Map::new();
                m.insert("applied", false);
                m.insert("controlState", self.control_state_of(device, ep));
                m.insert("rejectReason", LimitRejectReason::DeviceOverride.value());
                return Ok(m);
            }
            return Err(Failure::new(
                StatusCode::NotAuthorized,
                "zone opted out of external control",
            ));
        }
        match command {
            cmd::SET_LIMIT => self.set_limit(device, caller, ep, params, now),
            cmd::CLEAR_LIMIT => self.clear(device, caller, ep, params, now, 0),
            cmd::SET_CURRENT_LIMITS => self.set_currents(
                device,
                caller,
                ep,
                params,
                now,
                ec::ACCEPTS_CURRENT_LIMITS,
                1,
            ),
            cmd::CLEAR_CURRENT_LIMITS => self.clear(device, caller, ep, params, now, 1),
            cmd::SET_SETPOINT => self.set_setpoint(device, caller, ep, params, now),
            cmd::CLEAR_SETPOINT => self.clear(device, caller, ep, params, now, 2),
            cmd::SET_CURRENT_SETPOINTS => self.set_currents(
                device,
                caller,
                ep,
                params,
                now,
                ec::ACCEPTS_CURRENT_SETPOINTS,
                3,
            ),
            cmd::CLEAR_CURRENT_SETPOINTS => self.clear(device, caller, ep, params, now, 3),
            cmd::PAUSE | cmd::RESUME | cmd::STOP => self.process(device, ep, command, params, now),
            _ => Err(StatusCode::InvalidCommand.into()),
        }
    }

    /// SetLimit with the enhanced response (LPC/LPP).
    fn set_limit(
        &mut self,
        device: &mut Device,
        caller: &Caller,
        ep: EndpointId,
        params: &Map,
        now: Instant,
    ) -> Result<Map, Failure> {
        let cause = int(params, "cause")?.unwrap_or(0) as u8;
        let consumption = int(params, "consumptionLimit")?;
        let production = int(params, "productionLimit")?;
        let expires = self.expiry(params, now)?;
        let reject = |this: &Self, device: &Device, reason: LimitRejectReason| {
            let mut m = Map::new();
            m.insert("applied", false);
            m.insert("controlState", this.control_state_of(device, ep));
            m.insert("rejectReason", reason.value());
            m
        };
        if !flag(device, ep, ec::ACCEPTS_LIMITS) {
            return Ok(reject(self, device, LimitRejectReason::NotSupported));
        }
        // OVERRIDE entered by the device, or written into controlState
        // directly (a TestControl ControlState trigger, INTEROP.md A.2),
        // refuses new limits as the reference does.
        let overridden = self.endpoint(ep).is_some_and(|e| e.override_.is_some())
            || self.control_state_of(device, ep) == ControlState::Override.value();
        if overridden {
            return Ok(reject(self, device, LimitRejectReason::DeviceOverride));
        }
        if consumption.is_some_and(|v| v < 0) || production.is_some_and(|v| v < 0) {
            return Ok(reject(self, device, LimitRejectReason::InvalidValue));
        }
        // An energy manager's contract (LPC/LPP, energy-control.md
        // "Contractual vs Nominal Limits"): a limit above it cannot be
        // honoured as asked.
        let above_contract = [
            (consumption, ec::CONTRACTUAL_CONSUMPTION_MAX),
            (production, ec::CONTRACTUAL_PRODUCTION_MAX),
        ]
        .into_iter()
        .any(|(value, attr)| {
            let max = device
                .get(ep, FeatureType::EnergyControl, attr)
                .and_then(Value::as_i64);
            matches!((value, max), (Some(v), Some(max)) if v > max)
        });
        if above_contract {
            return Ok(reject(self, device, LimitRejectReason::AboveContractual));
        }
        for (name, value, attr) in [
            (
                "consumptionLimit",
                consumption,
                electrical::attr::NOMINAL_MAX_CONSUMPTION,
            ),
            (
                "productionLimit",
                production,
                electrical::attr::NOMINAL_MAX_PRODUCTION,
            ),
        ] {
            let max = device
                .get(ep, FeatureType::Electrical, attr)
                .and_then(Value::as_i64)
                .filter(|m| *m > 0);
            if let (Some(v), Some(max)) = (value, max) {
                if v > max {
                    return Err(Failure::new(
                        StatusCode::ConstraintError,
                        format!("{name} {v} mW exceeds device maximum {max} mW"),
                    ));
                }
            }
        }
        let values: &[(Kind, Option<Amount>)] = match (consumption, production) {
            // Neither: this zone's limits are cleared.
            (None, None) => &[
                (Kind::ConsumptionLimit, None),
                (Kind::ProductionLimit, None),
            ],
            (Some(c), None) => &[(Kind::ConsumptionLimit, Some(Amount::Power(c)))],
            (None, Some(p)) => &[(Kind::ProductionLimit, Some(Amount::Power(p)))],
            (Some(c), Some(p)) => &[
                (Kind::ConsumptionLimit, Some(Amount::Power(c))),
                (Kind::ProductionLimit, Some(Amount::Power(p))),
            ],
        };
        let values = values.to_vec();
        self.set_entries(
            device,
            caller,
            ep,
            &values,
            Stamp {
                cause,
                set_at: now,
                expires,
            },
        );
        let mut m = Map::new();
        m.insert("applied", true);
        m.insert("controlState", self.control_state_of(device, ep));
        add_effective(
            &mut m,
            device,
            ep,
            &[
                ("effectiveConsumptionLimit", ec::EFFECTIVE_CONSUMPTION_LIMIT),
                ("effectiveProductionLimit", ec::EFFECTIVE_PRODUCTION_LIMIT),
            ],
        );
        Ok(m)
    }

    fn set_setpoint(
        &mut self,
        device: &mut Device,
        caller: &Caller,
        ep: EndpointId,
        params: &Map,
        now: Instant,
    ) -> Result<Map, Failure> {
        if !flag(device, ep, ec::ACCEPTS_SETPOINTS) {
            return Err(StatusCode::Unsupported.into());
        }
        let cause = int(params, "cause")?.unwrap_or(0) as u8;
        let consumption = int(params, "consumptionSetpoint")?;
        let production = int(params, "productionSetpoint")?;
        if consumption.is_some_and(|v| v < 0) || production.is_some_and(|v| v < 0) {
            return Err(Failure::new(
                StatusCode::ConstraintError,
                "setpoint must not be negative",
            ));
        }
        let expires = self.expiry(params, now)?;
        let mut values = Vec::new();
        if let Some(c) = consumption {
            values.push((Kind::ConsumptionSetpoint, Some(Amount::Power(c))));
        }
        if let Some(p) = production {
            values.push((Kind::ProductionSetpoint, Some(Amount::Power(p))));
        }
        self.set_entries(
            device,
            caller,
            ep,
            &values,
            Stamp {
                cause,
                set_at: now,
                expires,
            },
        );
        let mut m = success();
        add_effective(
            &mut m,
            device,
            ep,
            &[
                (
                    "effectiveConsumptionSetpoint",
                    ec::EFFECTIVE_CONSUMPTION_SETPOINT,
                ),
                (
                    "effectiveProductionSetpoint",
                    ec::EFFECTIVE_PRODUCTION_SETPOINT,
                ),
            ],
        );
        Ok(m)
    }

    /// SetCurrentLimits (slot 1) and SetCurrentSetpoints (slot 3).
    #[allow(clippy::too_many_arguments)]
    fn set_currents(
        &mut self,
        device: &mut Device,
        caller: &Caller,
        ep: EndpointId,
        params: &Map,
        now: Instant,
        gate: AttributeId,
        slot: usize,
    ) -> Result<Map, Failure> {
        if !flag(device, ep, gate) {
            return Err(StatusCode::Unsupported.into());
        }
        let direction = match int(params, "direction")? {
            Some(0) => Direction::Consumption,
            Some(1) => Direction::Production,
            _ => {
                return Err(Failure::new(
                    StatusCode::ConstraintError,
                    "direction must be CONSUMPTION or PRODUCTION",
                ));
            }
        };
        let kind = Kind::of(direction)
            .get(slot)
            .copied()
            .ok_or(Failure::from(StatusCode::InvalidCommand))?;
        let cause = int(params, "cause")?.unwrap_or(0) as u8;
        let given = phases(params)?;
        let expires = self.expiry(params, now)?;
        // multi-zone-resolution.md §4.3: an explicit null clears that
        // phase; phases not mentioned keep this zone's previous value.
        let mut currents = self
            .entry(ep, &caller.zone_id, kind)
            .and_then(|e| e.amount.phases())
            .unwrap_or([None; PHASES]);
        for (slot, new) in currents.iter_mut().zip(given) {
            if let Some(new) = new {
                *slot = new;
            }
        }
        let amount = currents
            .iter()
            .any(Option::is_some)
            .then_some(Amount::Phases(currents));
        self.set_entries(
            device,
            caller,
            ep,
            &[(kind, amount)],
            Stamp {
                cause,
                set_at: now,
                expires,
            },
        );
        let mut m = success();
        let key = if kind.is_limit() {
            "effectivePhaseCurrents"
        } else {
            "effectiveCurrentSetpoints"
        };
        add_effective(&mut m, device, ep, &[(key, kind.effective_attribute())]);
        Ok(m)
    }

    /// ClearLimit (0), ClearCurrentLimits (1), ClearSetpoint (2),
    /// ClearCurrentSetpoints (3).
    fn clear(
        &mut self,
        device: &mut Device,
        caller: &Caller,
        ep: EndpointId,
        params: &Map,
        now: Instant,
        slot: usize,
    ) -> Result<Map, Failure> {
        let kinds: Vec<(Kind, Option<Amount>)> = directions(params)?
            .iter()
            .filter_map(|d| Kind::of(*d).get(slot).copied())
            .map(|k| (k, None))
            .collect();
        self.set_entries(
            device,
            caller,
            ep,
            &kinds,
            Stamp {
                cause: 0,
                set_at: now,
                expires: None,
            },
        );
        Ok(success())
    }

    /// Pause / Resume / Stop: the opt-in process lifecycle (DEC-075).
    fn process(
        &mut self,
        device: &mut Device,
        ep: EndpointId,
        command: CommandId,
        params: &Map,
        now: Instant,
    ) -> Result<Map, Failure> {
        let gate = if command == cmd::STOP {
            ec::IS_STOPPABLE
        } else {
            ec::IS_PAUSABLE
        };
        if !flag(device, ep, gate) {
            return Err(StatusCode::Unsupported.into());
        }
        let until = self.expiry(params, now)?;
        let state = match command {
            cmd::PAUSE => {
                if let Some(e) = self.endpoint_mut(ep) {
                    e.paused = Some(until);
                }
                ProcessState::Paused
            }
            cmd::RESUME => {
                if let Some(e) = self.endpoint_mut(ep) {
                    e.paused = None;
                }
                ProcessState::Running
            }
            _ => ProcessState::Aborted,
        };
        let _ = device.set(
            ep,
            FeatureType::EnergyControl,
            ec::PROCESS_STATE,
            state.value(),
        );
        Ok(success())
    }

    /// Applies a validated write to an EnergyControl attribute:
    /// `my*` values act as indefinite SetLimit/SetSetpoint by the writer;
    /// failsafe attributes need acceptsLimits (DEC-073) and non-negative
    /// limits; anything else is stored.
    pub fn write(
        &mut self,
        device: &mut Device,
        caller: &Caller,
        ep: EndpointId,
        attribute: AttributeId,
        value: Value,
        now: Instant,
    ) -> Result<(), Failure> {
        let my_kind = Kind::ALL
            .into_iter()
            .find(|k| k.my_attribute() == attribute);
        if let Some(kind) = my_kind {
            let gate = if kind.is_limit() {
                ec::ACCEPTS_LIMITS
            } else {
                ec::ACCEPTS_SETPOINTS
            };
            if !flag(device, ep, gate) {
                return Err(StatusCode::Unsupported.into());
            }
            if Self::opted_out(device, ep, caller.zone_type) {
                return Err(Failure::new(
                    StatusCode::NotAuthorized,
                    "zone opted out of external control",
                ));
            }
            let amount = match value.as_i64() {
                None => None,
                Some(v) if v < 0 => return Err(StatusCode::ConstraintError.into()),
                Some(v) => Some(Amount::Power(v)),
            };
            self.admit(device, caller, now);
            let cause = match caller.zone_type {
                ZoneType::Grid => LimitCause::GridOptimization,
                _ => LimitCause::LocalOptimization,
            };
            let stamp = Stamp {
                cause: cause.value(),
                set_at: now,
                expires: None,
            };
            self.set_entries(device, caller, ep, &[(kind, amount)], stamp);
            return Ok(());
        }
        if matches!(
            attribute,
            ec::FAILSAFE_CONSUMPTION_LIMIT | ec::FAILSAFE_PRODUCTION_LIMIT | ec::FAILSAFE_DURATION
        ) {
            if !flag(device, ep, ec::ACCEPTS_LIMITS) {
                return Err(StatusCode::Unsupported.into());
            }
            if value.as_i64().is_some_and(|v| v < 0) {
                return Err(StatusCode::ConstraintError.into());
            }
        }
        device
            .set(ep, FeatureType::EnergyControl, attribute, value)
            .map_err(Failure::from)?;
        self.apply(device, now);
        Ok(())
    }

    /// The controlState to report now on `ep`.
    pub fn control_state(&self, device: &Device, ep: EndpointId) -> ControlState {
        ControlState::from_value(self.control_state_of(device, ep))
    }
}
