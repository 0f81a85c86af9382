//! The test enable key (INTEROP.md Appendix A.1, A.3).

use core::fmt;
use core::str::FromStr;

/// A valid test enable key: 32 hex characters, not all zero.
///
/// Commands compare it with the request's `enableKey` as an exact,
/// case-sensitive string (Appendix A.1), so the configured spelling is
/// kept. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct EnableKey(String);

/// Why a configured enable key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidEnableKey {
    /// Not 32 characters long (the length found).
    Length(usize),
    /// A character that is not a hex digit.
    NotHex,
    /// 32 zeros: a well-formed key that disables triggers.
    AllZero,
}

impl fmt::Display for InvalidEnableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "enable key must be 32 hex characters, got {n}"),
            Self::NotHex => f.write_str("enable key must be 32 hex characters"),
            Self::AllZero => f.write_str("an all-zero enable key disables test triggers"),
        }
    }
}

impl std::error::Error for InvalidEnableKey {}

impl EnableKey {
    /// The key mash-device and mash-test both default to.
    pub const REFERENCE_DEFAULT: &'static str = "00112233445566778899aabbccddeeff";

    /// Reads a configured key the way mash-device does: empty or all-zero
    /// means "no key" (`Ok(None)`, triggers and the TEST zone disabled);
    /// anything else must be 32 hex characters, or the device must refuse
    /// to start.
    pub fn from_config(s: &str) -> Result<Option<Self>, InvalidEnableKey> {
        match s.parse::<Self>() {
            Ok(key) => Ok(Some(key)),
            Err(InvalidEnableKey::AllZero) => Ok(None),
            Err(InvalidEnableKey::Length(0)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether a request's key equals this one, character for character.
    /// Compares in time independent of where the strings differ.
    pub fn matches(&self, candidate: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), candidate.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The key as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EnableKey {
    type Err = InvalidEnableKey;

    /// A valid key; all-zero is refused with [`InvalidEnableKey::AllZero`].
    fn from_str(s: &str) -> Result<Self, InvalidEnableKey> {
        if s.len() != 32 {
            return Err(InvalidEnableKey::Length(s.len()));
        }
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(InvalidEnableKey::NotHex);
        }
        if s.bytes().all(|b| b == b'0') {
            return Err(InvalidEnableKey::AllZero);
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Debug for EnableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnableKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_32_hex_characters_in_either_case() {
        assert!(EnableKey::REFERENCE_DEFAULT.parse::<EnableKey>().is_ok());
        assert!(
            "00112233445566778899AABBCCDDEEFF"
                .parse::<EnableKey>()
                .is_ok()
        );
    }

    #[test]
    fn refuses_malformed_keys() {
        assert_eq!("abc".parse::<EnableKey>(), Err(InvalidEnableKey::Length(3)));
        assert_eq!(
            "0011223344556677889900aabbccddeeff".parse::<EnableKey>(),
            Err(InvalidEnableKey::Length(34))
        );
        assert_eq!(
            "g0112233445566778899aabbccddeeff".parse::<EnableKey>(),
            Err(InvalidEnableKey::NotHex)
        );
        assert_eq!(
            "00000000000000000000000000000000".parse::<EnableKey>(),
            Err(InvalidEnableKey::AllZero)
        );
    }

    #[test]
    fn config_treats_empty_and_zero_as_no_key_and_refuses_the_rest() {
        assert_eq!(EnableKey::from_config(""), Ok(None));
        assert_eq!(
            EnableKey::from_config("00000000000000000000000000000000"),
            Ok(None)
        );
        assert!(EnableKey::from_config("xyz").is_err());
        assert!(matches!(
            EnableKey::from_config(EnableKey::REFERENCE_DEFAULT),
            Ok(Some(_))
        ));
    }

    #[test]
    fn comparison_is_exact_and_case_sensitive() {
        let key: EnableKey = EnableKey::REFERENCE_DEFAULT.parse().unwrap();
        assert!(key.matches("00112233445566778899aabbccddeeff"));
        assert!(!key.matches("00112233445566778899AABBCCDDEEFF"));
        assert!(!key.matches("00112233445566778899aabbccddeef"));
        assert!(!key.matches(""));
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let key: EnableKey = EnableKey::REFERENCE_DEFAULT.parse().unwrap();
        assert_eq!(format!("{key:?}"), "EnableKey(..)");
    }
}
