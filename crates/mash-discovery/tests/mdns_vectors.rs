//! Data-driven tests over `vectors/mdns.json`, recorded from the reference
//! implementation (INTEROP.md §9): every `pure` entry (encoders, decoders,
//! instance-name helpers) and every record the reference browsed back in
//! its `network` run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mash_core::ids::{DeviceId, ZoneId};
use mash_discovery::records::instance::{
    MAX_INSTANCE_NAME_LEN, commissionable_instance_name, discriminator_from_instance_name,
    operational_instance_name, pairing_request_instance_name, parse_operational_instance_name,
    parse_pairing_request_instance_name, validate_instance_name,
};
use mash_discovery::records::{DEFAULT_PORT, DOMAIN, PAIRING_REQUEST_PORT};
use mash_discovery::{
    CommissionableInfo, CommissionerInfo, DecodeError, DeviceCategory, Discriminator,
    InstanceNameError, OperationalInfo, PairingRequestInfo, Record, ServiceKind, TxtRecord,
    VendorProduct,
};
use serde_json::Value;

/// The vector file, relative to the workspace root.
const SOURCE: &str = "vectors/mdns.json";

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(SOURCE);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{SOURCE}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SOURCE}: {e}"))
}

fn entries<'a>(v: &'a Value, section: &str) -> &'a [Value] {
    v["pure"][section]
        .as_array()
        .unwrap_or_else(|| panic!("{SOURCE}: pure.{section} missing"))
}

// ---- JSON -> typed values (Go field names) ----

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{SOURCE}: {key} not a string in {v}"))
}

fn n(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{SOURCE}: {key} not a number in {v}"))
}

