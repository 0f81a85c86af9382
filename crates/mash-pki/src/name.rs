//! Distinguished names laid out the way the Go reference lays them out.
//!
//! Go holds a subject as a `pkix.Name` (lists of values per attribute
//! type) and re-encodes it in a fixed order: C, ST, L, street, postalCode,
//! O, OU, CN, serialNumber, with all values of one type in **one
//! multi-valued RDN** (a DER `SET OF`, sorted by encoding), and each value
//! as PrintableString when its characters allow, UTF8String otherwise
//! (INTEROP.md §4, notes). [`GoName`] mirrors `pkix.Name` so that subjects
//! we write, and subjects we copy from a CSR into a certificate, come out
//! byte-for-byte as Go would write them.

use x509_parser::x509::X509Name;

use crate::der;
use crate::oid;

/// The attributes of a subject, mirroring Go's `pkix.Name` fields that
/// survive a parse/encode round trip.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct GoName {
    pub(crate) country: Vec<String>,
    pub(crate) province: Vec<String>,
    pub(crate) locality: Vec<String>,
    pub(crate) street: Vec<String>,
    pub(crate) postal_code: Vec<String>,
    pub(crate) organization: Vec<String>,
    pub(crate) organizational_unit: Vec<String>,
    /// Empty means absent.
    pub(crate) common_name: String,
    /// Empty means absent.
    pub(crate) serial_number: String,
}

impl GoName {
    /// Reads a parsed name the way Go's `FillFromRDNSequence` does:
    /// values are taken in DER order, a later CN or serialNumber replaces
    /// an earlier one, and attributes of other types (or with non-string
    /// values) are dropped.
    pub(crate) fn from_x509(name: &X509Name<'_>) -> Self {
        let mut out = Self::default();
        for atv in name.iter_attributes() {
            let Ok(value) = atv.as_str() else { continue };
            let value = value.to_owned();
            match atv.attr_type().as_bytes() {
                t if t == oid::COMMON_NAME => out.common_name = value,
                t if t == oid::SERIAL_NUMBER => out.serial_number = value,
                t if t == oid::COUNTRY => out.country.push(value),
                t if t == oid::LOCALITY => out.locality.push(value),
                t if t == oid::PROVINCE => out.province.push(value),
                t if t == oid::STREET => out.street.push(value),
                t if t == oid::ORGANIZATION => out.organization.push(value),
                t if t == oid::ORGANIZATIONAL_UNIT => out.organizational_unit.push(value),
                t if t == oid::POSTAL_CODE => out.postal_code.push(value),
                _ => {}
            }
        }
        out
    }

    /// Encodes the name as Go's `ToRDNSequence` + DER marshalling would.
    pub(crate) fn to_der(&self) -> Vec<u8> {
        let mut rdns: Vec<Vec<u8>> = Vec::new();
        let lists: [(&[u8], &[String]); 6] = [
            (oid::COUNTRY, &self.country),
            (oid::PROVINCE, &self.province),
            (oid::LOCALITY, &self.locality),
            (oid::STREET, &self.street),
            (oid::POSTAL_CODE, &self.postal_code),
            (oid::ORGANIZATION, &self.organization),
        ];
        for (attr, values) in lists {
            push_rdn(&mut rdns, attr, values);
        }
        push_rdn(
            &mut rdns,
            oid::ORGANIZATIONAL_UNIT,
            &self.organizational_unit,
        );
        if !self.common_name.is_empty() {
            push_rdn(
                &mut rdns,
                oid::COMMON_NAME,
                core::slice::from_ref(&self.common_name),
            );
        }
        if !self.serial_number.is_empty() {
            push_rdn(
                &mut rdns,
                oid::SERIAL_NUMBER,
                core::slice::from_ref(&self.serial_number),
            );
        }
        der::tlv(der::tag::SEQUENCE, &rdns.concat())
    }
}

fn push_rdn(rdns: &mut Vec<Vec<u8>>, attr: &[u8], values: &[String]) {
    if values.is_empty() {
        return;
    }
    rdns.push(der::set_of(values.iter().map(|v| atv(attr, v)).collect()));
}

/// One `AttributeTypeAndValue`.
fn atv(attr: &[u8], value: &str) -> Vec<u8> {
    der::sequence(&[&der::oid(attr), &directory_string(value)])
}

