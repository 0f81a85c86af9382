//! `_mash._tcp`: a commissioned device, one instance per zone
//! (INTEROP.md §9).

use mash_core::ids::{DeviceId, ZoneId};

use crate::error::DecodeError;
use crate::records::instance::operational_instance_name;
use crate::records::values::VendorProduct;
use crate::records::{
    Record, ServiceKind, decode_count, decode_device_id, decode_vendor_product, decode_zone_id,
};
use crate::txt::TxtRecord;

/// What a device advertises for one zone. Mirrors the reference's
/// `OperationalInfo` (without port and host). There is no `FM` key: the
/// reference never sends it (INTEROP.md §11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationalInfo {
    /// TXT `ZI`.
    pub zone_id: ZoneId,
    /// TXT `DI`: the device's ID in this zone.
    pub device_id: DeviceId,
    /// TXT `VP`, only sent when set.
    pub vendor_product: Option<VendorProduct>,
    /// TXT `FW`, only sent when set and non-empty (the reference's device
    /// service never sets it).
    pub firmware: Option<String>,
    /// TXT `EP`: endpoint count including endpoint 0; 0 means "not sent".
    /// A received value that is not a `uint8` reads as 0, as in the
    /// reference.
    pub endpoint_count: u8,
}

impl Record for OperationalInfo {
    const KIND: ServiceKind = ServiceKind::Operational;

    fn instance_name(&self) -> String {
        operational_instance_name(self.zone_id, self.device_id)
    }

    fn encode_txt(&self) -> TxtRecord {
        let mut txt = TxtRecord::new();
        txt.push("ZI", &self.zone_id.to_string());
        txt.push("DI", &self.device_id.to_string());
        if let Some(vp) = self.vendor_product {
            txt.push("VP", &vp.to_string());
        }
        if self.endpoint_count > 0 {
            txt.push("EP", &self.endpoint_count.to_string());
        }
        if let Some(fw) = self.firmware.as_deref().filter(|fw| !fw.is_empty()) {
            txt.push("FW", fw);
        }
        txt
    }

    /// Requires `ZI` and `DI`, each exactly 16 hex characters (either case).
    fn decode_txt(txt: &TxtRecord) -> Result<Self, DecodeError> {
        Ok(Self {
            zone_id: decode_zone_id(txt)?,
            device_id: decode_device_id(txt)?,
            vendor_product: decode_vendor_product(txt)?,
            firmware: txt.optional("FW")?.map(str::to_owned),
            endpoint_count: decode_count(txt, "EP")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_never_sends_fm() {
        let info = OperationalInfo {
            zone_id: "2859a7266ff2c1f0".parse().unwrap(),
            device_id: "70f882f4e2f7dd79".parse().unwrap(),
            vendor_product: Some(VendorProduct {
                vendor_id: 0x1234,
                product_id: 1,
            }),
            firmware: None,
            endpoint_count: 2,
        };
        assert_eq!(info.instance_name(), "2859a7266ff2c1f0-70f882f4e2f7dd79");
        let txt = info.encode_txt();
        assert_eq!(
            txt.to_strings(),
            [
                "ZI=2859a7266ff2c1f0",
                "DI=70f882f4e2f7dd79",
                "VP=1234:0001",
                "EP=2"
            ]
        );
        assert!(txt.entry("FM").is_none());
        assert_eq!(OperationalInfo::decode_txt(&txt).unwrap(), info);
    }

    #[test]
    fn unparsable_vp_is_dropped_not_fatal() {
        let txt =
            TxtRecord::from_strings(&["ZI=2859a7266ff2c1f0", "DI=70f882f4e2f7dd79", "VP=nope"]);
        let info = OperationalInfo::decode_txt(&txt).unwrap();
        assert_eq!(info.vendor_product, None);
    }
}
