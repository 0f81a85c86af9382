//! Decode errors for CBOR input.

use core::fmt;

/// Why a byte sequence is not an acceptable MASH CBOR data item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended inside a data item.
    UnexpectedEnd,
    /// Bytes remain after the top-level data item.
    TrailingBytes,
    /// A reserved or unassigned initial byte (or a stray `break`).
    Malformed(u8),
    /// A CBOR tag; MASH never uses tags.
    UnsupportedTag,
    /// A simple value other than false, true and null.
    UnsupportedSimple,
    /// A map key that is neither an integer nor a text string.
    UnsupportedKey,
    /// The same key twice in one map.
    DuplicateKey,
    /// NaN or ±Infinity.
    NonFiniteFloat,
    /// A negative integer below `i64::MIN`.
    IntegerOverflow,
    /// A text string that is not valid UTF-8.
    InvalidUtf8,
    /// A container length larger than the remaining input could hold.
    LengthTooLarge,
    /// Containers nested deeper than [`super::MAX_DEPTH`].
    TooDeep,
    /// A well-formed item of the wrong type for the field being read.
    UnexpectedType {
        /// What the field needs, e.g. "uint8" or "map".
        expected: &'static str,
    },
    /// An integer that does not fit the field's width.
    OutOfRange {
        /// The field's width, e.g. "uint8".
        expected: &'static str,
    },
    /// A mandatory field is absent.
    MissingField(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedEnd => f.write_str("unexpected end of input"),
            Self::TrailingBytes => f.write_str("trailing bytes after data item"),
            Self::Malformed(b) => write!(f, "malformed initial byte {b:#04x}"),
            Self::UnsupportedTag => f.write_str("cbor tags are not supported"),
            Self::UnsupportedSimple => f.write_str("unsupported simple value"),
            Self::UnsupportedKey => f.write_str("map key must be an integer or text"),
            Self::DuplicateKey => f.write_str("duplicate map key"),
            Self::NonFiniteFloat => f.write_str("NaN and infinity are not allowed"),
            Self::IntegerOverflow => f.write_str("integer does not fit in 64 bits"),
            Self::InvalidUtf8 => f.write_str("text string is not valid utf-8"),
            Self::LengthTooLarge => f.write_str("length exceeds remaining input"),
            Self::TooDeep => f.write_str("nesting too deep"),
            Self::UnexpectedType { expected } => write!(f, "expected {expected}"),
            Self::OutOfRange { expected } => write!(f, "value does not fit {expected}"),
            Self::MissingField(name) => write!(f, "missing required field: {name}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}
