//! What a device's EnergyControl state means to a user: the effective and
//! own limits and setpoints, and who set the effective ones (the mash-rs
//! LimitSource extension, feature 0x80), turned into a line such as
//! "Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — 30 min left".

use std::fmt;

use mash_core::cbor::{Map, Value};
use mash_core::model::features::energy_control::{
    ControlState, LimitCause, OverrideReason, SetpointCause, attr as ec,
};
use mash_core::model::features::limit_source::attr as ls;
use mash_core::model::{AttributeId, EndpointId, FeatureType};
use mash_core::wire::StatusCode;
use mash_core::zone::ZoneType;
use mash_pki::UnixTime;

use crate::error::Error;
use crate::handle::DeviceHandle;

/// Who set an effective limit or setpoint, why, when and until when:
/// a LimitSource structure `{1: zoneType?, 2: cause, 3: setAt, 4: until?,
/// 5: failsafe}` (times in Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSource {
    /// The zone type that set it; `None` for the device's own failsafe
    /// limits (zone identities are not shown to other zones).
    pub zone_type: Option<ZoneType>,
    /// LimitCause (limits) or SetpointCause (setpoints), as sent.
    pub cause: u8,
    /// When it was set.
    pub set_at: UnixTime,
    /// When it ends by itself.
    pub until: Option<UnixTime>,
    /// Whether it is a failsafe limit.
    pub failsafe: bool,
}

impl LimitSource {
    /// Reads the structure; `None` for null or anything malformed.
    pub fn from_value(v: &Value) -> Option<Self> {
        let m = v.as_map()?;
        let secs = |k: u64| {
            m.get_uint(k)
                .and_then(Value::as_i64)
                .map(UnixTime::from_secs)
        };
        let zone_type = match m.get_uint(1) {
            None | Some(Value::Null) => None,
            Some(v) => Some(ZoneType::from_value(u8::try_from(v.as_u64()?).ok()?)),
        };
        Some(Self {
            zone_type,
            cause: u8::try_from(m.get_uint(2)?.as_u64()?).ok()?,
            set_at: secs(3)?,
            until: secs(4),
            failsafe: m.get_uint(5).and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

/// A device endpoint's EnergyControl state as this zone sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnergyStatus {
    /// The reading controller's zone type (decides "own limit").
    pub own_zone_type: ZoneType,
    /// controlState.
    pub control_state: ControlState,
    /// overrideReason, while the device overrides.
    pub override_reason: Option<OverrideReason>,
    /// effectiveConsumptionLimit (mW).
    pub effective_consumption_limit: Option<i64>,
    /// effectiveProductionLimit (mW).
    pub effective_production_limit: Option<i64>,
    /// myConsumptionLimit: this zone's own (mW).
    pub my_consumption_limit: Option<i64>,
    /// myProductionLimit (mW).
    pub my_production_limit: Option<i64>,
    /// effectiveConsumptionSetpoint (mW).
    pub effective_consumption_setpoint: Option<i64>,
    /// effectiveProductionSetpoint (mW).
    pub effective_production_setpoint: Option<i64>,
    /// myConsumptionSetpoint (mW).
    pub my_consumption_setpoint: Option<i64>,
    /// myProductionSetpoint (mW).
    pub my_production_setpoint: Option<i64>,
    /// Source of the effective consumption limit (LimitSource 0x0a).
    pub consumption_limit_source: Option<LimitSource>,
    /// Source of the effective production limit (0x0b).
    pub production_limit_source: Option<LimitSource>,
    /// Source of the effective consumption setpoint (0x14).
    pub consumption_setpoint_source: Option<LimitSource>,
    /// Source of the effective production setpoint (0x15).
    pub production_setpoint_source: Option<LimitSource>,
    /// myValuesOverridden: another zone or the failsafe is stricter than
    /// one of this zone's values (`None` without the extension).
    pub my_values_overridden: Option<bool>,
}

impl EnergyStatus {
    /// Builds the status from a read of EnergyControl and, if the device
    /// has the extension, of LimitSource.
    pub fn from_maps(own_zone_type: ZoneType, energy: &Map, sources: Option<&Map>) -> Self {
        let int = |a: AttributeId| energy.get(a).and_then(Value::as_i64);
        let uint8 = |a: AttributeId| {
            energy
                .get(a)
                .and_then(Value::as_u64)
                .and_then(|v| u8::try_from(v).ok())
        };
        let source = |a: AttributeId| {
            sources
                .and_then(|m| m.get(a))
                .and_then(LimitSource::from_value)
        };
        Self {
            own_zone_type,
            control_state: ControlState::from_value(uint8(ec::CONTROL_STATE).unwrap_or(0)),
            override_reason: uint8(ec::OVERRIDE_REASON).map(OverrideReason::from_value),
            effective_consumption_limit: int(ec::EFFECTIVE_CONSUMPTION_LIMIT),
            effective_production_limit: int(ec::EFFECTIVE_PRODUCTION_LIMIT),
            my_consumption_limit: int(ec::MY_CONSUMPTION_LIMIT),
            my_production_limit: int(ec::MY_PRODUCTION_LIMIT),
            effective_consumption_setpoint: int(ec::EFFECTIVE_CONSUMPTION_SETPOINT),
            effective_production_setpoint: int(ec::EFFECTIVE_PRODUCTION_SETPOINT),
            my_consumption_setpoint: int(ec::MY_CONSUMPTION_SETPOINT),
            my_production_setpoint: int(ec::MY_PRODUCTION_SETPOINT),
            consumption_limit_source: source(ls::CONSUMPTION_LIMIT_SOURCE),
            production_limit_source: source(ls::PRODUCTION_LIMIT_SOURCE),
            consumption_setpoint_source: source(ls::CONSUMPTION_SETPOINT_SOURCE),
            production_setpoint_source: source(ls::PRODUCTION_SETPOINT_SOURCE),
            my_values_overridden: sources
                .and_then(|m| m.get(ls::MY_VALUES_OVERRIDDEN))
                .and_then(Value::as_bool),
        }
    }

    /// What a user should see at wall-clock time `now`. `{}` names the
    /// cause ("Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — 30 min
    /// left"), `{:#}` leaves it out ("Limited to 3.7 kW — grid operator —
    /// 30 min left").
    pub fn display(&self, now: UnixTime) -> StatusText<'_> {
        StatusText { status: self, now }
    }
}

/// [`EnergyStatus::display`]'s formatter.
#[derive(Debug, Clone, Copy)]
pub struct StatusText<'a> {
    status: &'a EnergyStatus,
    now: UnixTime,
}

/// Which kind of value a line describes.
#[derive(Clone, Copy)]
enum Kind {
    Limit,
    Setpoint,
}

impl fmt::Display for StatusText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.status;
        let with_cause = !f.alternate();
        let mut parts = Vec::new();
        if s.control_state == ControlState::Override {
            parts.push(match s.override_reason {
                Some(r) => format!("Device override ({r})"),
                None => "Device override".to_owned(),
            });
        }
        let lines = [
            (
                "Limited to",
                s.effective_consumption_limit,
                s.consumption_limit_source,
                Kind::Limit,
            ),
            (
                "Feed-in limited to",
                s.effective_production_limit,
                s.production_limit_source,
                Kind::Limit,
            ),
            (
                "Setpoint",
                s.effective_consumption_setpoint,
                s.consumption_setpoint_source,
                Kind::Setpoint,
            ),
            (
                "Feed-in setpoint",
                s.effective_production_setpoint,
                s.production_setpoint_source,
                Kind::Setpoint,
            ),
        ];
        for (label, value, source, kind) in lines {
            if let Some(mw) = value {
                let mut line = format!("{label} {}", power(mw));
                if let Some(src) = source {
                    origin(&mut line, &src, kind, s.own_zone_type, self.now, with_cause);
                }
                parts.push(line);
            }
        }
        if parts.is_empty() {
            parts.push(match s.control_state {
                ControlState::Failsafe => "Failsafe".to_owned(),
                _ => "Not limited".to_owned(),
            });
        }
        f.write_str(&parts.join("; "))
    }
}

