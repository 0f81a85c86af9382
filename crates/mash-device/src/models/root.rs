//! Endpoint 0 (DEVICE_ROOT): DeviceInfo and, for conformance testing,
//! TestControl (INTEROP.md §7, Appendix A.1).

use mash_core::cbor::Value;
use mash_core::model::features::device_info::{self, attr as di};
use mash_core::model::{Endpoint, EndpointType, Feature};

use super::feature_map::CORE;
use super::{APPLIANCE_ENDPOINT, DeviceKind, Identity, ModelOptions, use_cases};

pub(super) fn endpoint(kind: DeviceKind, identity: &Identity, options: &ModelOptions) -> Endpoint {
    let mut root =
        Endpoint::new(0, EndpointType::DeviceRoot).with_feature(device_info(kind, identity));
    if options.test_control {
        root = root.with_feature(crate::test_control::feature(options.test_triggers_enabled));
    }
    root
}

/// DeviceInfo with every attribute; `endpoints` (20) is derived by
/// `Device::new`, `zoneCount` (32) kept current by the EnergyControl
/// engine. removeZone (0x10) is mandatory in the table.
fn device_info(kind: DeviceKind, id: &Identity) -> Feature {
    Feature::new(&device_info::DEVICE_INFO)
        .with_all_attributes()
        .with_feature_map(CORE)
        .with_value(di::DEVICE_ID, id.serial_number.as_str())
        .with_value(di::VENDOR_NAME, id.vendor_name.as_str())
        .with_value(di::PRODUCT_NAME, id.product_name.as_str())
        .with_value(di::SERIAL_NUMBER, id.serial_number.as_str())
        .with_value(di::VENDOR_ID, Value::from(id.vendor_id))
        .with_value(di::PRODUCT_ID, Value::from(id.product_id))
        .with_value(di::SOFTWARE_VERSION, id.software_version.as_str())
        .with_value(
            di::HARDWARE_VERSION,
            Value::from(id.hardware_version.clone()),
        )
        .with_value(di::SPEC_VERSION, "1.0")
        .with_value(
            di::USE_CASES,
            use_cases::value_for_kind(kind, APPLIANCE_ENDPOINT),
        )
        .with_value(di::LABEL, Value::from(id.device_label.clone()))
        .with_value(di::ZONE_COUNT, 0u8)
}
