//! Setup code and discriminator (INTEROP.md §5.5, security.md §4.1).
//!
//! The setup code is the SPAKE2+ password: eight decimal digits whose ASCII
//! form, zero-padded, is fed to HKDF (INTEROP.md §5.4). Two strictness
//! levels exist, as in the reference:
//!
//! - provisioning a device ([`SetupCode::new`], [`SetupCode::generate`],
//!   `Verifier::from_setup_code`) enforces the range 1..=99_999_998 and the
//!   prohibited list;
//! - parsing what a user typed for PASE ([`SetupCode::parse`]) only checks
//!   the shape, so a controller can still try any eight digits.

use core::fmt;

use rand_core::CryptoRng;

/// Number of digits in a setup code.
pub const SETUP_CODE_DIGITS: usize = 8;

/// Why a setup code is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetupCodeError {
    /// Not exactly eight characters (after trimming, where trimming applies).
    WrongLength,
    /// A character other than an ASCII digit.
    NotDigits,
    /// Outside 1..=99_999_998 (00000000 and 99999999 included).
    OutOfRange(u32),
    /// One of the low-entropy codes the spec forbids.
    Prohibited(u32),
}

impl fmt::Display for SetupCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength => f.write_str("invalid setup code: must be 8 digits"),
            Self::NotDigits => f.write_str("invalid setup code: only ascii digits allowed"),
            Self::OutOfRange(_) => {
                f.write_str("invalid setup code: must be between 1 and 99999998")
            }
            Self::Prohibited(_) => f.write_str("invalid setup code: prohibited low-entropy code"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SetupCodeError {}

/// An eight-digit setup code (INTEROP.md §5.5).
///
/// Holds any value 0..=99_999_999; whether it is acceptable for a device is
/// a separate check ([`SetupCode::validate`]). `Debug` hides the digits so
/// the code does not end up in logs; `Display` prints them zero-padded.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SetupCode(u32);

impl SetupCode {
    /// Smallest valid code.
    pub const MIN: u32 = 1;
    /// Largest valid code.
    pub const MAX: u32 = 99_999_998;
    /// Low-entropy codes a device must refuse (INTEROP.md §5.5), ascending.
    pub const PROHIBITED: [u32; 10] = [
        11_111_111, 12_345_678, 22_222_222, 33_333_333, 44_444_444, 55_555_555, 66_666_666,
        77_777_777, 87_654_321, 88_888_888,
    ];

    /// A code a device may be provisioned with: in range and not prohibited.
    pub fn new(value: u32) -> Result<Self, SetupCodeError> {
        let code = Self(value);
        code.validate()?;
        Ok(code)
    }

    /// Parses a code typed by a user for PASE, permissively as the
    /// reference's `ParseSetupCode`: surrounding whitespace is trimmed, then
    /// exactly eight ASCII digits are required. Range and prohibited list
    /// are **not** checked.
    pub fn parse(s: &str) -> Result<Self, SetupCodeError> {
        Self::parse_strict(s.trim())
    }

    /// Parses exactly eight ASCII digits with no trimming (the QR and
    /// discovery form). Range and prohibited list are not checked.
    pub fn parse_strict(s: &str) -> Result<Self, SetupCodeError> {
        // Length in bytes, as the reference counts it: a multi-byte digit
        // look-alike makes the string too long rather than non-numeric.
        if s.len() != SETUP_CODE_DIGITS {
            return Err(SetupCodeError::WrongLength);
        }
        let mut value = 0u32;
        for b in s.bytes() {
            if !b.is_ascii_digit() {
                return Err(SetupCodeError::NotDigits);
            }
            value = value * 10 + u32::from(b - b'0');
        }
        Ok(Self(value))
    }

    /// Wraps any value of at most eight digits without range checks (for
    /// codes read from a QR payload or typed as a number).
    pub fn from_digits(value: u32) -> Result<Self, SetupCodeError> {
        if value > 99_999_999 {
            Err(SetupCodeError::WrongLength)
        } else {
            Ok(Self(value))
        }
    }

    /// Checks the provisioning rules: 1..=99_999_998 and not prohibited.
    pub fn validate(&self) -> Result<(), SetupCodeError> {
        if !(Self::MIN..=Self::MAX).contains(&self.0) {
            return Err(SetupCodeError::OutOfRange(self.0));
        }
        if Self::PROHIBITED.contains(&self.0) {
            return Err(SetupCodeError::Prohibited(self.0));
        }
        Ok(())
    }

    /// Draws a uniformly random valid code.
    ///
    /// Prohibited codes are never produced: the draw picks an index among
    /// the valid codes only and maps it past the prohibited values. Draws
    /// that would bias the result are retried (bounded).
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        const VALID: u32 = SetupCode::MAX - SetupCode::MIN + 1 - SetupCode::PROHIBITED.len() as u32;
        // Largest multiple of VALID that fits in u32: draws at or above it
        // would make low indices slightly more likely.
        const ZONE: u32 = u32::MAX - (u32::MAX % VALID);
        let mut draw = rng.next_u32();
        for _ in 0..64 {
            if draw < ZONE {
                break;
            }
            draw = rng.next_u32();
        }
        let mut value = Self::MIN + draw % VALID;
        // PROHIBITED is ascending, so one pass shifts the value past every
        // prohibited code at or below it.
        for p in Self::PROHIBITED {
            if value >= p {
                value += 1;
            }
        }
        Self(value)
    }

    /// The numeric value.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The SPAKE2+ password: the eight ASCII digits, zero-padded
    /// (INTEROP.md §5.4).
    pub fn password(&self) -> [u8; SETUP_CODE_DIGITS] {
        let mut out = [b'0'; SETUP_CODE_DIGITS];
        let mut v = self.0;
        for slot in out.iter_mut().rev() {
            // `v % 10` is below 10, so the cast cannot truncate.
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out
    }
}

impl fmt::Display for SetupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

impl fmt::Debug for SetupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetupCode(********)")
    }
}

