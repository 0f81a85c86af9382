//! Instance names of the four MASH service types (INTEROP.md §9).
//!
//! Browsers identify records by their TXT values, not by these names; the
//! parsers exist for diagnostics and to mirror the reference's helpers.

use mash_core::ids::{DeviceId, ZoneId};

use crate::error::{DecodeError, InstanceNameError};
use crate::records::values::Discriminator;

/// A DNS label, and so an instance name, is at most 63 bytes.
pub const MAX_INSTANCE_NAME_LEN: usize = 63;

/// Checks the length rules of an instance name (1..=63 bytes).
pub fn validate_instance_name(name: &str) -> Result<(), InstanceNameError> {
    if name.is_empty() {
        Err(InstanceNameError::Empty)
    } else if name.len() > MAX_INSTANCE_NAME_LEN {
        Err(InstanceNameError::TooLong)
    } else {
        Ok(())
    }
}

/// Cuts `name` to at most 63 bytes, at a character boundary.
///
/// The reference cuts at 63 bytes; for ASCII names (all IDs and every
/// vector) the result is the same, and we never split a UTF-8 sequence.
pub fn truncate_instance_name(name: &str) -> &str {
    let mut end = name.len().min(MAX_INSTANCE_NAME_LEN);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or_default()
}

/// `MASH-%04d`: the commissionable instance, discriminator zero-padded to
/// four digits (`MASH-0042`).
pub fn commissionable_instance_name(d: Discriminator) -> String {
    format!("MASH-{:04}", d.get())
}

/// Reads the discriminator from `MASH-<d>` (padded or not). The prefix is
/// case-sensitive, as in the reference.
pub fn discriminator_from_instance_name(name: &str) -> Result<Discriminator, DecodeError> {
    let digits = name
        .strip_prefix("MASH-")
        .ok_or(InstanceNameError::Malformed)?;
    digits.parse()
}

/// `<zoneID>-<deviceID>`, both 16 lowercase hex, cut to 63 bytes.
pub fn operational_instance_name(zone_id: ZoneId, device_id: DeviceId) -> String {
    truncate_instance_name(&format!("{zone_id}-{device_id}")).to_owned()
}

/// Splits `<zoneID>-<deviceID>`.
pub fn parse_operational_instance_name(name: &str) -> Result<(ZoneId, DeviceId), DecodeError> {
    let (zone, device) = name.split_once('-').ok_or(InstanceNameError::Malformed)?;
    match (zone.parse(), device.parse()) {
        (Ok(z), Ok(d)) => Ok((z, d)),
        _ => Err(InstanceNameError::Malformed.into()),
    }
}

/// `<zoneID>-<discriminator>`, the discriminator without padding.
pub fn pairing_request_instance_name(zone_id: ZoneId, d: Discriminator) -> String {
    format!("{zone_id}-{d}")
}

/// Splits `<zoneID>-<discriminator>`.
pub fn parse_pairing_request_instance_name(
    name: &str,
) -> Result<(ZoneId, Discriminator), DecodeError> {
    let (zone, d) = name.split_once('-').ok_or(InstanceNameError::Malformed)?;
    if zone.len() != 16 {
        return Err(InstanceNameError::ZoneIdLength.into());
    }
    let zone = zone.parse().map_err(|_| DecodeError::InvalidZoneId)?;
    Ok((zone, d.parse()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_char_boundaries() {
        let long = "é".repeat(40); // 80 bytes
        let cut = truncate_instance_name(&long);
        assert_eq!(cut.len(), 62);
        assert_eq!(truncate_instance_name("short"), "short");
        assert_eq!(truncate_instance_name(&"x".repeat(70)).len(), 63);
    }

    #[test]
    fn commissionable_name_is_padded() {
        let d = Discriminator::new(7).unwrap();
        assert_eq!(commissionable_instance_name(d), "MASH-0007");
    }
}
