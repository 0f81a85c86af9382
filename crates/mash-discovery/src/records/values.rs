//! Small wire values carried in MASH TXT records (INTEROP.md §5.5, §9).

use core::fmt;
use core::str::FromStr;

use crate::error::DecodeError;

/// The 12-bit commissioning discriminator, 0..=4095 (INTEROP.md §5.5).
///
/// It names a device before commissioning: printed in the QR code, sent as
/// TXT `D` in `_mash-comm._tcp` and `_mashp._udp`, and zero-padded to four
/// digits in the commissionable instance name.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Discriminator(u16);

impl Discriminator {
    /// The largest discriminator (12 bits).
    pub const MAX: u16 = 4095;

    /// `None` if `value` > 4095.
    pub const fn new(value: u16) -> Option<Self> {
        if value <= Self::MAX {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The numeric value.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for Discriminator {
    type Error = DecodeError;

    fn try_from(value: u16) -> Result<Self, DecodeError> {
        Self::new(value).ok_or(DecodeError::InvalidDiscriminator)
    }
}

impl FromStr for Discriminator {
    type Err = DecodeError;

    /// Decimal digits only (leading zeros allowed, as Go's `ParseUint`),
    /// value <= 4095.
    fn from_str(s: &str) -> Result<Self, DecodeError> {
        parse_decimal(s, u32::from(Self::MAX))
            .and_then(|v| u16::try_from(v).ok())
            .and_then(Self::new)
            .ok_or(DecodeError::InvalidDiscriminator)
    }
}

impl fmt::Display for Discriminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Discriminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Discriminator({})", self.0)
    }
}

/// A device category in TXT `cat` (INTEROP.md §9; numbers from
/// testing/behavior/discovery.md §3.2). Decoders accept 1..=7 only.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceCategory(u8);

impl DeviceCategory {
    /// Grid connection point hub (GCPH).
    pub const GCPH: Self = Self(1);
    /// Energy management system.
    pub const EMS: Self = Self(2);
    /// E-mobility (charging station, wallbox).
    pub const E_MOBILITY: Self = Self(3);
    /// Heat pump, air conditioner.
    pub const HVAC: Self = Self(4);
    /// PV, battery or hybrid inverter.
    pub const INVERTER: Self = Self(5);
    /// Domestic appliance.
    pub const APPLIANCE: Self = Self(6);
    /// Smart meter, sub-meter.
    pub const METERING: Self = Self(7);

    /// `None` unless `value` is in 1..=7.
    pub const fn new(value: u8) -> Option<Self> {
        if value >= 1 && value <= 7 {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The numeric value.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The spec's name for this category.
    pub const fn name(self) -> &'static str {
        match self.0 {
            1 => "GCPH",
            2 => "EMS",
            3 => "E-MOBILITY",
            4 => "HVAC",
            5 => "INVERTER",
            6 => "APPLIANCE",
            _ => "METERING",
        }
    }
}

impl fmt::Debug for DeviceCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for DeviceCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Encodes TXT `cat`: the numbers joined by `,` (empty list → empty value).
pub(crate) fn encode_categories(categories: &[DeviceCategory]) -> String {
    let parts: Vec<String> = categories.iter().map(ToString::to_string).collect();
    parts.join(",")
}

/// Decodes TXT `cat` as the reference does: split at `,`, trim spaces, skip
/// empty parts, each part a number in 1..=7.
pub(crate) fn decode_categories(value: &str) -> Result<Vec<DeviceCategory>, DecodeError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            parse_decimal(p, 7)
                .and_then(|v| u8::try_from(v).ok())
                .and_then(DeviceCategory::new)
                .ok_or_else(|| DecodeError::InvalidCategory(p.to_owned()))
        })
        .collect()
}

/// Vendor and product ID, written `%04x:%04x` in TXT `VP` (INTEROP.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VendorProduct {
    /// Vendor ID.
    pub vendor_id: u16,
    /// Product ID.
    pub product_id: u16,
}

impl fmt::Display for VendorProduct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vendor_id, self.product_id)
    }
}

impl FromStr for VendorProduct {
    type Err = ();

    /// `vvvv:pppp`, each 1..=4 hex digits, either case.
    fn from_str(s: &str) -> Result<Self, ()> {
        let (v, p) = s.split_once(':').ok_or(())?;
        Ok(Self {
            vendor_id: parse_hex_u16(v).ok_or(())?,
            product_id: parse_hex_u16(p).ok_or(())?,
        })
    }
}

fn parse_hex_u16(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(s, 16).ok()
}

/// Parses ASCII decimal digits (no sign, no spaces) up to `max`.
pub(crate) fn parse_decimal(s: &str, max: u32) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut value: u32 = 0;
    for b in s.bytes() {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        value = value.checked_mul(10)?.checked_add(u32::from(digit))?;
        if value > max {
            return None;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discriminator_parses_strict_decimal() {
        assert_eq!("0042".parse::<Discriminator>().unwrap().get(), 42);
        assert_eq!("4095".parse::<Discriminator>().unwrap().get(), 4095);
        for bad in ["4096", "", "+1", "-1", " 1", "x", "99999999999999999999"] {
            assert_eq!(
                bad.parse::<Discriminator>(),
                Err(DecodeError::InvalidDiscriminator),
                "{bad:?}"
            );
        }
        assert!(Discriminator::new(4096).is_none());
    }

    #[test]
    fn categories_round_trip_and_reject_out_of_range() {
        let cats = decode_categories("3, 5,").unwrap();
        assert_eq!(cats, [DeviceCategory::E_MOBILITY, DeviceCategory::INVERTER]);
        assert_eq!(encode_categories(&cats), "3,5");
        assert_eq!(encode_categories(&[]), "");
        assert_eq!(decode_categories("").unwrap(), []);
        for bad in ["0", "8", "x", "256"] {
            assert_eq!(
                decode_categories(bad),
                Err(DecodeError::InvalidCategory(bad.into()))
            );
        }
        assert_eq!(format!("{:?}", DeviceCategory::HVAC), "HVAC");
    }

    #[test]
    fn vendor_product_is_lowercase_zero_padded_hex() {
        let vp = VendorProduct {
            vendor_id: 0xabcd,
            product_id: 0xff,
        };
        assert_eq!(vp.to_string(), "abcd:00ff");
        assert_eq!("ABCD:FF".parse(), Ok(vp));
        assert!("abcd".parse::<VendorProduct>().is_err());
        assert!("+bcd:0001".parse::<VendorProduct>().is_err());
        assert!("12345:0001".parse::<VendorProduct>().is_err());
    }
}
