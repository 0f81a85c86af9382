//! Calendar time as an argument.
//!
//! Nothing in this crate reads a clock on its own: every function that
//! needs "now" (issuing, validity checks, renewal windows) takes a
//! [`UnixTime`], so tests and the simulation can use fixed or shifted
//! times.

use core::fmt;
use core::time::Duration;
use std::time::SystemTime;

use time::OffsetDateTime;

use crate::error::PkiError;

/// Seconds since 1970-01-01T00:00:00Z (may be negative).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The time `secs` seconds after the Unix epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn secs(self) -> i64 {
        self.0
    }

    /// Reads the system clock. Only the service shells call this; every
    /// check in this crate takes the time as an argument.
    pub fn system_now() -> Self {
        Self::from(SystemTime::now())
    }

    /// `self + d`, saturating.
    pub fn saturating_add(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        )
    }

    /// `self - d`, saturating.
    pub fn saturating_sub(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        )
    }

    /// The same instant as a UTC calendar date.
    pub(crate) fn to_datetime(self) -> Result<OffsetDateTime, PkiError> {
        OffsetDateTime::from_unix_timestamp(self.0)
            .map_err(|_| PkiError::InvalidInput("time out of the representable range"))
    }
}

impl From<SystemTime> for UnixTime {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => Self(i64::try_from(after.as_secs()).unwrap_or(i64::MAX)),
            Err(before) => Self(-i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX)),
        }
    }
}

impl From<OffsetDateTime> for UnixTime {
    fn from(t: OffsetDateTime) -> Self {
        Self(t.unix_timestamp())
    }
}

impl fmt::Debug for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339 in UTC when representable, raw seconds otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Err(_) => write!(f, "unix:{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_rfc3339() {
        assert_eq!(
            UnixTime::from_secs(1_796_315_590).to_string(),
            "2026-12-03T16:33:10Z"
        );
    }

    #[test]
    fn arithmetic_saturates() {
        let t = UnixTime::from_secs(i64::MAX - 1);
        assert_eq!(t.saturating_add(Duration::from_secs(10)).secs(), i64::MAX);
        assert_eq!(
            UnixTime::from_secs(10)
                .saturating_sub(Duration::from_secs(3))
                .secs(),
            7
        );
    }
}
