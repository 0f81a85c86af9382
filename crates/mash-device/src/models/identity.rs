//! What DeviceInfo says about the device (features/device-info.md,
//! INTEROP.md §7).

use super::DeviceKind;

/// Test vendor ID used by the simulated devices (the `0xFFF1` test value
/// Matter reserves; MASH puts it in mDNS `VP` as `fff1`).
pub const SIM_VENDOR_ID: u32 = 0xfff1;

/// Identification attributes of DeviceInfo (endpoint 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `vendorName` (2).
    pub vendor_name: String,
    /// `productName` (3).
    pub product_name: String,
    /// `serialNumber` (4); also written to `deviceId` (1), as the
    /// reference's device does (INTEROP.md §4: the attribute is free text,
    /// unrelated to the certificate's device ID).
    pub serial_number: String,
    /// `vendorId` (5), nullable.
    pub vendor_id: Option<u32>,
    /// `productId` (6), nullable.
    pub product_id: Option<u16>,
    /// `softwareVersion` (10).
    pub software_version: String,
    /// `hardwareVersion` (11), nullable.
    pub hardware_version: Option<String>,
    /// `label` (31): the user-assigned name, nullable and writable.
    pub device_label: Option<String>,
}

impl Identity {
    /// The simulated product of `kind`: vendor "mash-rs", test vendor ID,
    /// one product ID per kind, this crate's version as software version.
    pub fn for_kind(kind: DeviceKind) -> Self {
        let (product, serial, product_id) = match kind {
            DeviceKind::Evse => ("Simulated EV Charger 11 kW", "MASH-SIM-EVSE-0001", 0x0001),
            DeviceKind::HeatPump => ("Simulated Heat Pump 4 kW", "MASH-SIM-HP-0001", 0x0002),
            DeviceKind::Battery => ("Simulated Battery 10 kWh", "MASH-SIM-BAT-0001", 0x0003),
        };
        Self {
            vendor_name: "mash-rs".into(),
            product_name: product.into(),
            serial_number: serial.into(),
            vendor_id: Some(SIM_VENDOR_ID),
            product_id: Some(product_id),
            software_version: env!("CARGO_PKG_VERSION").into(),
            hardware_version: Some("sim-1".into()),
            device_label: None,
        }
    }
}

impl Default for Identity {
    /// The simulated EVSE's identity.
    fn default() -> Self {
        Self::for_kind(DeviceKind::Evse)
    }
}
