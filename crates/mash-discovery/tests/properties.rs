//! Property tests: the decoders never panic on any TXT record a peer can
//! send, and every record we can build round-trips through its TXT record
//! (INTEROP.md §9).

use mash_core::ids::{DeviceId, ZoneId};
use mash_discovery::records::instance::{
    discriminator_from_instance_name, parse_operational_instance_name,
    parse_pairing_request_instance_name, truncate_instance_name, validate_instance_name,
};
use mash_discovery::{
    CommissionableInfo, CommissionerInfo, DeviceCategory, Discriminator, OperationalInfo,
    PairingRequestInfo, Record, TxtRecord, VendorProduct,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// TXT entries as they can arrive: MASH keys in any case, junk keys,
/// bare keys, and values that are arbitrary bytes (not always UTF-8).
fn txt_record() -> impl Strategy<Value = TxtRecord> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "D", "d", "cat", "serial", "brand", "model", "DN", "ZI", "zi", "DI", "VP", "EP", "FW",
            "ZN", "DC",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,10}",
    ];
    let value = prop_oneof![
        "[0-9a-fA-F:, ]{0,20}".prop_map(String::into_bytes),
        vec(any::<u8>(), 0..40),
    ];
    vec((key, option::of(value)), 0..10).prop_map(|entries| {
        let mut txt = TxtRecord::new();
        for (k, v) in &entries {
            txt.push_raw(k, v.as_deref());
        }
        txt
    })
}

fn discriminator() -> impl Strategy<Value = Discriminator> {
    (0u16..=Discriminator::MAX).prop_map(|d| Discriminator::new(d).unwrap())
}

fn zone_id() -> impl Strategy<Value = ZoneId> {
    any::<[u8; 8]>().prop_map(ZoneId::from_bytes)
}

fn device_id() -> impl Strategy<Value = DeviceId> {
    any::<[u8; 8]>().prop_map(DeviceId::from_bytes)
}

fn vendor_product() -> impl Strategy<Value = Option<VendorProduct>> {
    option::of(
        (any::<u16>(), any::<u16>()).prop_map(|(vendor_id, product_id)| VendorProduct {
            vendor_id,
            product_id,
        }),
    )
}

/// Optional text that is sent only when non-empty.
fn non_empty() -> impl Strategy<Value = Option<String>> {
    option::of("\\PC{1,30}")
}

proptest! {
    #[test]
    fn decoders_never_panic(txt in txt_record()) {
        let _ = CommissionableInfo::decode_txt(&txt);
        let _ = OperationalInfo::decode_txt(&txt);
        let _ = CommissionerInfo::decode_txt(&txt);
        let _ = PairingRequestInfo::decode_txt(&txt);
    }

    #[test]
    fn instance_helpers_never_panic(name in "\\PC{0,80}") {
        let _ = discriminator_from_instance_name(&name);
        let _ = parse_operational_instance_name(&name);
        let _ = parse_pairing_request_instance_name(&name);
        let cut = truncate_instance_name(&name);
        prop_assert!(cut.len() <= 63 && name.starts_with(cut));
        if !cut.is_empty() {
            prop_assert!(validate_instance_name(cut).is_ok());
        }
    }

    #[test]
    fn commissionable_round_trips(
        discriminator in discriminator(),
        categories in vec(1u8..=7, 0..4),
        serial in "\\PC{0,32}",
        brand in "\\PC{0,32}",
        model in "\\PC{0,32}",
        device_name in non_empty(),
    ) {
        let info = CommissionableInfo {
            discriminator,
            categories: categories.into_iter().map(|c| DeviceCategory::new(c).unwrap()).collect(),
            serial, brand, model, device_name,
        };
        prop_assert_eq!(CommissionableInfo::decode_txt(&info.encode_txt()), Ok(info.clone()));
        prop_assert_eq!(discriminator_from_instance_name(&info.instance_name()), Ok(discriminator));
    }

    #[test]
    fn operational_round_trips(
        zone_id in zone_id(),
        device_id in device_id(),
        vendor_product in vendor_product(),
        firmware in non_empty(),
        endpoint_count in any::<u8>(),
    ) {
        let info = OperationalInfo { zone_id, device_id, vendor_product, firmware, endpoint_count };
        prop_assert_eq!(OperationalInfo::decode_txt(&info.encode_txt()), Ok(info.clone()));
        prop_assert_eq!(
            parse_operational_instance_name(&info.instance_name()),
            Ok((zone_id, device_id))
        );
    }

    #[test]
    fn commissioner_round_trips(
        zone_name in "\\PC{1,80}",
        zone_id in zone_id(),
        vendor_product in vendor_product(),
        controller_name in non_empty(),
        device_count in any::<u8>(),
    ) {
        let info = CommissionerInfo { zone_name, zone_id, vendor_product, controller_name, device_count };
        prop_assert_eq!(CommissionerInfo::decode_txt(&info.encode_txt()), Ok(info.clone()));
        prop_assert!(validate_instance_name(&info.instance_name()).is_ok());
    }

    #[test]
    fn pairing_request_round_trips(
        discriminator in discriminator(),
        zone_id in zone_id(),
        zone_name in non_empty(),
    ) {
        let info = PairingRequestInfo { discriminator, zone_id, zone_name };
        prop_assert_eq!(PairingRequestInfo::decode_txt(&info.encode_txt()), Ok(info.clone()));
        prop_assert_eq!(
            parse_pairing_request_instance_name(&info.instance_name()),
            Ok((zone_id, discriminator))
        );
    }
}
