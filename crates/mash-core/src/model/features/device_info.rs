//! DeviceInfo (feature 0x01, `features/device-info.md`): Device identification, versioning, and endpoint structure.

use crate::model::schema::feature_table;
#[allow(unused_imports)]
use crate::model::{
    AttributeDef as A, CommandDef as C, DataType::*, DefaultValue, FeatureType, ParamDef as P,
};

feature_table! {
    /// The DeviceInfo table.
    pub static DEVICE_INFO = FeatureType::DeviceInfo, "DeviceInfo";
    attributes {
        /// Globally unique device identifier.
        DEVICE_ID = 0x0001 => A::new("deviceId", String).mandatory(),
        /// Manufacturer name.
        VENDOR_NAME = 0x0002 => A::new("vendorName", String).mandatory(),
        /// Product name.
        PRODUCT_NAME = 0x0003 => A::new("productName", String).mandatory(),
        /// Device serial number.
        SERIAL_NUMBER = 0x0004 => A::new("serialNumber", String).mandatory(),
        /// IANA Private Enterprise Number.
        VENDOR_ID = 0x0005 => A::new("vendorId", U32).nullable(),
        /// Vendor's product ID.
        PRODUCT_ID = 0x0006 => A::new("productId", U16).nullable(),
        /// Firmware/software version.
        SOFTWARE_VERSION = 0x000a => A::new("softwareVersion", String).mandatory(),
        /// Hardware revision.
        HARDWARE_VERSION = 0x000b => A::new("hardwareVersion", String).nullable(),
        /// MASH specification version.
        SPEC_VERSION = 0x000c => A::new("specVersion", String).mandatory().default(DefaultValue::Text("1.0")),
        /// Complete device endpoint structure.
        ENDPOINTS = 0x0014 => A::new("endpoints", Array).mandatory(),
        /// Use cases supported by this device.
        USE_CASES = 0x0015 => A::new("useCases", Array).mandatory(),
        /// Installation location.
        LOCATION = 0x001e => A::new("location", String).writable().nullable(),
        /// User-assigned name.
        LABEL = 0x001f => A::new("label", String).writable().nullable(),
        /// Number of zones currently configured on this device.
        ZONE_COUNT = 0x0020 => A::new("zoneCount", U8),
    }
    commands {
        /// Remove a zone from this device.
        REMOVE_ZONE = 0x10 => C::new("removeZone", &[P::required("zoneId", String)]).mandatory(),
    }
}

/// The DeviceInfo `endpoints` value (attribute 20) for a device structure:
/// `[{1: id, 2: endpointType, 3?: label, 4: [featureIds]}]`, keys 1-4 as
/// the reference encodes them (INTEROP.md §7; no featureMap key 5).
pub fn endpoints_value(endpoints: &[crate::model::Endpoint]) -> crate::cbor::Value {
    use crate::cbor::{Map, Value};
    use alloc::vec::Vec;

    let entries = endpoints
        .iter()
        .map(|e| {
            let mut m = Map::new();
            m.insert(1u64, e.id);
            m.insert(2u64, e.endpoint_type.value());
            if !e.label.is_empty() {
                m.insert(3u64, e.label.as_str());
            }
            let ids: Vec<Value> = e
                .features()
                .iter()
                .map(|f| Value::from(u16::from(f.feature_type().value())))
                .collect();
            m.insert(4u64, ids);
            Value::Map(m)
        })
        .collect::<Vec<_>>();
    Value::Array(entries)
}
