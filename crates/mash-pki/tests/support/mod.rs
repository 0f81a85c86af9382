//! Structural facts of a certificate, read with x509-parser directly
//! (independently of `mash_pki::Certificate`) in the same JSON shape as
//! `vectors/certificates.json` records them.

#![allow(dead_code)]

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use x509_parser::asn1_rs::{Oid, Tag};
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

/// The vector file, vendored at the repository root.
pub const VECTORS: &str = include_str!("../../../../vectors/certificates.json");

pub fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

pub fn der_of(entry: &Value) -> Vec<u8> {
    hex::decode(entry["der_hex"].as_str().unwrap()).unwrap()
}

/// The recorded time of the generator run (notBefore of every cert).
pub const GO_NOT_BEFORE: i64 = 1_796_315_590; // 2026-12-03T16:33:10Z

fn string_type(tag: Tag) -> &'static str {
    match tag {
        Tag::PrintableString => "PrintableString",
        Tag::Utf8String => "UTF8String",
        Tag::Ia5String => "IA5String",
        Tag::T61String => "T61String",
        Tag::BmpString => "BMPString",
        _ => "other",
    }
}

fn attr_name(oid: &str) -> &'static str {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        _ => "?",
    }
}

/// `subject_rdns` / `issuer_rdns` as recorded.
pub fn rdns(name: &X509Name<'_>) -> Value {
    let mut out = Vec::new();
    let raw = name.as_raw();
    // Re-derive each RDN's SET encoding from the raw name: walk the TLVs.
    let sets = tlvs(content(raw));
    for (rdn, set_der) in name.iter_rdn().zip(sets) {
        let atv_ders = tlvs(content(set_der));
        let attributes: Vec<Value> = rdn
            .iter()
            .zip(atv_ders)
            .map(|(atv, atv_der)| {
                let oid = atv.attr_type().to_id_string();
                let value_der = tlvs(content(atv_der)).get(1).copied().unwrap();
                json!({
                    "oid": oid,
                    "attr": attr_name(&oid),
                    "string_type": string_type(atv.attr_value().tag()),
                    "value": atv.as_str().unwrap(),
                    "atv_der_hex": hex::encode(value_der),
                })
            })
            .collect();
        out.push(json!({ "rdn_set_der_hex": hex::encode(set_der), "attributes": attributes }));
    }
    Value::Array(out)
}

/// The content octets of one TLV (short or long definite length).
pub fn content(tlv: &[u8]) -> &[u8] {
    let (header, len) = header(tlv);
    &tlv[header..header + len]
}

fn header(tlv: &[u8]) -> (usize, usize) {
    let first = tlv[1];
    if first < 0x80 {
        (2, first as usize)
    } else {
        let n = (first & 0x7f) as usize;
        let len = tlv[2..2 + n]
            .iter()
            .fold(0usize, |acc, b| acc << 8 | *b as usize);
        (2 + n, len)
    }
}

/// Splits concatenated TLVs.
pub fn tlvs(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (h, len) = header(bytes);
        out.push(&bytes[..h + len]);
        bytes = &bytes[h + len..];
    }
    out
}

fn ku_names(flags: u16) -> Vec<&'static str> {
    const NAMES: [&str; 9] = [
        "digitalSignature",
        "contentCommitment",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| flags >> i & 1 == 1)
        .map(|(_, n)| *n)
        .collect()
}

fn ext_name(oid: &str) -> &'static str {
    match oid {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.37" => "extKeyUsage",
        _ => "?",
    }
}

fn eku_label(oid: &str) -> String {
    let name = match oid {
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        _ => "?",
    };
    format!("{name} ({oid})")
}

