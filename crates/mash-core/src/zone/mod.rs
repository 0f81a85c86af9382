//! Zones: who controls a device, and with which priority (multi-zone.md).

use crate::macros::wire_enum;

wire_enum! {
    /// The kind of controller zone; the value is also its priority
    /// (lower = higher priority). INTEROP.md §4: carried as the first OU of
    /// the Zone CA subject, as the strings `GRID`, `LOCAL` and `TEST`.
    pub enum ZoneType: u8 {
        /// Grid operator / SMGW: priority 1, the highest.
        Grid = 1 => "GRID",
        /// Home or building energy manager: priority 2.
        Local = 2 => "LOCAL",
        /// Conformance-test observer; excluded from resolution.
        Test = 3 => "TEST",
    }
}

impl ZoneType {
    /// Priority for resolution: lower wins.
    pub const fn priority(self) -> u8 {
        self.value()
    }

    /// The zone type named by a Zone CA's first OU; the reference falls
    /// back to LOCAL for anything else (INTEROP.md §4).
    pub fn from_ou(ou: &str) -> Self {
        Self::from_spec_name(ou).unwrap_or(Self::Local)
    }
}
