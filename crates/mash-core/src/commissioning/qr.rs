//! The QR onboarding payload (INTEROP.md §9 "QR codes").
//!
//! Two forms exist and both are accepted:
//!
//! - `MASH:<version>:<discriminator>:<setupcode>`, the form the reference's
//!   tools print and parse (`discovery.ParseQRCode`): no trimming, version
//!   1..=255, discriminator decimal ≤ 4095, exactly eight ASCII digits;
//! - `MASH:<version>:<discriminator>:<setupcode>:<vendorid>:<productid>`
//!   (`commissioning.ParseQRCode`): surrounding whitespace trimmed, version
//!   must be 1, vendor/product IDs decimal or `0x` hex ≤ 0xFFFF.
//!
//! The form is chosen by the number of `:`-separated fields, and each form
//! keeps its reference parser's rules. Neither checks the setup code's
//! range or prohibited list: that is the device's business.
//! [`QrPayload`] prints the four-field form unless vendor and product IDs
//! are set.

use core::fmt;

use super::setup_code::{Discriminator, SetupCode, SetupCodeError};

/// The payload prefix.
pub const QR_PREFIX: &str = "MASH:";

/// Why a QR payload does not parse. Each malformed field has its own
/// variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not start with `MASH:`.
    Prefix,
    /// Neither four nor six `:`-separated fields.
    FieldCount(usize),
    /// The version is not a decimal number in 1..=255.
    Version,
    /// The six-field form with a version other than 1.
    UnsupportedVersion(u8),
    /// The discriminator is not a decimal number in 0..=4095.
    Discriminator,
    /// The setup code is not exactly eight ASCII digits.
    SetupCode(SetupCodeError),
    /// The vendor ID is not decimal or `0x` hex, or exceeds 0xFFFF.
    VendorId,
    /// The product ID is not decimal or `0x` hex, or exceeds 0xFFFF.
    ProductId,
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prefix => f.write_str("invalid qr code prefix"),
            Self::FieldCount(n) => write!(f, "invalid field count in qr code: {n}"),
            Self::Version => f.write_str("invalid protocol version"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported protocol version: version {v}"),
            Self::Discriminator => f.write_str("discriminator out of range"),
            Self::SetupCode(e) => write!(f, "{e}"),
            Self::VendorId => f.write_str("invalid vendor id"),
            Self::ProductId => f.write_str("invalid product id"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for QrError {}

/// Vendor and product IDs of the six-field form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VendorProduct {
    /// Vendor ID.
    pub vendor_id: u16,
    /// Product ID.
    pub product_id: u16,
}

/// A parsed or to-be-printed QR payload (INTEROP.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrPayload {
    /// Protocol version (1 for MASH 1.0).
    pub version: u8,
    /// The device's discriminator.
    pub discriminator: Discriminator,
    /// The setup code, as printed (not range-checked).
    pub setup_code: SetupCode,
    /// Present only in the six-field form.
    pub vendor_product: Option<VendorProduct>,
}

impl QrPayload {
    /// A version-1 payload in the four-field form.
    pub const fn new(discriminator: Discriminator, setup_code: SetupCode) -> Self {
        Self {
            version: 1,
            discriminator,
            setup_code,
            vendor_product: None,
        }
    }

    /// The same payload in the six-field form.
    pub const fn with_vendor_product(mut self, vendor_id: u16, product_id: u16) -> Self {
        self.vendor_product = Some(VendorProduct {
            vendor_id,
            product_id,
        });
        self
    }

    /// Parses either form (see the module docs for the rules of each).
    pub fn parse(s: &str) -> Result<Self, QrError> {
        if s.split(':').count() == 6 {
            Self::parse_six(s.trim())
        } else {
            Self::parse_four(s)
        }
    }

    fn parse_four(s: &str) -> Result<Self, QrError> {
        let rest = s.strip_prefix(QR_PREFIX).ok_or(QrError::Prefix)?;
        let mut fields = rest.split(':');
        let (Some(version), Some(disc), Some(code), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(QrError::FieldCount(s.split(':').count()));
        };
        let version = match decimal(version, u64::from(u8::MAX)) {
            Some(v @ 1..) => v as u8, // ≤ 255 by the bound above
            _ => return Err(QrError::Version),
        };
        Ok(Self {
            version,
            discriminator: discriminator(disc)?,
            setup_code: SetupCode::parse_strict(code).map_err(QrError::SetupCode)?,
            vendor_product: None,
        })
    }

