//! Which appliance a device is.

use core::fmt;
use core::str::FromStr;

use mash_core::model::EndpointType;
use mash_core::model::features::energy_control::DeviceType;

/// The kinds of appliance mash-device can model and simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// A wallbox charging an EV (endpoint type EV_CHARGER).
    Evse,
    /// A heat pump compressor (endpoint type HEAT_PUMP).
    HeatPump,
    /// A home battery with its inverter (endpoint type BATTERY).
    Battery,
}

impl DeviceKind {
    /// Every kind.
    pub const ALL: [DeviceKind; 3] = [DeviceKind::Evse, DeviceKind::HeatPump, DeviceKind::Battery];

    /// The name used on the command line and in configuration files.
    pub const fn name(self) -> &'static str {
        match self {
            DeviceKind::Evse => "evse",
            DeviceKind::HeatPump => "heat-pump",
            DeviceKind::Battery => "battery",
        }
    }

    /// The type of the appliance endpoint (INTEROP.md §7, `model` values).
    pub const fn endpoint_type(self) -> EndpointType {
        match self {
            DeviceKind::Evse => EndpointType::EvCharger,
            DeviceKind::HeatPump => EndpointType::HeatPump,
            DeviceKind::Battery => EndpointType::Battery,
        }
    }

    /// EnergyControl `deviceType` (features/energy-control.md
    /// DeviceTypeEnum).
    pub const fn device_type(self) -> DeviceType {
        match self {
            DeviceKind::Evse => DeviceType::Evse,
            DeviceKind::HeatPump => DeviceType::HeatPump,
            DeviceKind::Battery => DeviceType::Battery,
        }
    }

    /// The commissionable-record category (`cat` TXT key, INTEROP.md §9:
    /// 3 E-MOBILITY, 4 HVAC, 5 INVERTER).
    pub const fn category(self) -> u8 {
        match self {
            DeviceKind::Evse => 3,
            DeviceKind::HeatPump => 4,
            DeviceKind::Battery => 5,
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A device kind name that is not `evse`, `heat-pump` or `battery`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind(pub String);

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown device kind {:?} (expected evse, heat-pump or battery)",
            self.0
        )
    }
}

impl std::error::Error for UnknownKind {}

impl FromStr for DeviceKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        DeviceKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in DeviceKind::ALL {
            assert_eq!(kind.to_string().parse::<DeviceKind>(), Ok(kind));
        }
        assert_eq!("heat-pump".parse(), Ok(DeviceKind::HeatPump));
    }

    #[test]
    fn unknown_names_are_rejected_with_the_choices() {
        let err = "heatpump".parse::<DeviceKind>().unwrap_err();
        assert!(err.to_string().contains("evse, heat-pump or battery"));
        assert!("EVSE".parse::<DeviceKind>().is_err());
    }
}
