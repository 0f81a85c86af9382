//! Canonical CBOR encoding into a caller-owned buffer.

use alloc::vec::Vec;
use core::convert::Infallible;

use minicbor::Encoder;

use super::{Key, Map, Value};

/// Appends CBOR items to a `Vec<u8>` the caller owns and may reuse.
///
/// All methods write the shortest head, as the reference encoder does.
pub struct Writer<'a> {
    enc: Encoder<&'a mut Vec<u8>>,
}

// Writing into a Vec cannot fail (`Infallible`), and this module never
// builds custom encode errors, so every result is `Ok`.
fn ok<T>(r: Result<T, minicbor::encode::Error<Infallible>>) {
    debug_assert!(r.is_ok());
}

impl<'a> Writer<'a> {
    /// A writer appending to `buf`.
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        Self {
            enc: Encoder::new(buf),
        }
    }

    /// An unsigned integer.
    pub fn uint(&mut self, v: u64) -> &mut Self {
        ok(self.enc.u64(v));
        self
    }

    /// A signed integer (major type 0 when non-negative).
    pub fn int(&mut self, v: i64) -> &mut Self {
        ok(self.enc.i64(v));
        self
    }

    /// `true` or `false`.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        ok(self.enc.bool(v));
        self
    }

    /// `null`.
    pub fn null(&mut self) -> &mut Self {
        ok(self.enc.null());
        self
    }

    /// A text string.
    pub fn text(&mut self, v: &str) -> &mut Self {
        ok(self.enc.str(v));
        self
    }

    /// A byte string.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        ok(self.enc.bytes(v));
        self
    }

    /// A float64; the reference never shortens floats.
    pub fn float(&mut self, v: f64) -> &mut Self {
        ok(self.enc.f64(v));
        self
    }

    /// The head of a definite-length array.
    pub fn array(&mut self, len: usize) -> &mut Self {
        ok(self.enc.array(len as u64));
        self
    }

    /// The head of a definite-length map.
    pub fn map(&mut self, len: usize) -> &mut Self {
        ok(self.enc.map(len as u64));
        self
    }

    /// A map key.
    pub fn key(&mut self, key: &Key) -> &mut Self {
        match key {
            Key::Uint(v) => self.uint(*v),
            Key::Nint(v) => self.int(*v),
            Key::Text(s) => self.text(s),
        }
    }

    /// Any value, recursively.
    pub fn value(&mut self, v: &Value) -> &mut Self {
        match v {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Uint(n) => self.uint(*n),
            Value::Nint(n) => self.int(*n),
            Value::Float(f) => self.float(*f),
            Value::Bytes(b) => self.bytes(b),
            Value::Text(s) => self.text(s),
            Value::Array(items) => {
                self.array(items.len());
                for item in items {
                    self.value(item);
                }
                self
            }
            Value::Map(m) => self.map_value(m),
        }
    }

    /// A map, in its (already canonical) entry order.
    pub fn map_value(&mut self, m: &Map) -> &mut Self {
        self.map(m.len());
        for (k, v) in m.iter() {
            self.key(k);
            self.value(v);
        }
        self
    }
}

/// Encodes `v` to a fresh buffer.
pub fn encode_value(v: &Value) -> Vec<u8> {
    let mut buf = Vec::new();
    Writer::new(&mut buf).value(v);
    buf
}