fn opt(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn vp(text: &str) -> Option<VendorProduct> {
    opt(text).map(|t| t.parse().expect("VP in vectors is well-formed"))
}

fn discriminator(v: &Value) -> Discriminator {
    Discriminator::new(n(v, "Discriminator") as u16).expect("in range")
}

fn commissionable(v: &Value) -> CommissionableInfo {
    CommissionableInfo {
        discriminator: discriminator(v),
        categories: v["Categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| DeviceCategory::new(c.as_u64().unwrap() as u8).unwrap())
            .collect(),
        serial: s(v, "Serial").into(),
        brand: s(v, "Brand").into(),
        model: s(v, "Model").into(),
        device_name: opt(s(v, "DeviceName")),
    }
}

fn operational(v: &Value) -> OperationalInfo {
    OperationalInfo {
        zone_id: s(v, "ZoneID").parse().unwrap(),
        device_id: s(v, "DeviceID").parse().unwrap(),
        vendor_product: vp(s(v, "VendorProduct")),
        firmware: opt(s(v, "Firmware")),
        endpoint_count: n(v, "EndpointCount") as u8,
    }
}

fn commissioner(v: &Value) -> CommissionerInfo {
    CommissionerInfo {
        zone_name: s(v, "ZoneName").into(),
        zone_id: s(v, "ZoneID").parse().unwrap(),
        vendor_product: vp(s(v, "VendorProduct")),
        controller_name: opt(s(v, "ControllerName")),
        device_count: n(v, "DeviceCount") as u8,
    }
}

fn pairing_request(v: &Value) -> PairingRequestInfo {
    PairingRequestInfo {
        discriminator: discriminator(v),
        zone_id: s(v, "ZoneID").parse().unwrap(),
        zone_name: opt(s(v, "ZoneName")),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{SOURCE}: not a list: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The TXT record as a key -> value map (bare keys read as "").
fn as_map(txt: &TxtRecord) -> BTreeMap<String, String> {
    txt.entries()
        .iter()
        .map(|e| {
            let value = String::from_utf8(e.value().unwrap_or_default().to_vec()).unwrap();
            (e.key().to_owned(), value)
        })
        .collect()
}

fn json_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap_or_else(|| panic!("{SOURCE}: not a map: {v}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

/// Maps the reference's error texts to our error classes. An unknown text
/// fails the test, so a regenerated vector file cannot slip through.
fn reference_error(text: &str) -> DecodeError {
    const KEYS: [&str; 8] = ["D", "cat", "serial", "brand", "model", "ZI", "DI", "ZN"];
    if let Some(key) = text.strip_prefix("missing required field: ") {
        let key = KEYS.iter().find(|k| **k == key).expect("known key");
        return DecodeError::MissingField(key);
    }
    if let Some(rest) = text.strip_prefix("invalid TXT record format: invalid category ") {
        return DecodeError::InvalidCategory(rest.trim_matches('"').to_owned());
    }
    match text {
        "discriminator out of range" => DecodeError::InvalidDiscriminator,
        "invalid TXT record format: invalid device ID format" => DecodeError::InvalidDeviceId,
        "invalid TXT record format"
        | "invalid QR code format"
        | "invalid TXT record format: invalid pairing request instance name format" => {
            InstanceNameError::Malformed.into()
        }
        "invalid TXT record format: invalid zone ID length" => {
            InstanceNameError::ZoneIdLength.into()
        }
        "instance name exceeds 63 characters: empty name" => InstanceNameError::Empty.into(),
        "instance name exceeds 63 characters" => InstanceNameError::TooLong.into(),
        other => panic!("{SOURCE}: unmapped reference error {other:?}"),
    }
}

// ---- tests ----

#[test]
fn service_types_match_the_reference() {
    let v = vectors();
    let types = &v["service_types"];
    assert_eq!(
        s(types, "commissionable"),
        ServiceKind::Commissionable.service_type()
    );
    assert_eq!(
        s(types, "operational"),
        ServiceKind::Operational.service_type()
    );
    assert_eq!(
        s(types, "commissioner"),
        ServiceKind::Commissioner.service_type()
    );
    assert_eq!(
        s(types, "pairing_request"),
        ServiceKind::PairingRequest.service_type()
    );
    assert_eq!(s(types, "domain"), DOMAIN);
    for kind in ServiceKind::ALL {
        assert_eq!(
            kind.ty_domain(),
            format!("{}.{DOMAIN}.", kind.service_type())
        );
    }
}

/// Checks one encoder vector: the TXT as a map and as sorted strings.
fn check_encoded<R: Record>(entry: &Value, record: &R, go_key: &str) {
    let name = s(entry, "name");
    let txt = record.encode_txt();
    assert_eq!(as_map(&txt), json_map(&entry[go_key]), "{SOURCE} {name}");
    assert_eq!(
        sorted(txt.to_strings()),
        strings(&entry["TXTRecordsToStrings_sorted"]),
        "{SOURCE} {name}"
    );
    assert_eq!(
        s(entry, "service_type"),
        R::KIND.service_type(),
        "{SOURCE} {name}"
    );
    // What we encode, we (and so the reference) decode back unchanged.
    assert_eq!(&R::decode_txt(&txt).unwrap(), record, "{SOURCE} {name}");
}

/// The reference's `PairingRequestInfo.Validate`: a 16-hex zone ID, D <=
/// 4095 and a host. Our types enforce the first two by construction.
fn validate_pairing_input(input: &Value) -> Result<(), DecodeError> {
    s(input, "ZoneID")
        .parse::<ZoneId>()
        .map_err(|_| DecodeError::MissingField("ZI"))?;
    Discriminator::try_from(n(input, "Discriminator") as u16)?;
    if s(input, "Host").is_empty() {
        return Err(DecodeError::MissingField("ZI"));
    }
    Ok(())
}

#[test]
fn pure_encoders_match_the_reference() {
    let v = vectors();
    let all = entries(&v, "encoders");
    for entry in all {
        let name = s(entry, "name");
        let input = &entry["input"];
        if entry.get("EncodeCommissionableTXT").is_some() {
            check_encoded(entry, &commissionable(input), "EncodeCommissionableTXT");
        } else if entry.get("EncodeOperationalTXT").is_some() {
            check_encoded(entry, &operational(input), "EncodeOperationalTXT");
        } else if entry.get("EncodeCommissionerTXT").is_some() {
            check_encoded(entry, &commissioner(input), "EncodeCommissionerTXT");
        } else if entry.get("EncodePairingRequestTXT").is_some() {
            check_encoded(entry, &pairing_request(input), "EncodePairingRequestTXT");
        }
        if let Some(expected) = entry.get("Validate_error") {
            let ours = validate_pairing_input(input);
            match expected.as_str() {
                None => assert_eq!(ours, Ok(()), "{SOURCE} {name}"),
                Some("discriminator out of range") => {
                    assert_eq!(
                        ours,
                        Err(DecodeError::InvalidDiscriminator),
                        "{SOURCE} {name}"
                    )
                }
                Some("missing required field") => assert!(ours.is_err(), "{SOURCE} {name}"),
                Some(other) => panic!("{SOURCE} {name}: unmapped {other:?}"),
            }
        }
        let known = [
            "EncodeCommissionableTXT",
            "EncodeOperationalTXT",
            "EncodeCommissionerTXT",
            "EncodePairingRequestTXT",
            "Validate_error",
        ];
        assert!(
            known.iter().any(|k| entry.get(*k).is_some()),
            "{SOURCE} {name}: entry of unknown shape"
        );
    }
    assert_eq!(all.len(), 14, "{SOURCE}: encoder count changed");
}

fn check_decoded<R: Record>(entry: &Value, txt: &TxtRecord, expected: impl Fn(&Value) -> R) {
    let name = s(entry, "name");
    let got = R::decode_txt(txt);
    match entry["error"].as_str() {
        None => assert_eq!(got, Ok(expected(&entry["result"])), "{SOURCE} {name}"),
        Some(text) => assert_eq!(got, Err(reference_error(text)), "{SOURCE} {name}"),
    }
}

#[test]
fn pure_decoders_match_the_reference() {
    let v = vectors();
    let all = entries(&v, "decoders");
    for entry in all {
        let name = s(entry, "name");
        let txt = TxtRecord::from_strings(&strings(&entry["txt_strings"]));
        assert_eq!(
            as_map(&txt),
            json_map(&entry["StringsToTXTRecords"]),
            "{SOURCE} {name}"
        );
        match s(entry, "decoder") {
            "DecodeCommissionableTXT" => check_decoded(entry, &txt, commissionable),
            "DecodeOperationalTXT" => check_decoded(entry, &txt, operational),
            "DecodeCommissionerTXT" => check_decoded(entry, &txt, commissioner),
            "DecodePairingRequestTXT" => check_decoded(entry, &txt, pairing_request),
            other => panic!("{SOURCE} {name}: unknown decoder {other}"),
        }
    }
    assert_eq!(all.len(), 17, "{SOURCE}: decoder count changed");
}

fn expect_ok_or<T: PartialEq + std::fmt::Debug>(
    entry: &Value,
    got: Result<T, DecodeError>,
    ok: impl FnOnce() -> T,
) {
    let name = s(entry, "name");
    match entry["error"].as_str() {
        None => assert_eq!(got, Ok(ok()), "{SOURCE} {name}"),
        Some(text) => assert_eq!(got.err(), Some(reference_error(text)), "{SOURCE} {name}"),
    }
}

#[test]
fn instance_name_helpers_match_the_reference() {
    let v = vectors();
    let all = entries(&v, "instance_name_helpers");
    for entry in all {
        let name = s(entry, "name");
        let input = &entry["input"];
        match s(entry, "helper") {
            "InstanceNameFromDiscriminator" => {
                // The helper yields `MASH-%d`, but the advertiser (and so the
                // wire) uses `MASH-%04d` (INTEROP.md §9, §11).
                let d = Discriminator::new(input.as_u64().unwrap() as u16).unwrap();
                let wire = s(entry, "advertiser_format_MASH-%04d");
                assert_eq!(commissionable_instance_name(d), wire, "{SOURCE} {name}");
                assert_eq!(discriminator_from_instance_name(s(entry, "output")), Ok(d));
            }
            "DiscriminatorFromInstanceName" => {
                let got = discriminator_from_instance_name(input.as_str().unwrap());
                expect_ok_or(entry, got, || {
                    discriminator(&serde_json::json!({
                        "Discriminator": entry["output"]
                    }))
                });
            }
            "OperationalInstanceName" => {
                let ids = strings(input);
                let zone: ZoneId = ids[0].parse().unwrap();
                let device: DeviceId = ids[1].parse().unwrap();
                assert_eq!(operational_instance_name(zone, device), s(entry, "output"));
            }
            "ParseOperationalInstanceName" => {
                let got = parse_operational_instance_name(input.as_str().unwrap());
                expect_ok_or(entry, got, || {
                    (
                        s(entry, "zoneID").parse().unwrap(),
                        s(entry, "deviceID").parse().unwrap(),
                    )
                });
            }
            "PairingRequestInstanceName" => {
                let zone: ZoneId = input[0].as_str().unwrap().parse().unwrap();
                let d = Discriminator::new(input[1].as_u64().unwrap() as u16).unwrap();
                assert_eq!(pairing_request_instance_name(zone, d), s(entry, "output"));
            }
            "ParsePairingRequestInstanceName" => {
                let got = parse_pairing_request_instance_name(input.as_str().unwrap());
                expect_ok_or(entry, got, || {
                    let d = n(entry, "discriminator") as u16;
                    (
                        s(entry, "zoneID").parse().unwrap(),
                        Discriminator::new(d).unwrap(),
                    )
                });
            }
            "ValidateInstanceName" => {
                let len = n(entry, "input_len") as usize;
                let got = validate_instance_name(&"x".repeat(len)).map_err(DecodeError::from);
                expect_ok_or(entry, got, || ());
                assert_eq!(
                    len <= MAX_INSTANCE_NAME_LEN && len > 0,
                    entry["error"].is_null()
                );
            }
            other => panic!("{SOURCE} {name}: unknown helper {other}"),
        }
    }
    assert_eq!(all.len(), 26, "{SOURCE}: helper count changed");
}

// ---- network: records that crossed a real mDNS exchange ----

/// Undoes DNS presentation escaping (`Home\ Energy` -> `Home Energy`).
fn unescape(presented: &str) -> String {
    let mut out = String::new();
    let mut chars = presented.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or(c)
        } else {
            c
        });
    }
    out
}

/// Decodes a browsed record, re-encodes it, and checks the instance name
/// and TXT set against what crossed the wire.
fn check_browsed<R: Record>(browsed: &Value) -> R {
    let instance = s(browsed, "instance");
    assert_eq!(
        s(browsed, "service"),
        R::KIND.service_type(),
        "{SOURCE} {instance}"
    );
    assert_eq!(
        s(browsed, "domain"),
        format!("{DOMAIN}."),
        "{SOURCE} {instance}"
    );
    let received = TxtRecord::from_strings(&strings(&browsed["txt_as_received"]));
    let record = R::decode_txt(&received).unwrap_or_else(|e| panic!("{SOURCE} {instance}: {e}"));
    assert_eq!(
        record.instance_name(),
        unescape(instance),
        "{SOURCE} {instance}"
    );
    assert_eq!(
        sorted(record.encode_txt().to_strings()),
        strings(&browsed["txt_sorted"]),
        "{SOURCE} {instance}"
    );
    record
}

fn browsed_list<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    let mut node = &v["network"];
    for p in path {
        node = &node[*p];
    }
    node.as_array()
        .unwrap_or_else(|| panic!("{SOURCE}: network.{} missing", path.join(".")))
}

#[test]
fn network_records_match_our_encoders() {
    let v = vectors();
    let mut checked = 0;

    let dev = &v["network"]["device_commissionable"];
    let [browsed] = browsed_list(&v, &["device_commissionable", "browsed"]) else {
        panic!("{SOURCE}: one commissionable record expected");
    };
    let inputs = &dev["inputs"];
    let record: CommissionableInfo = check_browsed(browsed);
    assert_eq!(record.discriminator, discriminator(inputs));
    assert_eq!(record.serial, s(inputs, "SerialNumber"));
    assert_eq!(record.device_name.as_deref(), Some(s(inputs, "DeviceName")));
    checked += 1;

    let ids = &v["network"]["commissioning"];
    for browsed in browsed_list(&v, &["device_operational", "browsed"]) {
        let record: OperationalInfo = check_browsed(browsed);
        assert_eq!(record.zone_id.to_string(), s(ids, "zone_id"));
        assert_eq!(record.device_id.to_string(), s(ids, "device_id"));
        assert_eq!(record.firmware, None, "the device service never sets FW");
        checked += 1;
    }
    assert!(
        browsed_list(
            &v,
            &["device_operational", "commissionable_after_commissioning"]
        )
        .is_empty()
    );

    for browsed in browsed_list(&v, &["controller_pairing_request", "browsed"]) {
        let record: PairingRequestInfo = check_browsed(browsed);
        assert_eq!(n(browsed, "port"), u64::from(PAIRING_REQUEST_PORT));
        assert_eq!(record.discriminator.get(), 77);
        checked += 1;
    }

    let direct = &v["network"]["direct_advertiser"];
    let inputs = direct["inputs"].as_array().unwrap();
    for (browsed, input) in browsed_list(&v, &["direct_advertiser", "commissioner_browsed"])
        .iter()
        .zip(inputs)
    {
        let record: CommissionerInfo = check_browsed(browsed);
        assert_eq!(record, commissioner(input), "{SOURCE}");
        assert_eq!(n(browsed, "port"), u64::from(DEFAULT_PORT));
        checked += 1;
    }
    for browsed in browsed_list(&v, &["direct_advertiser", "operational_browsed"]) {
        let _: OperationalInfo = check_browsed(browsed);
        checked += 1;
    }
    // The FW-carrying operational and the commissionable were advertised
    // from known inputs on known ports: encode those inputs ourselves.
    let with_fw = operational(&inputs[2]);
    let browsed = &browsed_list(&v, &["direct_advertiser", "operational_browsed"])[1];
    assert_eq!(with_fw.instance_name(), s(browsed, "instance"));
    assert_eq!(n(browsed, "port"), n(&inputs[2], "Port"));
    assert_eq!(
        sorted(with_fw.encode_txt().to_strings()),
        strings(&browsed["txt_sorted"])
    );
    for browsed in browsed_list(&v, &["direct_advertiser", "commissionable_browsed"]) {
        let record: CommissionableInfo = check_browsed(browsed);
        assert_eq!(record, commissionable(&inputs[3]));
        assert_eq!(n(browsed, "port"), n(&inputs[3], "Port"));
        checked += 1;
    }
    assert_eq!(checked, 8, "{SOURCE}: network record count changed");
}
