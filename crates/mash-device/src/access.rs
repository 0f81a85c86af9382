//! Access policy per zone type (optional, off by default): the permission
//! matrix of the multi-controller study (`mission/multi-controller-scenario.md`
//! §3), enforced on every read, write, subscribe and invoke with
//! NOT_AUTHORIZED.
//!
//! | Feature | GRID (SMGW) | LOCAL (EMS) |
//! |---|---|---|
//! | EnergyControl | read, subscribe, limits and setpoints, failsafe configuration | full |
//! | Measurement, Status, Electrical | read, subscribe | full |
//! | ChargingSession | read, subscribe ("override only": no charging-mode changes) | full |
//! | DeviceInfo | read, subscribe, remove its own zone | full |
//! | user preferences (optOutState, controlMode, label, location, chargingMode) | none | full |
//!
//! TEST zones are not restricted (they exist only with a test key).

use mash_core::interaction::{Access, Caller, Failure};
use mash_core::model::features::{charging_session, device_info, energy_control};
use mash_core::model::{AttributeId, CommandId, FeatureType};
use mash_core::wire::StatusCode;
use mash_core::zone::ZoneType;

/// What a zone type may do with one feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Read and subscribe.
    pub observe: bool,
    /// Attributes it may write (`None`: none).
    pub write: Option<&'static [AttributeId]>,
    /// Commands it may invoke (`None`: none).
    pub invoke: Option<&'static [CommandId]>,
}

impl Grant {
    const NONE: Self = Self {
        observe: false,
        write: None,
        invoke: None,
    };
    const OBSERVE: Self = Self {
        observe: true,
        write: None,
        invoke: None,
    };

    fn allows(&self, access: Access) -> bool {
        match access {
            Access::Read | Access::Subscribe => self.observe,
            Access::Write(a) => self.write.is_some_and(|w| w.contains(&a)),
            Access::Invoke(c) => self.invoke.is_some_and(|i| i.contains(&c)),
        }
    }
}

/// A per-zone-type permission matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    /// Grants for GRID zones, per feature; features not listed are denied.
    pub grid: &'static [(FeatureType, Grant)],
    /// Grants for LOCAL zones; `None` means unrestricted.
    pub local: Option<&'static [(FeatureType, Grant)]>,
}

const GRID_EC_COMMANDS: &[CommandId] = &[
    energy_control::cmd::SET_LIMIT,
    energy_control::cmd::CLEAR_LIMIT,
    energy_control::cmd::SET_CURRENT_LIMITS,
    energy_control::cmd::CLEAR_CURRENT_LIMITS,
    energy_control::cmd::SET_SETPOINT,
    energy_control::cmd::CLEAR_SETPOINT,
    energy_control::cmd::SET_CURRENT_SETPOINTS,
    energy_control::cmd::CLEAR_CURRENT_SETPOINTS,
];

const GRID_EC_WRITES: &[AttributeId] = &[
    energy_control::attr::MY_CONSUMPTION_LIMIT,
    energy_control::attr::MY_PRODUCTION_LIMIT,
    energy_control::attr::MY_CONSUMPTION_SETPOINT,
    energy_control::attr::MY_PRODUCTION_SETPOINT,
    energy_control::attr::FAILSAFE_CONSUMPTION_LIMIT,
    energy_control::attr::FAILSAFE_PRODUCTION_LIMIT,
    energy_control::attr::FAILSAFE_DURATION,
];

const STUDY_GRID: &[(FeatureType, Grant)] = &[
    (
        FeatureType::DeviceInfo,
        Grant {
            observe: true,
            write: None,
            invoke: Some(&[device_info::cmd::REMOVE_ZONE]),
        },
    ),
    (FeatureType::Status, Grant::OBSERVE),
    (FeatureType::Electrical, Grant::OBSERVE),
    (FeatureType::Measurement, Grant::OBSERVE),
    (
        FeatureType::EnergyControl,
        Grant {
            observe: true,
            write: Some(GRID_EC_WRITES),
            invoke: Some(GRID_EC_COMMANDS),
        },
    ),
    (FeatureType::ChargingSession, Grant::OBSERVE),
    (FeatureType::LimitSource, Grant::OBSERVE),
    (FeatureType::Tariff, Grant::OBSERVE),
    (FeatureType::Signals, Grant::OBSERVE),
    (FeatureType::Plan, Grant::OBSERVE),
];

