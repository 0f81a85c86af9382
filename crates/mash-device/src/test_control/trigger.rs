//! Trigger opcodes of `triggerTestEvent` (INTEROP.md Appendix A.2).
//!
//! Layout of the uint64: bits 63-48 the domain (= the feature ID the
//! trigger acts on), bits 47-32 `1` for the parameterised bases and `0`
//! otherwise, bits 31-0 the code, or an int32 parameter.

use mash_core::model::FeatureType;
use mash_core::model::features::energy_control::{ControlState, ProcessState};

/// One decoded trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// 0x0001_0000_0000_0001: open the commissioning window.
    EnterCommissioningMode,
    /// 0x0001_0000_0000_0002: close the commissioning window.
    ExitCommissioningMode,
    /// 0x0001_0000_0000_0003: remove every zone.
    FactoryReset,
    /// 0x0001_0000_0000_0004: back to the test baseline.
    ResetTestState,
    /// 0x0001_0001_xxxx_xxxx: clock offset in seconds (replaces the old one).
    AdjustClock(i32),
    /// 0x0002_0000_0000_0001: Status FAULT, faultCode 1.
    Fault,
    /// 0x0002_0000_0000_0002: Status RUNNING, fault cleared.
    ClearFault,
    /// 0x0002_0000_0000_0003: Status STANDBY.
    SetStandby,
    /// 0x0002_0000_0000_0004: Status RUNNING.
    SetRunning,
    /// 0x0004_0000_0000_0001: acActivePower 100 W.
    SetPower100,
    /// 0x0004_0000_0000_0002: acActivePower 1 kW.
    SetPower1000,
    /// 0x0004_0000_0000_0003: acActivePower 0.
    SetPowerZero,
    /// 0x0004_0000_0000_0010: stateOfCharge 50 %.
    SetSoc50,
    /// 0x0004_0000_0000_0011: stateOfCharge 100 %.
    SetSoc100,
    /// 0x0004_0001_xxxx_xxxx: acActivePower = the int32 parameter, in mW.
    SetPowerCustom(i32),
    /// 0x0005_0000_0000_0001-05: controlState = code − 1.
    ControlState(ControlState),
    /// 0x0005_0000_0000_0010-16: processState = code − 0x10.
    ProcessState(ProcessState),
    /// 0x0006_0000_0000_0001: EV plugged in.
    EvPlugIn,
    /// 0x0006_0000_0000_0002: EV unplugged.
    EvUnplug,
    /// 0x0006_0000_0000_0003: EV requests charge.
    EvRequestCharge,
}

const DEVICE_INFO: u16 = FeatureType::DeviceInfo.value() as u16;
const STATUS: u16 = FeatureType::Status.value() as u16;
const MEASUREMENT: u16 = FeatureType::Measurement.value() as u16;
const ENERGY_CONTROL: u16 = FeatureType::EnergyControl.value() as u16;
const CHARGING_SESSION: u16 = FeatureType::ChargingSession.value() as u16;

const fn opcode(domain: u16, parameterised: bool, low: u32) -> u64 {
    ((domain as u64) << 48) | ((parameterised as u64) << 32) | low as u64
}

impl Trigger {
    /// Decodes an opcode; `None` for one the table does not name.
    pub fn decode(opcode: u64) -> Option<Self> {
        let domain = (opcode >> 48) as u16;
        let parameterised = (opcode >> 32) & 0xffff;
        let low = opcode as u32;
        let trigger = match (domain, parameterised, low) {
            (DEVICE_INFO, 0, 1) => Self::EnterCommissioningMode,
            (DEVICE_INFO, 0, 2) => Self::ExitCommissioningMode,
            (DEVICE_INFO, 0, 3) => Self::FactoryReset,
            (DEVICE_INFO, 0, 4) => Self::ResetTestState,
            // The parameter is the low 32 bits read as two's complement.
            (DEVICE_INFO, 1, p) => Self::AdjustClock(p as i32),
            (STATUS, 0, 1) => Self::Fault,
            (STATUS, 0, 2) => Self::ClearFault,
            (STATUS, 0, 3) => Self::SetStandby,
            (STATUS, 0, 4) => Self::SetRunning,
            (MEASUREMENT, 0, 1) => Self::SetPower100,
            (MEASUREMENT, 0, 2) => Self::SetPower1000,
            (MEASUREMENT, 0, 3) => Self::SetPowerZero,
            (MEASUREMENT, 0, 0x10) => Self::SetSoc50,
            (MEASUREMENT, 0, 0x11) => Self::SetSoc100,
            (MEASUREMENT, 1, p) => Self::SetPowerCustom(p as i32),
            (ENERGY_CONTROL, 0, c @ 0x01..=0x05) => {
                Self::ControlState(ControlState::from_value(c as u8 - 1))
            }
            (ENERGY_CONTROL, 0, c @ 0x10..=0x16) => {
                Self::ProcessState(ProcessState::from_value(c as u8 - 0x10))
            }
            (CHARGING_SESSION, 0, 1) => Self::EvPlugIn,
            (CHARGING_SESSION, 0, 2) => Self::EvUnplug,
            (CHARGING_SESSION, 0, 3) => Self::EvRequestCharge,
            _ => return None,
        };
        Some(trigger)
    }