/// " — who (CAUSE) — N min left".
fn origin(
    line: &mut String,
    src: &LimitSource,
    kind: Kind,
    own: ZoneType,
    now: UnixTime,
    with_cause: bool,
) {
    let who = match (src.failsafe, src.zone_type) {
        (true, _) => "failsafe".to_owned(),
        (false, Some(z)) if z == own => match kind {
            Kind::Limit => "own limit".to_owned(),
            Kind::Setpoint => "own setpoint".to_owned(),
        },
        (false, Some(ZoneType::Grid)) => "grid operator".to_owned(),
        (false, Some(ZoneType::Local)) => "energy manager".to_owned(),
        (false, Some(ZoneType::Test)) => "test controller".to_owned(),
        (false, Some(z)) => format!("zone type {}", z.value()),
        (false, None) => "device".to_owned(),
    };
    line.push_str(" — ");
    line.push_str(&who);
    if with_cause && !src.failsafe {
        let cause = match kind {
            Kind::Limit => LimitCause::from_value(src.cause).to_string(),
            Kind::Setpoint => SetpointCause::from_value(src.cause).to_string(),
        };
        line.push_str(&format!(" ({cause})"));
    }
    if let Some(until) = src.until {
        line.push_str(" — ");
        line.push_str(&remaining(until.secs().saturating_sub(now.secs())));
    }
}

/// "30 min left", "1 h 30 min left", "2 d 3 h left"; minutes round up.
fn remaining(secs: i64) -> String {
    if secs <= 0 {
        return "ending now".to_owned();
    }
    let mins = (secs + 59) / 60;
    let text = if mins < 60 {
        format!("{mins} min")
    } else if mins < 24 * 60 {
        match (mins / 60, mins % 60) {
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        }
    } else {
        match (mins / 1440, mins % 1440 / 60) {
            (d, 0) => format!("{d} d"),
            (d, h) => format!("{d} d {h} h"),
        }
    };
    format!("{text} left")
}