impl AccessPolicy {
    /// The multi-controller study's matrix (see the module docs).
    pub const fn study() -> Self {
        Self {
            grid: STUDY_GRID,
            local: None,
        }
    }

    fn grant(&self, zone: ZoneType, feature: FeatureType) -> Option<Grant> {
        let table = match zone {
            ZoneType::Grid => self.grid,
            ZoneType::Local => self.local?,
            _ => return None,
        };
        Some(
            table
                .iter()
                .find(|(f, _)| *f == feature)
                .map_or(Grant::NONE, |(_, g)| *g),
        )
    }

    /// Checks one access; NOT_AUTHORIZED when the matrix denies it.
    pub fn check(
        &self,
        caller: &Caller,
        access: Access,
        feature: FeatureType,
    ) -> Result<(), Failure> {
        match self.grant(caller.zone_type, feature) {
            None => Ok(()),
            Some(g) if g.allows(access) => Ok(()),
            Some(_) => Err(Failure::new(
                StatusCode::NotAuthorized,
                format!("{} zones may not {access:?} {feature}", caller.zone_type),
            )),
        }
    }
}

/// User preferences a GRID zone never touches, whatever the feature grant.
pub const USER_PREFERENCES: &[(FeatureType, AttributeId)] = &[
    (
        FeatureType::EnergyControl,
        energy_control::attr::OPT_OUT_STATE,
    ),
    (
        FeatureType::EnergyControl,
        energy_control::attr::CONTROL_MODE,
    ),
    (FeatureType::DeviceInfo, device_info::attr::LABEL),
    (FeatureType::DeviceInfo, device_info::attr::LOCATION),
    (
        FeatureType::ChargingSession,
        charging_session::attr::CHARGING_MODE,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(ty: ZoneType) -> Caller {
        Caller {
            zone_id: "0102030405060708".parse().unwrap(),
            zone_type: ty,
        }
    }

    #[test]
    fn grid_may_limit_and_observe_but_not_change_user_preferences() {
        let p = AccessPolicy::study();
        let grid = caller(ZoneType::Grid);
        assert!(
            p.check(&grid, Access::Read, FeatureType::Measurement)
                .is_ok()
        );
        assert!(
            p.check(&grid, Access::Subscribe, FeatureType::EnergyControl)
                .is_ok()
        );
        assert!(
            p.check(
                &grid,
                Access::Invoke(energy_control::cmd::SET_LIMIT),
                FeatureType::EnergyControl
            )
            .is_ok()
        );
        for (feature, attr) in USER_PREFERENCES {
            let denied = p.check(&grid, Access::Write(*attr), *feature).unwrap_err();
            assert_eq!(denied.status, StatusCode::NotAuthorized);
        }
        let denied = p.check(
            &grid,
            Access::Invoke(charging_session::cmd::SET_CHARGING_MODE),
            FeatureType::ChargingSession,
        );
        assert_eq!(denied.unwrap_err().status, StatusCode::NotAuthorized);
        assert!(
            p.check(
                &grid,
                Access::Invoke(energy_control::cmd::PAUSE),
                FeatureType::EnergyControl
            )
            .is_err()
        );
    }

    #[test]
    fn local_and_test_zones_are_unrestricted_by_the_study_matrix() {
        let p = AccessPolicy::study();
        for ty in [ZoneType::Local, ZoneType::Test] {
            let c = caller(ty);
            assert!(
                p.check(
                    &c,
                    Access::Write(device_info::attr::LABEL),
                    FeatureType::DeviceInfo
                )
                .is_ok()
            );
            assert!(
                p.check(
                    &c,
                    Access::Invoke(charging_session::cmd::SET_CHARGING_MODE),
                    FeatureType::ChargingSession
                )
                .is_ok()
            );
        }
    }
}