    fn parse_six(s: &str) -> Result<Self, QrError> {
        let rest = s.strip_prefix(QR_PREFIX).ok_or(QrError::Prefix)?;
        let mut fields = rest.split(':');
        let (Some(version), Some(disc), Some(code), Some(vid), Some(pid), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(QrError::FieldCount(s.split(':').count()));
        };
        // ≤ 255 by the bound, so the cast cannot truncate.
        let version = decimal(version, u64::from(u8::MAX)).ok_or(QrError::Version)? as u8;
        if version != 1 {
            return Err(QrError::UnsupportedVersion(version));
        }
        let discriminator = discriminator(disc)?;
        let setup_code = SetupCode::parse_strict(code).map_err(QrError::SetupCode)?;
        let vendor_id = id16(vid).ok_or(QrError::VendorId)?;
        let product_id = id16(pid).ok_or(QrError::ProductId)?;
        Ok(Self {
            version,
            discriminator,
            setup_code,
            vendor_product: Some(VendorProduct {
                vendor_id,
                product_id,
            }),
        })
    }
}

impl fmt::Display for QrPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{QR_PREFIX}{}:{}:{}",
            self.version, self.discriminator, self.setup_code
        )?;
        if let Some(vp) = self.vendor_product {
            write!(f, ":0x{:04X}:0x{:04X}", vp.vendor_id, vp.product_id)?;
        }
        Ok(())
    }
}

fn discriminator(s: &str) -> Result<Discriminator, QrError> {
    decimal(s, u64::from(Discriminator::MAX))
        .and_then(|v| u16::try_from(v).ok())
        .and_then(Discriminator::new)
        .ok_or(QrError::Discriminator)
}

/// A non-empty run of ASCII digits (no sign, leading zeros allowed) whose
/// value is at most `max`.
fn decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, b| {
        let digit = b.is_ascii_digit().then(|| u64::from(b - b'0'))?;
        acc.checked_mul(10)?
            .checked_add(digit)
            .filter(|v| *v <= max)
    })
}