/// The 12-bit discriminator that tells devices apart before commissioning
/// (INTEROP.md §5.5, §9: mDNS `D`, QR field 2).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Discriminator(u16);

impl Discriminator {
    /// Largest discriminator.
    pub const MAX: u16 = 0x0fff;

    /// A discriminator, if `value` fits in 12 bits.
    pub const fn new(value: u16) -> Option<Self> {
        if value <= Self::MAX {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The numeric value.
    pub const fn value(self) -> u16 {
        self.0
    }

    /// Draws a random discriminator.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        // Masking keeps 12 bits; the cast cannot truncate.
        Self((rng.next_u32() & u32::from(Self::MAX)) as u16)
    }
}

impl fmt::Display for Discriminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commissioning::testutil::{StepRng, vectors};
    use alloc::string::ToString;

    /// setupcode_qr.json: `commissioning_ParseSetupCode` (permissive parse
    /// + Validate), every case.
    #[test]
    fn setupcode_qr_json_commissioning_parse_setup_code() {
        let v = vectors::setupcode_qr();
        let cases = v["commissioning_ParseSetupCode"].as_array().unwrap();
        assert_eq!(cases.len(), 27);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let input = case["input"].as_str().unwrap();
            let parsed = SetupCode::parse(input);
            if case["ParseSetupCode_error"].is_null() {
                let code = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    u64::from(code.value()),
                    case["value"].as_u64().unwrap(),
                    "{name}"
                );
                assert_eq!(code.to_string(), case["String"].as_str().unwrap(), "{name}");
                assert_eq!(
                    hex::encode(code.password()),
                    case["password_hex"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    code.validate().is_ok(),
                    case["valid"].as_bool().unwrap(),
                    "{name}"
                );
                if let Some(msg) = case["Validate_error"].as_str() {
                    assert_eq!(code.validate().unwrap_err().to_string(), msg, "{name}");
                }
            } else {
                let err = parsed.expect_err(name);
                let go = case["ParseSetupCode_error"].as_str().unwrap();
                let expected = if go.contains("must be 8 digits") {
                    SetupCodeError::WrongLength
                } else {
                    assert!(go.contains("invalid syntax"), "{name}");
                    SetupCodeError::NotDigits
                };
                assert_eq!(err, expected, "{name}");
            }
        }
    }

    /// setupcode_qr.json: `commissioning_SetupCode_Validate`, every case.
    #[test]
    fn setupcode_qr_json_validate() {
        let v = vectors::setupcode_qr();
        for case in v["commissioning_SetupCode_Validate"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let value = u32::try_from(case["value"].as_u64().unwrap()).unwrap();
            let valid = case["valid"].as_bool().unwrap();
            match SetupCode::from_digits(value) {
                Ok(code) => {
                    assert_eq!(code.to_string(), case["String"].as_str().unwrap(), "{name}");
                    assert_eq!(code.validate().is_ok(), valid, "{name}");
                    assert_eq!(SetupCode::new(value).is_ok(), valid, "{name}");
                    if let Some(msg) = case["Validate_error"].as_str() {
                        assert_eq!(code.validate().unwrap_err().to_string(), msg, "{name}");
                    }
                }
                // 100000000 has nine digits: not representable, and invalid.
                Err(_) => assert!(!valid && SetupCode::new(value).is_err(), "{name}"),
            }
        }
        let listed: Vec<u32> = v["prohibited_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().parse().unwrap())
            .collect();
        let mut ours = SetupCode::PROHIBITED.to_vec();
        let mut theirs = listed.clone();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
        assert_eq!(v["setup_code_range"]["min"], SetupCode::MIN);
        assert_eq!(v["setup_code_range"]["max"], SetupCode::MAX);
    }

    /// setupcode_qr.json: `discovery_ParseSetupCode` (strict) and
    /// `discovery_FormatSetupCode`, every case.
    #[test]
    fn setupcode_qr_json_discovery_parse_and_format() {
        let v = vectors::setupcode_qr();
        for case in v["discovery_ParseSetupCode"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let parsed = SetupCode::parse_strict(case["input"].as_str().unwrap());
            if case["error"].is_null() {
                assert_eq!(
                    u64::from(parsed.unwrap().value()),
                    case["value"].as_u64().unwrap(),
                    "{name}"
                );
            } else {
                assert!(parsed.is_err(), "{name}");
            }
        }
        for case in v["discovery_FormatSetupCode"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let value = u32::try_from(case["input"].as_u64().unwrap()).unwrap();
            match SetupCode::from_digits(value) {
                Ok(code) => assert_eq!(
                    code.to_string(),
                    case["FormatSetupCode"].as_str().unwrap(),
                    "{name}"
                ),
                // Go formats 123456789 as nine digits; a SetupCode cannot hold it.
                Err(e) => assert_eq!(
                    (value, e),
                    (123_456_789, SetupCodeError::WrongLength),
                    "{name}"
                ),
            }
        }
    }

    #[test]
    fn generator_never_yields_prohibited_or_out_of_range() {
        let mut rng = StepRng::new(0x1234_5678);
        for _ in 0..2000 {
            SetupCode::generate(&mut rng).validate().unwrap();
        }
        // Draws that land exactly on the prohibited neighbourhood are
        // shifted past it: index of 11111111 among valid codes is 11111110.
        let mut rng = StepRng::fixed_u32(11_111_110);
        assert_eq!(SetupCode::generate(&mut rng).value(), 11_111_112);
        let mut rng = StepRng::fixed_u32(0);
        assert_eq!(SetupCode::generate(&mut rng).value(), 1);
        let last = SetupCode::MAX - SetupCode::MIN - 10;
        let mut rng = StepRng::fixed_u32(last);
        assert_eq!(SetupCode::generate(&mut rng).value(), SetupCode::MAX);
    }

    #[test]
    fn debug_hides_the_digits() {
        let code = SetupCode::new(20_202_021).unwrap();
        assert_eq!(alloc::format!("{code:?}"), "SetupCode(********)");
        assert_eq!(code.to_string(), "20202021");
    }

    #[test]
    fn discriminator_is_twelve_bits() {
        assert_eq!(
            Discriminator::new(4095).map(Discriminator::value),
            Some(4095)
        );
        assert!(Discriminator::new(4096).is_none());
        let mut rng = StepRng::new(99);
        for _ in 0..100 {
            assert!(Discriminator::generate(&mut rng).value() <= Discriminator::MAX);
        }
    }
}
