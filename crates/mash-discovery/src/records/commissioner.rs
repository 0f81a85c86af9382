//! `_mashd._udp`: a controller announcing a zone (INTEROP.md §9).
//!
//! The reference has no production caller for this record; we encode and
//! decode it exactly as its `MDNSAdvertiser` does.

use mash_core::ids::ZoneId;

use crate::error::DecodeError;
use crate::records::instance::truncate_instance_name;
use crate::records::values::VendorProduct;
use crate::records::{Record, ServiceKind, decode_count, decode_vendor_product, decode_zone_id};
use crate::txt::TxtRecord;

/// What a commissioner advertises for one zone. Mirrors the reference's
/// `CommissionerInfo` (without port and host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissionerInfo {
    /// TXT `ZN`, required and non-empty; also the instance name, cut to 63
    /// bytes.
    pub zone_name: String,
    /// TXT `ZI`.
    pub zone_id: ZoneId,
    /// TXT `VP` of the controller, only sent when set.
    pub vendor_product: Option<VendorProduct>,
    /// TXT `DN`: the controller's name, only sent when non-empty.
    pub controller_name: Option<String>,
    /// TXT `DC`: devices in the zone; 0 means "not sent".
    pub device_count: u8,
}

impl Record for CommissionerInfo {
    const KIND: ServiceKind = ServiceKind::Commissioner;

    fn instance_name(&self) -> String {
        truncate_instance_name(&self.zone_name).to_owned()
    }

    fn encode_txt(&self) -> TxtRecord {
        let mut txt = TxtRecord::new();
        txt.push("ZN", &self.zone_name);
        txt.push("ZI", &self.zone_id.to_string());
        if let Some(vp) = self.vendor_product {
            txt.push("VP", &vp.to_string());
        }
        if let Some(dn) = self.controller_name.as_deref().filter(|dn| !dn.is_empty()) {
            txt.push("DN", dn);
        }
        if self.device_count > 0 {
            txt.push("DC", &self.device_count.to_string());
        }
        txt
    }

    /// Requires a non-empty `ZN` and a 16-hex `ZI`.
    fn decode_txt(txt: &TxtRecord) -> Result<Self, DecodeError> {
        let zone_name = txt
            .optional("ZN")?
            .ok_or(DecodeError::MissingField("ZN"))?
            .to_owned();
        Ok(Self {
            zone_name,
            zone_id: decode_zone_id(txt)?,
            vendor_product: decode_vendor_product(txt)?,
            controller_name: txt.optional("DN")?.map(str::to_owned),
            device_count: decode_count(txt, "DC")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_zone_names_are_cut_in_the_instance_only() {
        let info = CommissionerInfo {
            zone_name: format!("Zone {}", "X".repeat(70)),
            zone_id: "2859a7266ff2c1f0".parse().unwrap(),
            vendor_product: None,
            controller_name: None,
            device_count: 0,
        };
        assert_eq!(info.instance_name().len(), 63);
        let txt = info.encode_txt();
        assert_eq!(txt.get("ZN").unwrap(), Some(info.zone_name.as_str()));
        assert_eq!(CommissionerInfo::decode_txt(&txt).unwrap(), info);
    }
}
