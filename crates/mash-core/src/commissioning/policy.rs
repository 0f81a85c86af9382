//! Zone slots: which zone a device may still accept (INTEROP.md §5.6,
//! appendix A.3; security.md §11.1).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::zone::ZoneType;

/// Default number of non-TEST zones (`MaxZones`).
pub const DEFAULT_MAX_ZONES: u8 = 2;

/// The device's zone occupancy, as the shell knows it. The gate reads it
/// before PASE and the device handshake checks the Zone CA against it
/// after PASE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonePolicy {
    /// Zone types the device holds. The shell leaves out zones it would
    /// evict for a new one (the reference evicts a disconnected TEST zone,
    /// appendix A.3).
    pub existing: Vec<ZoneType>,
    /// Maximum number of non-TEST zones (default 2).
    pub max_zones: u8,
    /// Whether a valid test enable-key is configured (32 hex characters,
    /// not all zero): only then is a TEST zone accepted, as an extra slot.
    pub test_enabled: bool,
    /// At most one zone per type (DEC-043); a deployment may lift it.
    pub unique_types: bool,
}

impl Default for ZonePolicy {
    fn default() -> Self {
        Self {
            existing: Vec::new(),
            max_zones: DEFAULT_MAX_ZONES,
            test_enabled: false,
            unique_types: true,
        }
    }
}

/// Why the pre-PASE gate finds no free slot (reported as BUSY).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotsFull {
    /// Every non-TEST slot is taken and no TEST slot is available.
    NonTest {
        /// Non-TEST zones held.
        used: u8,
        /// `max_zones`.
        max: u8,
    },
    /// With a test key: GRID, LOCAL and TEST slots are all taken.
    All {
        /// Zones held, TEST included.
        used: u8,
        /// `max_zones + 1`.
        max: u8,
    },
}

impl SlotsFull {
    /// The reference's BUSY reason text.
    pub fn message(&self) -> String {
        match self {
            Self::NonTest { used, max } => format!("zone slots full ({used}/{max})"),
            Self::All { used, max } => format!("all zone slots full ({used}/{max})"),
        }
    }
}

/// Why the Zone CA received after PASE is refused (INTEROP.md §5.2 step
/// 8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZonePolicyError {
    /// A TEST zone without a test enable-key: the device closes silently.
    TestZoneNotEnabled,
    /// A zone of this type exists: CommissioningError 10.
    ZoneTypeExists(ZoneType),
    /// No non-TEST slot is free: CommissioningError 5 "zone slots full".
    SlotsFull {
        /// Non-TEST zones held.
        used: u8,
        /// `max_zones`.
        max: u8,
    },
    /// The shell could not read the Zone CA: the device closes silently.
    InvalidZoneCa,
}

impl fmt::Display for ZonePolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TestZoneNotEnabled => f.write_str("test zone without a test enable key"),
            Self::ZoneTypeExists(t) => write!(f, "zone type already exists: {t}"),
            Self::SlotsFull { used, max } => write!(f, "zone slots full ({used}/{max})"),
            Self::InvalidZoneCa => f.write_str("zone ca could not be read"),
        }
    }
}

impl ZonePolicy {
    /// Non-TEST zones held.
    pub fn non_test_zones(&self) -> u8 {
        let n = self
            .existing
            .iter()
            .filter(|t| **t != ZoneType::Test)
            .count();
        u8::try_from(n).unwrap_or(u8::MAX)
    }

    /// Whether a zone of `zone_type` exists.
    pub fn has(&self, zone_type: ZoneType) -> bool {
        self.existing.contains(&zone_type)
    }

    /// The pre-PASE slot check (INTEROP.md §5.2 step 4, appendix A.3):
    /// with a test key a commissioning is admitted while the TEST slot is
    /// free, even when the non-TEST slots are full.
    pub fn check_admission(&self) -> Result<(), SlotsFull> {
        let used = self.non_test_zones();
        if used < self.max_zones {
            return Ok(());
        }
        if !self.test_enabled {
            return Err(SlotsFull::NonTest {
                used,
                max: self.max_zones,
            });
        }
        if self.has(ZoneType::Test) {
            return Err(SlotsFull::All {
                used: used.saturating_add(1),
                max: self.max_zones.saturating_add(1),
            });
        }
        Ok(())
    }

    /// The post-PASE check of the zone type read from the Zone CA
    /// (INTEROP.md §5.2 step 8.2), in the reference's order.
    pub fn check_zone_type(&self, zone_type: ZoneType) -> Result<(), ZonePolicyError> {
        if zone_type == ZoneType::Test && !self.test_enabled {
            return Err(ZonePolicyError::TestZoneNotEnabled);
        }
        if self.unique_types && self.has(zone_type) {
            return Err(ZonePolicyError::ZoneTypeExists(zone_type));
        }
        let used = self.non_test_zones();
        if zone_type != ZoneType::Test && used >= self.max_zones {
            return Err(ZonePolicyError::SlotsFull {
                used,
                max: self.max_zones,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn policy(existing: &[ZoneType], test_enabled: bool) -> ZonePolicy {
        ZonePolicy {
            existing: existing.to_vec(),
            max_zones: DEFAULT_MAX_ZONES,
            test_enabled,
            unique_types: true,
        }
    }

    #[test]
    fn unique_types_can_be_lifted() {
        let mut p = policy(&[ZoneType::Local], false);
        assert!(matches!(
            p.check_zone_type(ZoneType::Local),
            Err(ZonePolicyError::ZoneTypeExists(_))
        ));
        p.unique_types = false;
        assert_eq!(p.check_zone_type(ZoneType::Local), Ok(()));
    }

    #[test]
    fn admission_counts_non_test_slots_and_the_extra_test_slot() {
        use ZoneType::{Grid, Local, Test};
        assert_eq!(policy(&[], false).check_admission(), Ok(()));
        assert_eq!(policy(&[Grid], false).check_admission(), Ok(()));
        assert_eq!(
            policy(&[Grid, Local], false).check_admission(),
            Err(SlotsFull::NonTest { used: 2, max: 2 })
        );
        assert_eq!(policy(&[Grid, Local], true).check_admission(), Ok(()));
        let all = policy(&[Grid, Local, Test], true)
            .check_admission()
            .unwrap_err();
        assert_eq!(all, SlotsFull::All { used: 3, max: 3 });
        assert_eq!(all.message(), "all zone slots full (3/3)");
        assert_eq!(
            SlotsFull::NonTest { used: 2, max: 2 }.message(),
            "zone slots full (2/2)"
        );
    }

    #[test]
    fn zone_type_checks_in_reference_order() {
        use ZoneType::{Grid, Local, Test};
        assert_eq!(
            policy(&[], false).check_zone_type(Test),
            Err(ZonePolicyError::TestZoneNotEnabled)
        );
        assert_eq!(policy(&[], true).check_zone_type(Test), Ok(()));
        assert_eq!(
            policy(&[Local], false).check_zone_type(Local),
            Err(ZonePolicyError::ZoneTypeExists(Local))
        );
        assert_eq!(
            policy(&[Test], true).check_zone_type(Test),
            Err(ZonePolicyError::ZoneTypeExists(Test))
        );
        let full = ZonePolicy {
            existing: vec![Local],
            max_zones: 1,
            test_enabled: false,
            unique_types: true,
        };
        assert_eq!(
            full.check_zone_type(Grid),
            Err(ZonePolicyError::SlotsFull { used: 1, max: 1 })
        );
        assert_eq!(policy(&[Grid, Local], true).check_zone_type(Test), Ok(()));
    }
}
