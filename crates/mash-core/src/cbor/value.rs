//! The dynamic CBOR value every attribute, payload and parameter is made of.

use alloc::string::String;
use alloc::vec::Vec;

use super::Key;

/// One CBOR data item, restricted to what MASH puts on the wire.
///
/// Integers are split the way the reference decodes them: `Uint` for
/// values `>= 0`, `Nint` for values `< 0`. Constructors normalise, so a
/// non-negative `i64` always becomes `Uint`; equality therefore is
/// equality of the encoded item.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` (0xf6).
    Null,
    /// `false` / `true`.
    Bool(bool),
    /// A non-negative integer (major type 0).
    Uint(u64),
    /// A negative integer (major type 1); always below zero.
    Nint(i64),
    /// A finite float, written as float64.
    Float(f64),
    /// A byte string (major type 2).
    Bytes(Vec<u8>),
    /// A text string (major type 3).
    Text(String),
    /// An array (major type 4).
    Array(Vec<Value>),
    /// A map (major type 5) with integer or text keys.
    Map(Map),
}

impl Value {
    /// A signed integer, normalised to `Uint` when non-negative.
    pub const fn int(v: i64) -> Self {
        if v < 0 {
            Self::Nint(v)
        } else {
            Self::Uint(v as u64)
        }
    }

    /// The value as `u64` if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Uint(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as `i64` if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Uint(v) => i64::try_from(*v).ok(),
            Self::Nint(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The value as an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The value as a map.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Self::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }
}

macro_rules! from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Self::Uint(v.into())
            }
        }
    )*};
}
from_unsigned!(u8, u16, u32, u64);

macro_rules! from_signed {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Self::int(v.into())
            }
        }
    )*};
}
from_signed!(i8, i16, i32, i64);

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.into())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(v)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Self::Array(v)
    }
}

impl From<Map> for Value {
    fn from(v: Map) -> Self {
        Self::Map(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

/// A CBOR map whose entries are kept unique and in canonical key order,
/// so encoding needs no sort and lookups are a binary search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<(Key, Value)>,
}

impl Map {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &Key) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.canonical_cmp(key))
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: impl Into<Key>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        match self.position(&key) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|e| core::mem::replace(&mut e.1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Inserts a key that must be new; `Err` hands the pair back otherwise.
    pub(crate) fn insert_new(&mut self, key: Key, value: Value) -> Result<(), (Key, Value)> {
        // Canonical encoders send keys in order: append without a search.
        let after_last = self
            .entries
            .last()
            .is_none_or(|(last, _)| last.canonical_cmp(&key).is_lt());
        if after_last {
            self.entries.push((key, value));
            return Ok(());
        }
        match self.position(&key) {
            Ok(_) => Err((key, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                Ok(())
            }
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: impl Into<Key>) -> Option<&Value> {
        let key = key.into();
        self.position(&key)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|e| &e.1)
    }

    /// The value under the unsigned integer key `key`, without allocating.
    pub fn get_uint(&self, key: u64) -> Option<&Value> {
        self.get(Key::Uint(key))
    }

    /// The value under the text key `key`.
    pub fn get_text(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|e| &e.1)
    }

    /// Removes and returns the value under `key`.
    pub fn remove(&mut self, key: impl Into<Key>) -> Option<Value> {
        let key = key.into();
        let i = self.position(&key).ok()?;
        Some(self.entries.remove(i).1)
    }

    /// Entries in canonical key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Key, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: impl Into<Key>) -> bool {
        self.position(&key.into()).is_ok()
    }
}

impl<K: Into<Key>, V: Into<Value>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl IntoIterator for Map {
    type Item = (Key, Value);
    type IntoIter = alloc::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}
