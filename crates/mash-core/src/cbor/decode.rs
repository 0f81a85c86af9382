//! Strict, bounded CBOR decoding.

use alloc::string::String;
use alloc::vec::Vec;

use minicbor::Decoder;
use minicbor::data::Type;

use super::{DecodeError, Key, MAX_DEPTH, Map, Value};

/// Reads CBOR items from a byte slice.
pub struct Reader<'b> {
    dec: Decoder<'b>,
    len: usize,
}

fn map_err(e: minicbor::decode::Error) -> DecodeError {
    if e.is_end_of_input() {
        DecodeError::UnexpectedEnd
    } else if e.is_type_mismatch() {
        DecodeError::UnexpectedType {
            expected: "well-formed item",
        }
    } else {
        DecodeError::Malformed(0)
    }
}

impl<'b> Reader<'b> {
    /// A reader over `bytes`.
    pub fn new(bytes: &'b [u8]) -> Self {
        Self {
            dec: Decoder::new(bytes),
            len: bytes.len(),
        }
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.len.saturating_sub(self.dec.position())
    }

    /// Fails unless every byte has been consumed (rustls `read_bytes` rule).
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes)
        }
    }

    fn datatype(&mut self) -> Result<Type, DecodeError> {
        if self.remaining() == 0 {
            return Err(DecodeError::UnexpectedEnd);
        }
        let pos = self.dec.position();
        let first = self.dec.input().get(pos).copied().unwrap_or(0);
        match self.dec.datatype() {
            Ok(Type::Unknown(b)) => Err(DecodeError::Malformed(b)),
            Ok(Type::Break) => Err(DecodeError::Malformed(0xff)),
            Ok(t) => Ok(t),
            Err(e) if e.is_end_of_input() => Err(DecodeError::UnexpectedEnd),
            Err(_) => Err(DecodeError::Malformed(first)),
        }
    }

    /// Reads one complete data item.
    pub fn value(&mut self) -> Result<Value, DecodeError> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Result<Value, DecodeError> {
        Ok(match self.datatype()? {
            Type::Bool => Value::Bool(self.dec.bool().map_err(map_err)?),
            Type::Null => {
                self.dec.null().map_err(map_err)?;
                Value::Null
            }
            Type::U8 | Type::U16 | Type::U32 | Type::U64 => {
                Value::Uint(self.dec.u64().map_err(map_err)?)
            }
            Type::I8 | Type::I16 | Type::I32 | Type::I64 => {
                let v = self.dec.i64().map_err(map_err)?;
                // minicbor reports small non-negative values as I* only for
                // major type 1, so `v` is negative here; normalise anyway.
                Value::int(v)
            }
            Type::Int => return Err(DecodeError::IntegerOverflow),
            Type::F16 | Type::F32 | Type::F64 => {
                let f = self.dec.f64().map_err(map_err)?;
                if !f.is_finite() {
                    return Err(DecodeError::NonFiniteFloat);
                }
                Value::Float(f)
            }
            Type::Bytes | Type::BytesIndef => Value::Bytes(self.byte_string()?),
            Type::String | Type::StringIndef => Value::Text(self.text_string()?),
            Type::Array | Type::ArrayIndef => {
                let depth = enter(depth)?;
                let len = self.dec.array().map_err(map_err)?;
                let mut items = Vec::with_capacity(self.bounded(len, 1)?);
                match len {
                    Some(n) => {
                        for _ in 0..n {
                            items.push(self.value_at(depth)?);
                        }
                    }
                    None => {
                        while !self.at_break()? {
                            items.push(self.value_at(depth)?);
                        }
                    }
                }
                Value::Array(items)
            }
            Type::Map | Type::MapIndef => Value::Map(self.map_at(depth)?),
            Type::Tag => return Err(DecodeError::UnsupportedTag),
            Type::Undefined | Type::Simple => return Err(DecodeError::UnsupportedSimple),
            Type::Break | Type::Unknown(_) => return Err(DecodeError::Malformed(0xff)),
        })
    }

    /// Reads a map item, rejecting duplicate and non-integer/text keys.
    pub fn map(&mut self) -> Result<Map, DecodeError> {
        match self.datatype()? {
            Type::Map | Type::MapIndef => self.map_at(0),
            _ => Err(DecodeError::UnexpectedType { expected: "map" }),
        }
    }

    fn map_at(&mut self, depth: usize) -> Result<Map, DecodeError> {
        let depth = enter(depth)?;
        let len = self.dec.map().map_err(map_err)?;
        let mut map = Map::with_capacity(self.bounded(len, 2)?);
        let mut remaining = len;
        loop {
            match remaining {
                Some(0) => break,
                Some(ref mut n) => *n -= 1,
                None => {
                    if self.at_break()? {
                        break;
                    }
                }
            }
            let key = self.key()?;
            let value = self.value_at(depth)?;
            map.insert_new(key, value)
                .map_err(|_| DecodeError::DuplicateKey)?;
        }
        Ok(map)
    }

    fn key(&mut self) -> Result<Key, DecodeError> {
        match self.datatype()? {
            Type::U8 | Type::U16 | Type::U32 | Type::U64 => {
                Ok(Key::Uint(self.dec.u64().map_err(map_err)?))
            }
            Type::I8 | Type::I16 | Type::I32 | Type::I64 => {
                Ok(Key::from(self.dec.i64().map_err(map_err)?))
            }
            Type::Int => Err(DecodeError::IntegerOverflow),
            Type::String | Type::StringIndef => Ok(Key::Text(self.text_string()?)),
            _ => Err(DecodeError::UnsupportedKey),
        }
    }

    fn byte_string(&mut self) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        for chunk in self.dec.bytes_iter().map_err(map_err)? {
            out.extend_from_slice(chunk.map_err(map_err)?);
        }
        Ok(out)
    }

    fn text_string(&mut self) -> Result<String, DecodeError> {
        let mut out = String::new();
        for chunk in self.dec.str_iter().map_err(map_err)? {
            match chunk {
                Ok(s) => out.push_str(s),
                Err(e) if e.is_end_of_input() => return Err(DecodeError::UnexpectedEnd),
                // The head already parsed as text, so what is left is bad UTF-8.
                Err(_) => return Err(DecodeError::InvalidUtf8),
            }
        }
        Ok(out)
    }

    /// Consumes a `break` if one is next.
    fn at_break(&mut self) -> Result<bool, DecodeError> {
        let pos = self.dec.position();
        match self.dec.input().get(pos) {
            None => Err(DecodeError::UnexpectedEnd),
            Some(0xff) => {
                self.dec.set_position(pos + 1);
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// Capacity to reserve for a container of `len` items each taking at
    /// least `min_bytes`; errors if the input cannot possibly hold them.
    fn bounded(&self, len: Option<u64>, min_bytes: u64) -> Result<usize, DecodeError> {
        match len {
            None => Ok(0),
            Some(n) => {
                let need = n
                    .checked_mul(min_bytes)
                    .ok_or(DecodeError::LengthTooLarge)?;
                if need > self.remaining() as u64 {
                    Err(DecodeError::LengthTooLarge)
                } else {
                    Ok(n as usize)
                }
            }
        }
    }
}

fn enter(depth: usize) -> Result<usize, DecodeError> {
    if depth >= MAX_DEPTH {
        Err(DecodeError::TooDeep)
    } else {
        Ok(depth + 1)
    }
}

/// Decodes exactly one data item spanning all of `bytes`.
pub fn decode_value(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut r = Reader::new(bytes);
    let v = r.value()?;
    r.finish()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn dec(hex_str: &str) -> Result<Value, DecodeError> {
        let bytes: Vec<u8> = (0..hex_str.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex_str[i..i + 2], 16).unwrap())
            .collect();
        decode_value(&bytes)
    }

    #[test]
    fn integers_split_like_the_reference() {
        assert_eq!(dec("1bffffffffffffffff"), Ok(Value::Uint(u64::MAX)));
        assert_eq!(dec("3b7fffffffffffffff"), Ok(Value::Nint(i64::MIN)));
        assert_eq!(dec("3b8000000000000000"), Err(DecodeError::IntegerOverflow));
        assert_eq!(dec("20"), Ok(Value::Nint(-1)));
    }

    #[test]
    fn malformed_input_gets_precise_errors() {
        assert_eq!(dec(""), Err(DecodeError::UnexpectedEnd));
        assert_eq!(dec("ff"), Err(DecodeError::Malformed(0xff)));
        assert_eq!(dec("1c"), Err(DecodeError::Malformed(0x1c)));
        assert_eq!(dec("0101"), Err(DecodeError::TrailingBytes));
        assert_eq!(dec("a201010102"), Err(DecodeError::DuplicateKey));
        assert_eq!(dec("c11a514b67b0"), Err(DecodeError::UnsupportedTag));
        assert_eq!(dec("f7"), Err(DecodeError::UnsupportedSimple));
        assert_eq!(dec("f97e00"), Err(DecodeError::NonFiniteFloat));
        assert_eq!(dec("fb7ff0000000000000"), Err(DecodeError::NonFiniteFloat));
        assert_eq!(dec("a1f601"), Err(DecodeError::UnsupportedKey));
        assert_eq!(dec("9b00000000ffffffff"), Err(DecodeError::LengthTooLarge));
        assert_eq!(dec("62c328"), Err(DecodeError::InvalidUtf8));
        assert_eq!(dec("5a00010000"), Err(DecodeError::UnexpectedEnd));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut deep = vec![0x81u8; MAX_DEPTH + 1];
        deep.push(0x00);
        assert_eq!(decode_value(&deep), Err(DecodeError::TooDeep));
        let mut ok = vec![0x81u8; MAX_DEPTH];
        ok.push(0x00);
        assert!(decode_value(&ok).is_ok());
    }

    #[test]
    fn indefinite_lengths_and_short_floats_are_accepted() {
        // [_ 1, 2], {_ 1: "a"}, (_ h'01' h'02'), f16 1.5, f32 1.5
        assert_eq!(
            dec("9f0102ff"),
            Ok(Value::Array(vec![Value::Uint(1), Value::Uint(2)]))
        );
        let mut m = Map::new();
        m.insert(1u64, "a");
        assert_eq!(
            dec("bf0161 61ff".replace(' ', "").as_str()),
            Ok(Value::Map(m))
        );
        assert_eq!(dec("5f41014102ff"), Ok(Value::Bytes(vec![1, 2])));
        assert_eq!(dec("f93e00"), Ok(Value::Float(1.5)));
        assert_eq!(dec("fa3fc00000"), Ok(Value::Float(1.5)));
    }
}