/// mW as a person reads it: "500 W", "3.7 kW", "11 kW".
fn power(mw: i64) -> String {
    if mw.unsigned_abs() < 1_000_000 {
        return format!("{} W", mw / 1000);
    }
    let tenths = (i128::from(mw) + 50_000 * i128::from(mw.signum())) / 100_000;
    match (tenths / 10, (tenths % 10).abs()) {
        (kw, 0) => format!("{kw} kW"),
        (kw, frac) => format!("{kw}.{frac} kW"),
    }
}

impl DeviceHandle {
    /// Reads an endpoint's EnergyControl state and, when the device has
    /// the LimitSource extension (feature 0x80), who set the effective
    /// values. Format it with [`EnergyStatus::display`].
    pub async fn energy_status(&self, ep: EndpointId) -> Result<EnergyStatus, Error> {
        let energy = self.read_all(ep, FeatureType::EnergyControl).await?;
        let sources = match self.read_all(ep, FeatureType::LimitSource).await {
            Ok(m) => Some(m),
            // A device without the extension (e.g. the reference).
            Err(Error::Status {
                status: StatusCode::InvalidFeature | StatusCode::InvalidEndpoint,
                ..
            }) => None,
            Err(e) => return Err(e),
        };
        Ok(EnergyStatus::from_maps(
            self.zone_type,
            &energy,
            sources.as_ref(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_315_590;

    fn source(zone: Option<ZoneType>, cause: u8, until_in: Option<i64>, failsafe: bool) -> Value {
        let mut m = Map::new();
        m.insert(1u64, zone.map(|z| z.value()));
        m.insert(2u64, cause);
        m.insert(3u64, NOW - 60);
        m.insert(4u64, until_in.map(|s| NOW + s));
        m.insert(5u64, failsafe);
        Value::Map(m)
    }

    fn status(own: ZoneType, limit: Option<i64>, src: Option<Value>) -> EnergyStatus {
        let mut energy = Map::new();
        energy.insert(ec::CONTROL_STATE, 2u8);
        energy.insert(ec::EFFECTIVE_CONSUMPTION_LIMIT, limit);
        let sources = src.map(|v| {
            let mut m = Map::new();
            m.insert(ls::CONSUMPTION_LIMIT_SOURCE, v);
            m
        });
        EnergyStatus::from_maps(own, &energy, sources.as_ref())
    }

    fn text(s: &EnergyStatus) -> (String, String) {
        let now = UnixTime::from_secs(NOW);
        (s.display(now).to_string(), format!("{:#}", s.display(now)))
    }

    #[test]
    fn grid_limit_as_the_ems_user_sees_it() {
        let src = source(Some(ZoneType::Grid), 0, Some(30 * 60), false);
        let s = status(ZoneType::Local, Some(3_700_000), Some(src));
        let (full, short) = text(&s);
        assert_eq!(
            full,
            "Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — 30 min left"
        );
        assert_eq!(short, "Limited to 3.7 kW — grid operator — 30 min left");
    }

    #[test]
    fn own_failsafe_and_unknown_sources() {
        let own = source(Some(ZoneType::Local), 3, None, false);
        let s = status(ZoneType::Local, Some(11_000_000), Some(own));
        assert_eq!(
            text(&s).0,
            "Limited to 11 kW — own limit (LOCAL_OPTIMIZATION)"
        );
        let fs = source(None, 0, Some(2 * 3600 + 59), true);
        let s = status(ZoneType::Grid, Some(4_200_000), Some(fs));
        assert_eq!(text(&s).0, "Limited to 4.2 kW — failsafe — 2 h 1 min left");
        // A device without the extension: just the value.
        let s = status(ZoneType::Local, Some(500_000), None);
        assert_eq!(text(&s).0, "Limited to 500 W");
        let s = status(ZoneType::Local, None, None);
        assert_eq!(text(&s).0, "Not limited");
    }

    #[test]
    fn remaining_and_power_formats() {
        assert_eq!(remaining(1), "1 min left");
        assert_eq!(remaining(30 * 60), "30 min left");
        assert_eq!(remaining(90 * 60), "1 h 30 min left");
        assert_eq!(remaining(2 * 86_400 + 3 * 3600), "2 d 3 h left");
        assert_eq!(remaining(0), "ending now");
        assert_eq!(power(3_700_000), "3.7 kW");
        assert_eq!(power(3_749_999), "3.7 kW");
        assert_eq!(power(3_750_000), "3.8 kW");
        assert_eq!(power(22_000_000), "22 kW");
        assert_eq!(power(0), "0 W");
    }

    #[test]
    fn malformed_sources_are_ignored() {
        assert_eq!(LimitSource::from_value(&Value::Null), None);
        let mut m = Map::new();
        m.insert(2u64, "x");
        assert_eq!(LimitSource::from_value(&Value::Map(m)), None);
        let v = source(Some(ZoneType::Grid), 1, None, false);
        let parsed = LimitSource::from_value(&v).unwrap();
        assert_eq!(parsed.zone_type, Some(ZoneType::Grid));
        assert_eq!(parsed.until, None);
    }
}
