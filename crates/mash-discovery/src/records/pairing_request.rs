//! `_mashp._udp`: a controller asks the device with discriminator `D` to
//! open its commissioning window (INTEROP.md §9, DEC-042).

use mash_core::ids::ZoneId;

use crate::error::DecodeError;
use crate::records::instance::pairing_request_instance_name;
use crate::records::values::Discriminator;
use crate::records::{Record, ServiceKind, decode_zone_id};
use crate::txt::TxtRecord;

/// A pairing request. Mirrors the reference's `PairingRequestInfo` (the
/// SRV port is always 1 and the host is the advertiser's).
///
/// The reference's `Validate` (16-hex zone ID, D <= 4095, a host) holds by
/// construction here: [`ZoneId`] and [`Discriminator`] cannot hold anything
/// else, and the advertiser always has a host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingRequestInfo {
    /// TXT `D`: the device being asked for.
    pub discriminator: Discriminator,
    /// TXT `ZI`: the requesting zone.
    pub zone_id: ZoneId,
    /// TXT `ZN`, for display; only sent when non-empty.
    pub zone_name: Option<String>,
}

impl Record for PairingRequestInfo {
    const KIND: ServiceKind = ServiceKind::PairingRequest;

    fn instance_name(&self) -> String {
        pairing_request_instance_name(self.zone_id, self.discriminator)
    }

    fn encode_txt(&self) -> TxtRecord {
        let mut txt = TxtRecord::new();
        txt.push("D", &self.discriminator.to_string());
        txt.push("ZI", &self.zone_id.to_string());
        if let Some(zn) = self.zone_name.as_deref().filter(|zn| !zn.is_empty()) {
            txt.push("ZN", zn);
        }
        txt
    }

    /// Requires `D` (0..=4095) and a 16-hex `ZI`.
    fn decode_txt(txt: &TxtRecord) -> Result<Self, DecodeError> {
        Ok(Self {
            discriminator: txt.required("D")?.parse()?,
            zone_id: decode_zone_id(txt)?,
            zone_name: txt.optional("ZN")?.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_name_is_unpadded() {
        let req = PairingRequestInfo {
            discriminator: Discriminator::new(42).unwrap(),
            zone_id: "2859a7266ff2c1f0".parse().unwrap(),
            zone_name: None,
        };
        assert_eq!(req.instance_name(), "2859a7266ff2c1f0-42");
        assert_eq!(
            req.encode_txt().to_strings(),
            ["D=42", "ZI=2859a7266ff2c1f0"]
        );
        assert_eq!(
            PairingRequestInfo::decode_txt(&req.encode_txt()).unwrap(),
            req
        );
    }
}
