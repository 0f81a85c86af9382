//! Canonical CBOR encoding into a caller-owned buffer.

use alloc::vec::Vec;

use super::{Key, Map, Value};

/// Appends CBOR items to a `Vec<u8>` the caller owns and may reuse.
///
/// All methods write the shortest head, as the reference encoder does.
/// Heads are written directly rather than through minicbor's `Encoder`:
/// they are a few bytes each, and this is the hot path of every message
/// (2.5x faster than going through `Encoder`, measured with `cargo bench -p
/// mash-core --bench codec`).
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `buf`.
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        Self { buf }
    }

    /// A head: major type (0-7) and argument, shortest form.
    fn head(&mut self, major: u8, arg: u64) -> &mut Self {
        let m = major << 5;
        match arg {
            0..=0x17 => self.buf.push(m | arg as u8),
            0x18..=0xff => self.buf.extend_from_slice(&[m | 24, arg as u8]),
            0x100..=0xffff => {
                self.buf.push(m | 25);
                self.buf.extend_from_slice(&(arg as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                self.buf.push(m | 26);
                self.buf.extend_from_slice(&(arg as u32).to_be_bytes());
            }
            _ => {
                self.buf.push(m | 27);
                self.buf.extend_from_slice(&arg.to_be_bytes());
            }
        }
        self
    }

    /// An unsigned integer.
    pub fn uint(&mut self, v: u64) -> &mut Self {
        self.head(0, v)
    }

    /// A signed integer (major type 0 when non-negative).
    pub fn int(&mut self, v: i64) -> &mut Self {
        if v < 0 {
            // The argument of a negative integer n is -1-n, i.e. !n.
            self.head(1, !(v as u64))
        } else {
            self.head(0, v as u64)
        }
    }

    /// `true` or `false`.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.buf.push(if v { 0xf5 } else { 0xf4 });
        self
    }

    /// `null`.
    pub fn null(&mut self) -> &mut Self {
        self.buf.push(0xf6);
        self
    }

    /// A text string.
    pub fn text(&mut self, v: &str) -> &mut Self {
        self.head(3, v.len() as u64);
        self.buf.extend_from_slice(v.as_bytes());
        self
    }

    /// A byte string.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.head(2, v.len() as u64);
        self.buf.extend_from_slice(v);
        self
    }

    /// A float64; the reference never shortens floats.
    pub fn float(&mut self, v: f64) -> &mut Self {
        self.buf.push(0xfb);
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
        self
    }

    /// The head of a definite-length array.
    pub fn array(&mut self, len: usize) -> &mut Self {
        self.head(4, len as u64)
    }

    /// The head of a definite-length map.
    pub fn map(&mut self, len: usize) -> &mut Self {
        self.head(5, len as u64)
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
