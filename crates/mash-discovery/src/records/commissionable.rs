//! `_mash-comm._tcp`: a device with an open commissioning window
//! (INTEROP.md §9).

use crate::error::DecodeError;
use crate::records::instance::commissionable_instance_name;
use crate::records::values::{DeviceCategory, Discriminator, decode_categories, encode_categories};
use crate::records::{Record, ServiceKind};
use crate::txt::TxtRecord;

/// What a commissionable device advertises. Mirrors the reference's
/// `CommissionableInfo` (without port and host, which live in the SRV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissionableInfo {
    /// TXT `D`, and the number in the instance name `MASH-%04d`.
    pub discriminator: Discriminator,
    /// TXT `cat`: comma-separated category numbers (may be empty).
    pub categories: Vec<DeviceCategory>,
    /// TXT `serial` (always present, may be empty).
    pub serial: String,
    /// TXT `brand` (always present, may be empty).
    pub brand: String,
    /// TXT `model` (always present, may be empty).
    pub model: String,
    /// TXT `DN`, the user's name for the device; only sent when non-empty.
    pub device_name: Option<String>,
}

impl Record for CommissionableInfo {
    const KIND: ServiceKind = ServiceKind::Commissionable;

    fn instance_name(&self) -> String {
        commissionable_instance_name(self.discriminator)
    }

    fn encode_txt(&self) -> TxtRecord {
        let mut txt = TxtRecord::new();
        txt.push("D", &self.discriminator.to_string());
        txt.push("cat", &encode_categories(&self.categories));
        txt.push("serial", &self.serial);
        txt.push("brand", &self.brand);
        txt.push("model", &self.model);
        if let Some(dn) = self.device_name.as_deref().filter(|dn| !dn.is_empty()) {
            txt.push("DN", dn);
        }
        txt
    }

    /// Requires `D` (0..=4095), `cat`, `serial`, `brand` and `model`;
    /// bare keys read as empty values.
    fn decode_txt(txt: &TxtRecord) -> Result<Self, DecodeError> {
        let discriminator = txt.required("D")?.parse()?;
        let categories = decode_categories(txt.required("cat")?)?;
        Ok(Self {
            discriminator,
            categories,
            serial: txt.required("serial")?.to_owned(),
            brand: txt.required("brand")?.to_owned(),
            model: txt.required("model")?.to_owned(),
            device_name: txt.optional("DN")?.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wallbox() -> CommissionableInfo {
        CommissionableInfo {
            discriminator: Discriminator::new(42).unwrap(),
            categories: vec![DeviceCategory::E_MOBILITY],
            serial: "EVSE-001".into(),
            brand: "ACME".into(),
            model: "Wallbox 22".into(),
            device_name: Some("Garage Wallbox".into()),
        }
    }

    #[test]
    fn round_trips() {
        let info = wallbox();
        assert_eq!(info.instance_name(), "MASH-0042");
        let txt = info.encode_txt();
        assert_eq!(
            txt.to_strings(),
            [
                "D=42",
                "cat=3",
                "serial=EVSE-001",
                "brand=ACME",
                "model=Wallbox 22",
                "DN=Garage Wallbox"
            ]
        );
        assert_eq!(CommissionableInfo::decode_txt(&txt).unwrap(), info);
    }

    #[test]
    fn empty_device_name_is_not_sent() {
        let info = CommissionableInfo {
            device_name: Some(String::new()),
            ..wallbox()
        };
        assert!(info.encode_txt().entry("DN").is_none());
    }

    #[test]
    fn missing_discriminator_is_reported() {
        let txt = TxtRecord::from_strings(&["cat=3", "serial=", "brand=", "model="]);
        assert_eq!(
            CommissionableInfo::decode_txt(&txt),
            Err(DecodeError::MissingField("D"))
        );
    }
}