/// The recorded facts of a certificate that do not depend on the key,
/// serial, signature or clock: what two runs (or two implementations)
/// must agree on. Key-dependent extension values are checked here
/// (SKI = SHA-256(SPKI)[0:20], AKI framing) and then masked.
pub fn cert_facts(der: &[u8]) -> Value {
    let (rest, cert) = X509Certificate::from_der(der).unwrap();
    assert!(rest.is_empty());
    let spki = cert.public_key().raw;
    let ski_expected = hex::encode(&Sha256::digest(spki)[..20]);
    let mut ski_is_sha256 = false;
    let mut eku = Value::Null;
    let mut extensions = Vec::new();
    for ext in cert.extensions() {
        let oid = ext.oid.to_id_string();
        let mut value_hex = hex::encode(ext.value);
        match oid.as_str() {
            "2.5.29.14" => {
                ski_is_sha256 = value_hex == format!("0414{ski_expected}");
                value_hex = "<ski>".into();
            }
            "2.5.29.35" => {
                assert!(
                    value_hex.starts_with("30168014"),
                    "AKI must be [0] keyIdentifier only"
                );
                value_hex = "<aki>".into();
            }
            "2.5.29.37" => {
                let labels: Vec<Value> = tlvs(content(ext.value))
                    .into_iter()
                    .map(|oid_tlv| {
                        let (_, oid) = Oid::from_der(oid_tlv).unwrap();
                        Value::from(eku_label(&oid.to_id_string()))
                    })
                    .collect();
                eku = Value::Array(labels);
            }
            _ => {}
        }
        extensions.push(json!({
            "oid": oid,
            "name": ext_name(&oid),
            "critical": ext.critical,
            "value_der_hex": value_hex,
        }));
    }
    let basic = cert.basic_constraints().unwrap().map(|b| b.value.clone());
    let basic = match basic {
        Some(b) => json!({
            "present": true,
            "ca": b.ca,
            "max_path_len": b.path_len_constraint.map_or(-1, i64::from),
            "max_path_len_zero": b.path_len_constraint == Some(0),
        }),
        None => json!({ "present": false }),
    };
    let dns: Vec<String> = cert
        .subject_alternative_name()
        .unwrap()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some((*d).to_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let ous: Vec<&str> = cert
        .subject()
        .iter_organizational_unit()
        .map(|a| a.as_str().unwrap())
        .collect();
    let validity = cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp();
    let serial_bits = cert.serial.bits();
    assert!(serial_bits <= 128, "serial in [0, 2^128)");
    json!({
        "version": cert.version().0 + 1,
        "signature_algorithm": if cert.signature_algorithm.algorithm.to_id_string() == "1.2.840.10045.4.3.2" { "ECDSA-SHA256" } else { "?" },
        "public_key_algorithm": if cert.public_key().algorithm.algorithm.to_id_string() == "1.2.840.10045.2.1" { "ECDSA" } else { "?" },
        "subject_rdns": rdns(cert.subject()),
        "issuer_rdns": rdns(cert.issuer()),
        "subject_ou_as_parsed_by_go": if ous.is_empty() { Value::Null } else { json!(ous) },
        "validity_seconds": validity,
        "validity_days": validity / 86_400,
        "key_usage": cert.key_usage().unwrap().map(|k| ku_names(k.value.flags)),
        "basic_constraints": basic,
        "ext_key_usage": eku,
        "ski_is_sha256_spki_first20": ski_is_sha256,
        "san_dns": if dns.is_empty() { Value::Null } else { json!(dns) },
        "extensions_in_der_order": extensions,
    })
}

/// The same subset taken from a recorded entry, with the key-dependent
/// extension values masked like [`cert_facts`] does.
pub fn recorded_facts(entry: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "version",
        "signature_algorithm",
        "public_key_algorithm",
        "subject_rdns",
        "issuer_rdns",
        "subject_ou_as_parsed_by_go",
        "validity_seconds",
        "validity_days",
        "key_usage",
        "basic_constraints",
        "ext_key_usage",
        "ski_is_sha256_spki_first20",
        "san_dns",
    ] {
        out.insert(key.into(), entry[key].clone());
    }
    let extensions: Vec<Value> = entry["extensions_in_der_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ext| {
            let mut ext = ext.clone();
            match ext["oid"].as_str().unwrap() {
                "2.5.29.14" => ext["value_der_hex"] = "<ski>".into(),
                "2.5.29.35" => ext["value_der_hex"] = "<aki>".into(),
                _ => {}
            }
            ext
        })
        .collect();
    out.insert("extensions_in_der_order".into(), Value::Array(extensions));
    // A cert without SKI records "ski_is_sha256_spki_first20": false.
    Value::Object(out)
}

/// The recorded facts of a CSR that do not depend on the key.
pub fn csr_facts(der: &[u8]) -> Value {
    let (rest, csr) = X509CertificationRequest::from_der(der).unwrap();
    assert!(rest.is_empty());
    let info = &csr.certification_request_info;
    let cn = info
        .subject
        .iter_common_name()
        .last()
        .map(|a| a.as_str().unwrap())
        .unwrap_or("");
    json!({
        "version": info.version.0,
        "signature_algorithm": if csr.signature_algorithm.algorithm.to_id_string() == "1.2.840.10045.4.3.2" { "ECDSA-SHA256" } else { "?" },
        "subject_rdns": rdns(&info.subject),
        "subject_cn": cn,
        "attribute_count": info.iter_attributes().count(),
    })
}

pub fn recorded_csr_facts(entry: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "version",
        "signature_algorithm",
        "subject_rdns",
        "subject_cn",
        "attribute_count",
    ] {
        out.insert(key.into(), entry[key].clone());
    }
    Value::Object(out)
}

/// Replaces every occurrence of `from` (as text and as hex of its ASCII)
/// by `to` in a facts value; used where our run has a different device
/// ID than the recorded one.
pub fn substitute(facts: &Value, from: &str, to: &str) -> Value {
    let text = facts.to_string();
    let text = text
        .replace(from, to)
        .replace(&hex::encode(from), &hex::encode(to));
    serde_json::from_str(&text).unwrap()
}

/// Asserts equality with a readable diff of the first differing key.
pub fn assert_facts_eq(ours: &Value, recorded: &Value, what: &str) {
    if ours == recorded {
        return;
    }
    if let (Value::Object(a), Value::Object(b)) = (ours, recorded) {
        for (key, want) in b {
            let got = a.get(key).unwrap_or(&Value::Null);
            assert_eq!(got, want, "{what}: fact {key:?} differs");
        }
    }
    assert_eq!(ours, recorded, "{what}");
}