    /// The opcode; `decode(t.opcode()) == Some(t)` for every trigger whose
    /// state value lies in the table's range.
    pub fn opcode(self) -> u64 {
        match self {
            Self::EnterCommissioningMode => opcode(DEVICE_INFO, false, 1),
            Self::ExitCommissioningMode => opcode(DEVICE_INFO, false, 2),
            Self::FactoryReset => opcode(DEVICE_INFO, false, 3),
            Self::ResetTestState => opcode(DEVICE_INFO, false, 4),
            Self::AdjustClock(s) => opcode(DEVICE_INFO, true, s as u32),
            Self::Fault => opcode(STATUS, false, 1),
            Self::ClearFault => opcode(STATUS, false, 2),
            Self::SetStandby => opcode(STATUS, false, 3),
            Self::SetRunning => opcode(STATUS, false, 4),
            Self::SetPower100 => opcode(MEASUREMENT, false, 1),
            Self::SetPower1000 => opcode(MEASUREMENT, false, 2),
            Self::SetPowerZero => opcode(MEASUREMENT, false, 3),
            Self::SetSoc50 => opcode(MEASUREMENT, false, 0x10),
            Self::SetSoc100 => opcode(MEASUREMENT, false, 0x11),
            Self::SetPowerCustom(mw) => opcode(MEASUREMENT, true, mw as u32),
            Self::ControlState(s) => opcode(ENERGY_CONTROL, false, u32::from(s.value()) + 1),
            Self::ProcessState(s) => opcode(ENERGY_CONTROL, false, u32::from(s.value()) + 0x10),
            Self::EvPlugIn => opcode(CHARGING_SESSION, false, 1),
            Self::EvUnplug => opcode(CHARGING_SESSION, false, 2),
            Self::EvRequestCharge => opcode(CHARGING_SESSION, false, 3),
        }
    }

    /// The feature whose first endpoint a model trigger changes; `None`
    /// for the device-level (DeviceInfo domain) triggers.
    pub fn feature(self) -> Option<FeatureType> {
        match (self.opcode() >> 48) as u16 {
            DEVICE_INFO => None,
            domain => Some(FeatureType::from_value(domain as u8)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_appendix_table() {
        let table = [
            (0x0001_0000_0000_0001, Trigger::EnterCommissioningMode),
            (0x0001_0000_0000_0002, Trigger::ExitCommissioningMode),
            (0x0001_0000_0000_0003, Trigger::FactoryReset),
            (0x0001_0000_0000_0004, Trigger::ResetTestState),
            (0x0001_0001_0000_0078, Trigger::AdjustClock(120)),
            (0x0002_0000_0000_0001, Trigger::Fault),
            (0x0002_0000_0000_0002, Trigger::ClearFault),
            (0x0002_0000_0000_0003, Trigger::SetStandby),
            (0x0002_0000_0000_0004, Trigger::SetRunning),
            (0x0004_0000_0000_0001, Trigger::SetPower100),
            (0x0004_0000_0000_0002, Trigger::SetPower1000),
            (0x0004_0000_0000_0003, Trigger::SetPowerZero),
            (0x0004_0000_0000_0010, Trigger::SetSoc50),
            (0x0004_0000_0000_0011, Trigger::SetSoc100),
            (0x0004_0001_0000_1388, Trigger::SetPowerCustom(5000)),
            (
                0x0005_0000_0000_0001,
                Trigger::ControlState(ControlState::Autonomous),
            ),
            (
                0x0005_0000_0000_0005,
                Trigger::ControlState(ControlState::Override),
            ),
            (
                0x0005_0000_0000_0010,
                Trigger::ProcessState(ProcessState::None),
            ),
            (
                0x0005_0000_0000_0016,
                Trigger::ProcessState(ProcessState::Aborted),
            ),
            (0x0006_0000_0000_0001, Trigger::EvPlugIn),
            (0x0006_0000_0000_0002, Trigger::EvUnplug),
            (0x0006_0000_0000_0003, Trigger::EvRequestCharge),
        ];
        for (op, trigger) in table {
            assert_eq!(Trigger::decode(op), Some(trigger), "{op:#018x}");
            assert_eq!(trigger.opcode(), op, "{trigger:?}");
        }
    }

    #[test]
    fn parameters_are_signed_32_bit() {
        // The runner's clock tests send −200 s and −400 s.
        assert_eq!(
            Trigger::decode(0x0001_0001_ffff_ff38),
            Some(Trigger::AdjustClock(-200))
        );
        assert_eq!(
            Trigger::decode(0x0004_0001_ffff_fc18),
            Some(Trigger::SetPowerCustom(-1000))
        );
        assert_eq!(Trigger::AdjustClock(-400).opcode(), 0x0001_0001_ffff_fe70);
    }

    #[test]
    fn unknown_codes_do_not_decode() {
        for op in [
            0,
            0x0001_0000_0000_0000,
            0x0001_0000_0000_0005,
            0x0001_0002_0000_0001,
            0x0002_0000_0000_0005,
            0x0002_0001_0000_0001,
            0x0003_0000_0000_0001,
            0x0004_0000_0000_0004,
            0x0005_0000_0000_0000,
            0x0005_0000_0000_0006,
            0x0005_0000_0000_0017,
            0x0005_0001_0000_0001,
            0x0006_0000_0000_0004,
            0x000a_0000_0000_0001,
            u64::MAX,
        ] {
            assert_eq!(Trigger::decode(op), None, "{op:#018x}");
        }
    }

    #[test]
    fn model_triggers_name_their_feature() {
        assert_eq!(Trigger::FactoryReset.feature(), None);
        assert_eq!(Trigger::AdjustClock(-1).feature(), None);
        assert_eq!(Trigger::Fault.feature(), Some(FeatureType::Status));
        assert_eq!(
            Trigger::SetPowerCustom(1).feature(),
            Some(FeatureType::Measurement)
        );
        assert_eq!(
            Trigger::EvPlugIn.feature(),
            Some(FeatureType::ChargingSession)
        );
    }
}
