//! The use cases a device declares in DeviceInfo `useCases` (attribute 21),
//! derived from `usecases/1.0/*.yaml`.
//!
//! Each entry is encoded `{1: endpointId, 2: useCaseId, 3: major,
//! 4: minor, 5: scenario bitmap}` with every key present (INTEROP.md §7);
//! scenario bit i is the scenario with `bit: i` in the use case's YAML.

use mash_core::cbor::{Map, Value};
use mash_core::model::EndpointId;

use super::DeviceKind;

/// Use-case IDs (INTEROP.md §7).
pub mod id {
    /// Grid Power Limitation.
    pub const GPL: u16 = 0x01;
    /// Monitor Power Device.
    pub const MPD: u16 = 0x02;
    /// EV Charging.
    pub const EVC: u16 = 0x03;
    /// Control of Battery.
    pub const COB: u16 = 0x04;
    /// Heat Pump Compressor Flexibility.
    pub const OHPCF: u16 = 0x05;
    /// Incentive Table Power Consumption Management.
    pub const ITPCM: u16 = 0x06;
    /// Flexible Load.
    pub const FLOA: u16 = 0x07;
    /// Power Envelope.
    pub const POEN: u16 = 0x08;
    /// Power Demand Forecast.
    pub const PODF: u16 = 0x09;
    /// Time of Use Tariff.
    pub const TOUT: u16 = 0x0a;
}

/// Scenario bits used by the models, named `<USE CASE>_<SCENARIO>` as in
/// the YAML files.
pub mod scenario {
    /// Every use case's BASE scenario (bit 0).
    pub const BASE: u32 = 1 << 0;
    /// gpl.yaml CONSUMPTION.
    pub const GPL_CONSUMPTION: u32 = 1 << 1;
    /// gpl.yaml PRODUCTION (bidirectional endpoint types only).
    pub const GPL_PRODUCTION: u32 = 1 << 2;
    /// gpl.yaml MEASUREMENT.
    pub const GPL_MEASUREMENT: u32 = 1 << 3;
    /// gpl.yaml OVERRIDE (overrideReason/overrideDirection, DEC-049).
    pub const GPL_OVERRIDE: u32 = 1 << 4;
    /// mpd.yaml ELECTRICAL.
    pub const MPD_ELECTRICAL: u32 = 1 << 1;
    /// mpd.yaml STATUS.
    pub const MPD_STATUS: u32 = 1 << 2;
    /// evc.yaml SOC_REPORTING.
    pub const EVC_SOC_REPORTING: u32 = 1 << 1;
    /// evc.yaml ASYMMETRIC_CHARGING (per-phase current limits).
    pub const EVC_ASYMMETRIC_CHARGING: u32 = 1 << 2;
    /// evc.yaml EV_DEMAND.
    pub const EVC_EV_DEMAND: u32 = 1 << 5;
    /// cob.yaml LIMITS.
    pub const COB_LIMITS: u32 = 1 << 1;
    /// cob.yaml CONTROL_MODE.
    pub const COB_CONTROL_MODE: u32 = 1 << 2;
    /// ohpcf.yaml MEASUREMENT.
    pub const OHPCF_MEASUREMENT: u32 = 1 << 1;
    /// floa.yaml MEASUREMENT.
    pub const FLOA_MEASUREMENT: u32 = 1 << 1;
}

/// One declared use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseCaseDecl {
    /// The endpoint it applies to.
    pub endpoint: EndpointId,
    /// Use-case ID ([`id`]).
    pub id: u16,
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
    /// Supported scenarios ([`scenario`]).
    pub scenarios: u32,
}

impl UseCaseDecl {
    /// A version 1.0 use case on `endpoint`.
    pub const fn v1_0(endpoint: EndpointId, id: u16, scenarios: u32) -> Self {
        Self {
            endpoint,
            id,
            major: 1,
            minor: 0,
            scenarios,
        }
    }

    /// The wire form (INTEROP.md §7).
    pub fn to_value(self) -> Value {
        let mut m = Map::new();
        m.insert(1u64, self.endpoint);
        m.insert(2u64, self.id);
        m.insert(3u64, self.major);
        m.insert(4u64, self.minor);
        m.insert(5u64, self.scenarios);
        Value::Map(m)
    }
}

/// What `kind`'s model supports on `endpoint`. Only use cases whose
/// required features the model has are declared: none of the models
/// carries Signals, Plan or Tariff, so ITPCM, POEN, PODF, TOUT and the
/// EVC COORDINATED scenario are absent.
pub fn for_kind(kind: DeviceKind, endpoint: EndpointId) -> Vec<UseCaseDecl> {
    use scenario::*;
    let gpl_consumption = BASE | GPL_CONSUMPTION | GPL_MEASUREMENT | GPL_OVERRIDE;
    let mpd = BASE | MPD_ELECTRICAL | MPD_STATUS;
    match kind {
        DeviceKind::Evse => vec![
            UseCaseDecl::v1_0(endpoint, id::GPL, gpl_consumption),
            UseCaseDecl::v1_0(endpoint, id::MPD, mpd),
            UseCaseDecl::v1_0(
                endpoint,
                id::EVC,
                BASE | EVC_SOC_REPORTING | EVC_ASYMMETRIC_CHARGING | EVC_EV_DEMAND,
            ),
        ],
        DeviceKind::HeatPump => vec![
            UseCaseDecl::v1_0(endpoint, id::GPL, gpl_consumption),
            UseCaseDecl::v1_0(endpoint, id::MPD, mpd),
            UseCaseDecl::v1_0(endpoint, id::OHPCF, BASE | OHPCF_MEASUREMENT),
            UseCaseDecl::v1_0(endpoint, id::FLOA, BASE | FLOA_MEASUREMENT),
        ],
        DeviceKind::Battery => vec![
            UseCaseDecl::v1_0(endpoint, id::GPL, gpl_consumption | GPL_PRODUCTION),
            UseCaseDecl::v1_0(endpoint, id::MPD, mpd),
            UseCaseDecl::v1_0(endpoint, id::COB, BASE | COB_LIMITS | COB_CONTROL_MODE),
        ],
    }
}

/// The `useCases` attribute value for `kind`.
pub fn value_for_kind(kind: DeviceKind, endpoint: EndpointId) -> Value {
    Value::Array(
        for_kind(kind, endpoint)
            .into_iter()
            .map(UseCaseDecl::to_value)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_carry_all_five_keys() {
        let v = UseCaseDecl::v1_0(1, id::EVC, 0x27).to_value();
        let m = v.as_map().unwrap();
        assert_eq!(m.len(), 5);
        assert_eq!(m.get_uint(1), Some(&Value::Uint(1)));
        assert_eq!(m.get_uint(2), Some(&Value::Uint(3)));
        assert_eq!(m.get_uint(3), Some(&Value::Uint(1)));
        assert_eq!(m.get_uint(4), Some(&Value::Uint(0)));
        assert_eq!(m.get_uint(5), Some(&Value::Uint(0x27)));
    }

    #[test]
    fn only_bidirectional_kinds_claim_gpl_production() {
        let gpl = |k| {
            for_kind(k, 1)
                .into_iter()
                .find(|u| u.id == id::GPL)
                .unwrap()
                .scenarios
        };
        assert_eq!(gpl(DeviceKind::Battery) & scenario::GPL_PRODUCTION, 4);
        assert_eq!(gpl(DeviceKind::Evse) & scenario::GPL_PRODUCTION, 0);
        assert_eq!(gpl(DeviceKind::HeatPump) & scenario::GPL_PRODUCTION, 0);
    }
}