/// PrintableString when every character is in Go's printable set
/// (which, when marshalling, excludes `*` and `&`), UTF8String otherwise.
fn directory_string(value: &str) -> Vec<u8> {
    let printable = value.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
            )
    });
    let tag = if printable {
        der::tag::PRINTABLE_STRING
    } else {
        der::tag::UTF8_STRING
    };
    der::tlv(tag, value.as_bytes())
}

/// The subject of a Zone CA or controller certificate:
/// O=`organization`, OU={`zone_type`, `zone_label`}, CN=`common_name`.
///
/// INTEROP.md §4: a reader takes the zone type from the **first** OU.
/// Go writes both OUs into one multi-valued RDN, whose DER sort puts the
/// type first only when its encoding sorts first (e.g. `LOCAL` before a
/// 16-hex zone ID, but not before `EV`). We write exactly Go's layout
/// when it puts the type first, and otherwise fall back to two
/// single-valued RDNs, `OU=<type>` then `OU=<label>`, which Go parses in
/// that order. Either way `OU[0]` is the zone type.
pub(crate) fn zone_subject(
    organization: &str,
    zone_type: &str,
    zone_label: &str,
    common_name: &str,
) -> Vec<u8> {
    let type_atv = atv(oid::ORGANIZATIONAL_UNIT, zone_type);
    let label_atv = atv(oid::ORGANIZATIONAL_UNIT, zone_label);
    let ou_rdns: Vec<Vec<u8>> = if type_atv <= label_atv {
        vec![der::set_of(vec![type_atv, label_atv])]
    } else {
        vec![der::set_of(vec![type_atv]), der::set_of(vec![label_atv])]
    };
    let o = der::set_of(vec![atv(oid::ORGANIZATION, organization)]);
    let cn = der::set_of(vec![atv(oid::COMMON_NAME, common_name)]);
    let mut content = o;
    for rdn in &ou_rdns {
        content.extend_from_slice(rdn);
    }
    content.extend_from_slice(&cn);
    der::tlv(der::tag::SEQUENCE, &content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::FromDer;

    fn parse_roundtrip(der: &[u8]) -> GoName {
        let (rest, name) = X509Name::from_der(der).unwrap();
        assert!(rest.is_empty());
        GoName::from_x509(&name)
    }

    #[test]
    fn zone_subject_matches_go_when_the_type_sorts_first() {
        // certificates.json zone_ca.subject_rdns, concatenated.
        let expected = "3067\
            31123010060355040a13094d415348205a6f6e65\
            3127300c060355040b13054c4f43414c3017060355040b131032383539613732363666663263316630\
            312830260603550403131f4d415348205a6f6e65204341202d2032383539613732363666663263316630";
        let der = zone_subject(
            "MASH Zone",
            "LOCAL",
            "2859a7266ff2c1f0",
            "MASH Zone CA - 2859a7266ff2c1f0",
        );
        assert_eq!(hex::encode(der), expected);
    }

    #[test]
    fn zone_subject_splits_the_ous_when_go_would_put_the_label_first() {
        let der = zone_subject("MASH Zone", "GRID", "EV", "MASH Zone CA - EV");
        let name = parse_roundtrip(&der);
        assert_eq!(name.organizational_unit, ["GRID", "EV"]);
        let (_, parsed) = X509Name::from_der(&der).unwrap();
        assert_eq!(parsed.iter_rdn().count(), 4);
    }

    #[test]
    fn csr_style_names_round_trip_through_go_layout() {
        // certificates.json device_cert subject: O, OU={P1,V4660} sorted, CN.
        let expected = "304c\
            31143012060355040a130b4d41534820446576696365\
            31193009060355040b13025031300c060355040b13055634363630\
            311930170603550403131061613038356230303236653336663532";
        let name = GoName {
            organization: vec!["MASH Device".into()],
            organizational_unit: vec!["V4660".into(), "P1".into()],
            common_name: "aa085b0026e36f52".into(),
            ..GoName::default()
        };
        assert_eq!(hex::encode(name.to_der()), expected);
        let back = parse_roundtrip(&name.to_der());
        assert_eq!(back.organizational_unit, ["P1", "V4660"]);
        assert_eq!(back.common_name, "aa085b0026e36f52");
    }

    #[test]
    fn non_printable_values_become_utf8_strings() {
        assert_eq!(directory_string("a&b")[0], der::tag::UTF8_STRING);
        assert_eq!(directory_string("Zone*")[0], der::tag::UTF8_STRING);
        assert_eq!(directory_string("Küche")[0], der::tag::UTF8_STRING);
        assert_eq!(
            directory_string("Home Energy")[0],
            der::tag::PRINTABLE_STRING
        );
    }
}
