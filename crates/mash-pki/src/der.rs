//! A minimal DER writer for the few ASN.1 shapes MASH certificates need.
//!
//! We write certificates and CSRs ourselves instead of through rcgen's
//! builder because the Go reference puts several OU values into one
//! multi-valued RDN and orders its extensions in a fixed way
//! (INTEROP.md §4); rcgen can express neither. rcgen still generates the
//! keys and computes the signatures.

use time::OffsetDateTime;

use crate::error::PkiError;

/// Universal tags used below.
pub(crate) mod tag {
    pub(crate) const BOOLEAN: u8 = 0x01;
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const PRINTABLE_STRING: u8 = 0x13;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
}

/// Encodes one TLV with a definite, minimal length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Short form; the cast cannot truncate because len < 0x80.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    // At most size_of::<usize>() bytes, so the count fits the 7-bit field.
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// `SEQUENCE { parts... }`.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag::SEQUENCE, &parts.concat())
}

/// `SET OF` with the elements sorted by their encodings, as DER requires
/// (X.690 §11.6). Go sorts the same way, which is what decides which OU
/// comes first inside a multi-valued RDN (INTEROP.md §4).
pub(crate) fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    tlv(tag::SET, &elements.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub(crate) fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|b| **b == 0).count();
    let trimmed = magnitude.get(skip..).unwrap_or_default();
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    match trimmed.first() {
        None => content.push(0),
        Some(first) if first & 0x80 != 0 => content.push(0),
        Some(_) => {}
    }
    content.extend_from_slice(trimmed);
    tlv(tag::INTEGER, &content)
}

/// A small non-negative INTEGER.
pub(crate) fn small_integer(value: u8) -> Vec<u8> {
    unsigned_integer(&[value])
}

/// An OBJECT IDENTIFIER from its pre-encoded content bytes.
pub(crate) fn oid(content: &[u8]) -> Vec<u8> {
    tlv(tag::OID, content)
}

/// `BOOLEAN TRUE` (DER only ever writes TRUE for the fields we use;
/// FALSE is the omitted DEFAULT).
pub(crate) fn boolean_true() -> Vec<u8> {
    tlv(tag::BOOLEAN, &[0xff])
}

/// A BIT STRING of whole bytes (no unused bits).
pub(crate) fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(tag::BIT_STRING, &content)
}

/// A BIT STRING of named bits (bit 0 = most significant bit of the first
/// byte), trimmed after the last set bit as DER requires for named bit
/// lists (X.690 §11.2.2). Go encodes KeyUsage this way (`03 02 05 a0`).
pub(crate) fn named_bits(bits: u16) -> Vec<u8> {
    if bits == 0 {
        return tlv(tag::BIT_STRING, &[0]);
    }
    // Named bit n lives at MSB-first position n of a 16-bit big-endian value.
    let value = bits.reverse_bits();
    let used = 16 - value.trailing_zeros() as usize;
    let byte_count = used.div_ceil(8);
    let unused = byte_count * 8 - used;
    let bytes = value.to_be_bytes();
    let mut content = Vec::with_capacity(byte_count + 1);
    // unused < 8 by construction.
    content.push(unused as u8);
    content.extend_from_slice(bytes.get(..byte_count).unwrap_or(&bytes));
    tlv(tag::BIT_STRING, &content)
}

/// An OCTET STRING.
pub(crate) fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, bytes)
}

/// `[n] EXPLICIT` (constructed context tag).
pub(crate) fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, inner)
}

/// A certificate `Time`: UTCTime for 1950..2049, GeneralizedTime
/// otherwise (RFC 5280 §4.1.2.5; Go does the same).
pub(crate) fn time(at: OffsetDateTime) -> Result<Vec<u8>, PkiError> {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year();
    if !(0..=9999).contains(&year) {
        return Err(PkiError::InvalidInput(
            "certificate time outside years 0..9999",
        ));
    }
    let (tag, text) = if (1950..2050).contains(&year) {
        let text = format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            year % 100,
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        (tag::UTC_TIME, text)
    } else {
        let text = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            year,
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        (tag::GENERALIZED_TIME, text)
    };
    Ok(tlv(tag, text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_the_minimal_form() {
        assert_eq!(tlv(0x04, &[0; 3])[..2], [0x04, 0x03]);
        assert_eq!(tlv(0x04, &[0; 0x80])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(tlv(0x04, &[0; 0x1234])[..4], [0x04, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(unsigned_integer(&[0, 0, 0x7f]), [0x02, 0x01, 0x7f]);
        assert_eq!(unsigned_integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(unsigned_integer(&[]), [0x02, 0x01, 0x00]);
    }

    #[test]
    fn key_usage_bits_match_go() {
        // digitalSignature(0) | keyEncipherment(2)
        assert_eq!(named_bits(0b101), hex::decode("030205a0").unwrap());
        // digitalSignature(0) | keyCertSign(5) | cRLSign(6)
        assert_eq!(named_bits(0b110_0001), hex::decode("03020186").unwrap());
        // decipherOnly(8) needs a second byte
        assert_eq!(named_bits(1 << 8), hex::decode("0303070080").unwrap());
    }

    #[test]
    fn times_switch_to_generalized_in_2050() {
        let t = OffsetDateTime::from_unix_timestamp(1_796_315_590).unwrap();
        assert_eq!(
            time(t).unwrap(),
            hex::decode("170d3236313230333136333331305a").unwrap()
        );
        let t = OffsetDateTime::from_unix_timestamp(2_524_608_000).unwrap(); // 2050-01-01
        assert_eq!(time(t).unwrap()[0], tag::GENERALIZED_TIME);
        assert_eq!(&time(t).unwrap()[2..], b"20500101000000Z");
    }
}
