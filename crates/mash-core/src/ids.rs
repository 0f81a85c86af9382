//! Zone and device identifiers (INTEROP.md §4 "Identifiers").
//!
//! Both are 8 bytes on the inside and 16 lowercase hex characters on the
//! wire (certificate CN, RemoveZone, mDNS `ZI`/`DI`).

use core::fmt;
use core::str::FromStr;

use sha2::{Digest, Sha256};

macro_rules! hex_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 8]);

        impl $name {
            /// Wraps raw identifier bytes.
            pub const fn from_bytes(bytes: [u8; 8]) -> Self {
                Self(bytes)
            }

            /// The raw identifier bytes.
            pub const fn as_bytes(&self) -> &[u8; 8] {
                &self.0
            }

            /// The first 8 bytes of SHA-256 over `input`.
            pub fn from_sha256_of(input: &[u8]) -> Self {
                let mut id = [0u8; 8];
                for (out, b) in id.iter_mut().zip(Sha256::digest(input)) {
                    *out = b;
                }
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for b in self.0 {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            /// Parses exactly 16 hex characters, either case.
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                let s = s.as_bytes();
                if s.len() != 16 {
                    return Err(InvalidId);
                }
                let mut id = [0u8; 8];
                for (out, pair) in id.iter_mut().zip(s.chunks_exact(2)) {
                    let [hi, lo] = pair else { return Err(InvalidId) };
                    *out = (nibble(*hi)? << 4) | nibble(*lo)?;
                }
                Ok(Self(id))
            }
        }
    };
}

fn nibble(c: u8) -> Result<u8, InvalidId> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(InvalidId),
    }
}

/// The text is not 16 hex characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidId;

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("identifier must be 16 hex characters")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for InvalidId {}

hex_id! {
    /// A zone as the device and controller name it: the first 8 bytes of
    /// SHA-256 over the PASE shared secret, computed by both sides after
    /// commissioning (INTEROP.md §4). A new commissioning gives a new ID.
    ZoneId
}

hex_id! {
    /// A device within one zone: the first 8 bytes of SHA-256 over the
    /// SubjectPublicKeyInfo DER of the key in its operational certificate
    /// (INTEROP.md §4). The same device has one per zone.
    DeviceId
}

impl ZoneId {
    /// Derives the zone ID from the PASE shared secret.
    pub fn from_shared_secret(shared_secret: &[u8]) -> Self {
        Self::from_sha256_of(shared_secret)
    }
}

impl DeviceId {
    /// Derives the device ID from a SubjectPublicKeyInfo DER encoding.
    pub fn from_spki_der(spki_der: &[u8]) -> Self {
        Self::from_sha256_of(spki_der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn ids_print_lowercase_and_parse_either_case() {
        let id: ZoneId = "2859A7266FF2C1F0".parse().unwrap();
        assert_eq!(id.to_string(), "2859a7266ff2c1f0");
        assert!("2859a7266ff2c1f".parse::<ZoneId>().is_err());
        assert!("2859a7266ff2c1fg".parse::<ZoneId>().is_err());
    }
}