/// A vendor or product ID: decimal, or `0x` (lower-case x) followed by hex
/// digits; at most 0xFFFF.
fn id16(s: &str) -> Option<u16> {
    let value = match s.strip_prefix("0x") {
        Some(hex) if !hex.is_empty() => hex.bytes().try_fold(0u64, |acc, b| {
            let digit = char::from(b).to_digit(16)?;
            acc.checked_mul(16)?
                .checked_add(u64::from(digit))
                .filter(|v| *v <= 0xffff)
        })?,
        Some(_) => return None,
        None => decimal(s, 0xffff)?,
    };
    u16::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commissioning::testutil::vectors;
    use alloc::string::ToString;

    fn expect_parsed(case: &serde_json::Value, name: &str) {
        let input = case["input"].as_str().unwrap();
        let qr = QrPayload::parse(input).unwrap_or_else(|e| panic!("{name}: {e}"));
        let p = &case["parsed"];
        assert_eq!(
            u64::from(qr.version),
            p["Version"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            u64::from(qr.discriminator.value()),
            p["Discriminator"].as_u64().unwrap(),
            "{name}"
        );
        match &p["SetupCode"] {
            serde_json::Value::String(s) => assert_eq!(&qr.setup_code.to_string(), s, "{name}"),
            n => assert_eq!(
                u64::from(qr.setup_code.value()),
                n.as_u64().unwrap(),
                "{name}"
            ),
        }
        if let Some(vid) = p.get("VendorID") {
            let vp = qr.vendor_product.unwrap();
            assert_eq!(u64::from(vp.vendor_id), vid.as_u64().unwrap(), "{name}");
            assert_eq!(
                u64::from(vp.product_id),
                p["ProductID"].as_u64().unwrap(),
                "{name}"
            );
        }
        assert_eq!(qr.to_string(), case["String"].as_str().unwrap(), "{name}");
    }

    /// setupcode_qr.json: `qr4_discovery_ParseQRCode`, every case.
    #[test]
    fn setupcode_qr_json_four_field_parse() {
        let v = vectors::setupcode_qr();
        let cases = v["qr4_discovery_ParseQRCode"].as_array().unwrap();
        assert_eq!(cases.len(), 28);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let Some(var) = case["error_var"].as_str() else {
                expect_parsed(case, name);
                continue;
            };
            let input = case["input"].as_str().unwrap();
            if name == "qr4-parse-6-field-form-rejected-by-the-4-field-par" {
                // We accept both forms (INTEROP.md §9 recommendation); the
                // four-field-only reference parser rejects this one.
                assert_eq!(
                    QrPayload::parse(input).unwrap().to_string(),
                    input,
                    "{name}"
                );
                continue;
            }
            let err = QrPayload::parse(input).expect_err(name);
            let ok = match var {
                "discovery.ErrInvalidPrefix" => err == QrError::Prefix,
                "discovery.ErrInvalidFieldCount" => matches!(err, QrError::FieldCount(_)),
                "discovery.ErrInvalidVersion" => err == QrError::Version,
                "discovery.ErrInvalidDiscriminator" => err == QrError::Discriminator,
                "discovery.ErrInvalidSetupCode" => matches!(err, QrError::SetupCode(_)),
                other => panic!("{name}: unmapped error {other}"),
            };
            assert!(ok, "{name}: got {err:?} for {var}");
        }
    }

    /// setupcode_qr.json: `qr4_discovery_NewQRCode`, every case.
    #[test]
    fn setupcode_qr_json_four_field_new() {
        let v = vectors::setupcode_qr();
        for case in v["qr4_discovery_NewQRCode"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let disc = u16::try_from(case["discriminator"].as_u64().unwrap())
                .ok()
                .and_then(Discriminator::new);
            let code = SetupCode::parse_strict(case["setup_code"].as_str().unwrap());
            match case["error_var"].as_str() {
                None => {
                    let qr = QrPayload::new(disc.unwrap(), code.unwrap());
                    assert_eq!(qr.to_string(), case["String"].as_str().unwrap(), "{name}");
                }
                Some("discovery.ErrInvalidDiscriminator") => assert!(disc.is_none(), "{name}"),
                Some("discovery.ErrInvalidSetupCode") => assert!(code.is_err(), "{name}"),
                Some(other) => panic!("{name}: unmapped error {other}"),
            }
        }
    }

    /// setupcode_qr.json: `qr6_commissioning_String` and
    /// `qr6_commissioning_ParseQRCode`, every case.
    #[test]
    fn setupcode_qr_json_six_field() {
        let v = vectors::setupcode_qr();
        for case in v["qr6_commissioning_String"].as_array().unwrap() {
            let f = &case["fields"];
            let qr = QrPayload {
                version: u8::try_from(f["Version"].as_u64().unwrap()).unwrap(),
                discriminator: Discriminator::new(
                    u16::try_from(f["Discriminator"].as_u64().unwrap()).unwrap(),
                )
                .unwrap(),
                setup_code: SetupCode::from_digits(
                    u32::try_from(f["SetupCode"].as_u64().unwrap()).unwrap(),
                )
                .unwrap(),
                vendor_product: None,
            }
            .with_vendor_product(
                u16::try_from(f["VendorID"].as_u64().unwrap()).unwrap(),
                u16::try_from(f["ProductID"].as_u64().unwrap()).unwrap(),
            );
            assert_eq!(qr.to_string(), case["String"].as_str().unwrap());
            assert_eq!(QrPayload::parse(&qr.to_string()).unwrap(), qr);
        }
        let cases = v["qr6_commissioning_ParseQRCode"].as_array().unwrap();
        assert_eq!(cases.len(), 15);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let input = case["input"].as_str().unwrap();
            if case["error_var"].is_null() {
                expect_parsed(case, name);
                continue;
            }
            let got = QrPayload::parse(input);
            let expected = match name {
                // We accept both forms; the six-field-only reference parser
                // rejects this one. The four-field rules apply.
                "qr6-parse-4-field-form-rejected" => {
                    assert_eq!(got.unwrap().to_string(), input, "{name}");
                    continue;
                }
                "qr6-parse-version-2-unsupported-version" => QrError::UnsupportedVersion(2),
                "qr6-parse-discriminator-4096"
                | "qr6-parse-discriminator-99999-overflows-uint16" => QrError::Discriminator,
                "qr6-parse-upper-case-0x-prefix-rejected-by-the-reg"
                | "qr6-parse-vid-overflow"
                | "qr6-parse-hex-vid-overflow" => QrError::VendorId,
                "qr6-parse-7-digit-code" => QrError::SetupCode(SetupCodeError::WrongLength),
                "qr6-parse-empty-pid" => QrError::ProductId,
                other => panic!("{other}: unmapped case"),
            };
            assert_eq!(got, Err(expected), "{name}");
        }
    }

    #[test]
    fn decimal_and_id_bounds() {
        assert_eq!(decimal("000000000000000000000000042", 4095), Some(42));
        assert_eq!(decimal("99999999999999999999999", 4095), None);
        assert_eq!(decimal("", 10), None);
        assert_eq!(id16("0xFFFF"), Some(0xffff));
        assert_eq!(id16("0x"), None);
        assert_eq!(id16("0x10000"), None);
        assert_eq!(id16("65535"), Some(0xffff));
    }
}
