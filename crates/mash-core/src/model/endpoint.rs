//! Endpoints: one functional unit of a device (INTEROP.md §7).

use alloc::string::String;
use alloc::vec::Vec;

use super::feature::Feature;
use super::schema::{EndpointId, FeatureType};
use crate::macros::wire_enum;

wire_enum! {
    /// What an endpoint is (the `model` values of INTEROP.md §7).
    pub enum EndpointType: u8 {
        /// Endpoint 0: the device itself.
        DeviceRoot = 0x00 => "DEVICE_ROOT",
        /// Grid connection point / meter.
        GridConnection = 0x01 => "GRID_CONNECTION",
        /// Inverter.
        Inverter = 0x02 => "INVERTER",
        /// PV string.
        PvString = 0x03 => "PV_STRING",
        /// Battery.
        Battery = 0x04 => "BATTERY",
        /// EV charger.
        EvCharger = 0x05 => "EV_CHARGER",
        /// Heat pump.
        HeatPump = 0x06 => "HEAT_PUMP",
        /// Water heater.
        WaterHeater = 0x07 => "WATER_HEATER",
        /// HVAC.
        Hvac = 0x08 => "HVAC",
        /// Other appliance.
        Appliance = 0x09 => "APPLIANCE",
        /// Sub-meter.
        SubMeter = 0x0A => "SUB_METER",
    }
}

/// An endpoint and the features on it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Endpoint ID (0 is DEVICE_ROOT).
    pub id: EndpointId,
    /// Endpoint type.
    pub endpoint_type: EndpointType,
    /// Optional label; omitted from DeviceInfo.endpoints when empty.
    pub label: String,
    pub(super) features: Vec<Feature>,
}

impl Endpoint {
    /// An endpoint without features.
    pub fn new(id: EndpointId, endpoint_type: EndpointType) -> Self {
        Self {
            id,
            endpoint_type,
            label: String::new(),
            features: Vec::new(),
        }
    }

    /// Sets the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a feature (replacing one of the same type).
    pub fn with_feature(mut self, feature: Feature) -> Self {
        let ty = feature.feature_type();
        self.features.retain(|f| f.feature_type() != ty);
        self.features.push(feature);
        self.features.sort_by_key(|f| f.feature_type().value());
        self
    }

    /// The features, ascending by ID.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The feature of type `ty`.
    pub fn feature(&self, ty: FeatureType) -> Option<&Feature> {
        self.features.iter().find(|f| f.feature_type() == ty)
    }

    pub(super) fn feature_mut(&mut self, ty: FeatureType) -> Option<&mut Feature> {
        self.features.iter_mut().find(|f| f.feature_type() == ty)
    }
}
