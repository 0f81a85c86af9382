//! Where an effective value comes from (the LimitSource extension).

use crate::cbor::{Map, Value};
use crate::ids::ZoneId;
use crate::time::Instant;
use crate::zone::ZoneType;

/// Who set a value, why, when and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The zone, or `None` for the device's own failsafe limits.
    pub zone: Option<(ZoneId, ZoneType)>,
    /// LimitCause (limits) or SetpointCause (setpoints), as sent.
    pub cause: u8,
    /// When it was set (for failsafe: when the loss was detected).
    pub set_at: Instant,
    /// When it ends by itself, if it does.
    pub until: Option<Instant>,
    /// Whether this is a failsafe limit.
    pub failsafe: bool,
}

/// Maps the monotonic clock to Unix time for reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WallClock {
    /// Unix milliseconds at `Instant::ZERO`.
    pub unix_ms_at_zero: i64,
}

impl WallClock {
    /// Unix seconds at `t`.
    pub fn unix_secs(&self, t: Instant) -> u64 {
        let ms = self
            .unix_ms_at_zero
            .saturating_add(i64::try_from(t.as_millis()).unwrap_or(i64::MAX));
        u64::try_from(ms / 1000).unwrap_or(0)
    }
}

impl Source {
    /// `{1: zoneType?, 2: cause, 3: setAt, 4: until?, 5: failsafe}`; the
    /// zone ID stays private to its zone.
    pub fn to_value(&self, clock: &WallClock) -> Value {
        let mut m = Map::new();
        m.insert(1u64, self.zone.map(|(_, ty)| ty.value()));
        m.insert(2u64, self.cause);
        m.insert(3u64, clock.unix_secs(self.set_at));
        m.insert(4u64, self.until.map(|t| clock.unix_secs(t)));
        m.insert(5u64, self.failsafe);
        Value::Map(m)
    }
}
