//! Map keys and their canonical order.

use alloc::string::String;
use core::cmp::Ordering;

/// A CBOR map key as MASH uses them: integers for the interaction model,
/// text for command parameters and results (INTEROP.md §6.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A non-negative integer key (major type 0).
    Uint(u64),
    /// A negative integer key (major type 1); always below zero.
    Nint(i64),
    /// A text key (major type 3).
    Text(String),
}

impl Key {
    /// The key as an unsigned integer, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Uint(v) => Some(*v),
            _ => None,
        }
    }

    /// The key as text, if it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Length-first canonical order (RFC 7049 §3.9), the order the
    /// reference encoder writes map keys in.
    ///
    /// Shorter encodings sort first; equal lengths compare bytewise, which
    /// puts unsigned before negative before text at equal length and orders
    /// values of one kind numerically (or bytewise for text).
    pub fn canonical_cmp(&self, other: &Self) -> Ordering {
        // Same kind: length-first order is plain numeric (or length, then
        // bytewise) order, without computing encodings.
        match (self, other) {
            (Self::Uint(a), Self::Uint(b)) => return a.cmp(b),
            (Self::Text(a), Self::Text(b)) => {
                return a
                    .len()
                    .cmp(&b.len())
                    .then_with(|| a.as_bytes().cmp(b.as_bytes()));
            }
            _ => {}
        }
        self.encoded_len()
            .cmp(&other.encoded_len())
            .then_with(|| self.major().cmp(&other.major()))
            .then_with(|| match (self, other) {
                (Self::Uint(a), Self::Uint(b)) => a.cmp(b),
                // -1-n is the encoded argument: larger magnitude, larger bytes.
                (Self::Nint(a), Self::Nint(b)) => b.cmp(a),
                (Self::Text(a), Self::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
                _ => Ordering::Equal,
            })
    }

    fn major(&self) -> u8 {
        match self {
            Self::Uint(_) => 0,
            Self::Nint(_) => 1,
            Self::Text(_) => 3,
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Self::Uint(v) => head_len(*v),
            // The argument of a negative integer n is -1-n, i.e. !n.
            Self::Nint(v) => head_len(!(*v) as u64),
            Self::Text(s) => head_len(s.len() as u64) + s.len(),
        }
    }
}

/// Bytes taken by a CBOR head carrying `arg`.
pub(crate) const fn head_len(arg: u64) -> usize {
    match arg {
        0..=0x17 => 1,
        0x18..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

impl From<u64> for Key {
    fn from(v: u64) -> Self {
        Self::Uint(v)
    }
}

impl From<u16> for Key {
    fn from(v: u16) -> Self {
        Self::Uint(v.into())
    }
}

impl From<u8> for Key {
    fn from(v: u8) -> Self {
        Self::Uint(v.into())
    }
}

impl From<i64> for Key {
    fn from(v: i64) -> Self {
        if v < 0 {
            Self::Nint(v)
        } else {
            Self::Uint(v as u64)
        }
    }
}

impl From<&str> for Key {
    fn from(v: &str) -> Self {
        Self::Text(v.into())
    }
}

impl From<String> for Key {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn canonical_order_matches_reference_encoder() {
        // INTEROP.md §6.6: text keys sort by length first ("cause" before
        // "consumptionLimit"); integers numerically; shorter encodings first.
        let mut keys: Vec<Key> = vec![
            "consumptionLimit".into(),
            "duration".into(),
            "cause".into(),
            Key::Uint(0xfffa),
            Key::Uint(24),
            Key::Nint(-1),
            Key::Uint(1),
            Key::Nint(-25),
        ];
        keys.sort_by(Key::canonical_cmp);
        assert_eq!(
            keys,
            vec![
                Key::Uint(1),
                Key::Nint(-1),
                Key::Uint(24),
                Key::Nint(-25),
                Key::Uint(0xfffa),
                "cause".into(),
                "duration".into(),
                "consumptionLimit".into(),
            ]
        );
    }
}
