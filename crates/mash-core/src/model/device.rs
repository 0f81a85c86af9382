//! The device: endpoints, and the log of attribute changes that drives
//! subscriptions.

use alloc::vec::Vec;

use super::endpoint::Endpoint;
use super::feature::Feature;
use super::features::device_info;
use super::schema::{AttributeId, EndpointId, FeatureType};
use crate::cbor::{Map, Value};
use crate::ids::ZoneId;
use crate::wire::StatusCode;

/// One attribute change, recorded when a value actually changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Endpoint of the feature.
    pub endpoint: EndpointId,
    /// The feature.
    pub feature: FeatureType,
    /// The attribute.
    pub attribute: AttributeId,
    /// For per-zone attributes: the zone whose value changed.
    pub zone: Option<ZoneId>,
}

/// A device's data model.
///
/// All mutation goes through this type so that every change lands in
/// the change log; the service drains it with [`Device::take_changes`]
/// after each operation and feeds it to every session's subscriptions
/// (before sending the response, DEC-071).
#[derive(Debug, Clone)]
pub struct Device {
    endpoints: Vec<Endpoint>,
    changes: Vec<Change>,
    last_subscription_id: u32,
}

impl Device {
    /// A device with `endpoints`. DeviceInfo's `endpoints` attribute (20)
    /// is derived from the structure, which is static (DEC-051).
    pub fn new(mut endpoints: Vec<Endpoint>) -> Self {
        endpoints.sort_by_key(|e| e.id);
        endpoints.dedup_by_key(|e| e.id);
        let structure = device_info::endpoints_value(&endpoints);
        let mut device = Self {
            endpoints,
            changes: Vec::new(),
            last_subscription_id: 0,
        };
        // Only present when endpoint 0 carries DeviceInfo.
        let _ = device.set(
            0,
            FeatureType::DeviceInfo,
            device_info::attr::ENDPOINTS,
            structure,
        );
        device.changes.clear();
        device
    }

    /// Endpoints, ascending by ID.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The endpoint with `id`.
    pub fn endpoint(&self, id: EndpointId) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    /// The feature `ty` on endpoint `ep`.
    pub fn feature(&self, ep: EndpointId, ty: FeatureType) -> Option<&Feature> {
        self.endpoint(ep)?.feature(ty)
    }

    /// Endpoints carrying feature `ty`.
    pub fn endpoints_with(&self, ty: FeatureType) -> impl Iterator<Item = &Endpoint> {
        self.endpoints
            .iter()
            .filter(move |e| e.feature(ty).is_some())
    }

    /// Looks up a request target, failing with INVALID_ENDPOINT or
    /// INVALID_FEATURE as INTEROP.md §6.1 maps them.
    pub fn target(&self, ep: EndpointId, feature: u8) -> Result<&Feature, StatusCode> {
        let endpoint = self.endpoint(ep).ok_or(StatusCode::InvalidEndpoint)?;
        endpoint
            .feature(FeatureType::from_value(feature))
            .ok_or(StatusCode::InvalidFeature)
    }

    fn feature_mut(&mut self, ep: EndpointId, ty: FeatureType) -> Result<&mut Feature, StatusCode> {
        let endpoint = self
            .endpoints
            .iter_mut()
            .find(|e| e.id == ep)
            .ok_or(StatusCode::InvalidEndpoint)?;
        endpoint.feature_mut(ty).ok_or(StatusCode::InvalidFeature)
    }

    /// The shared value of an attribute.
    pub fn get(&self, ep: EndpointId, ty: FeatureType, attr: AttributeId) -> Option<&Value> {
        self.feature(ep, ty)?.get(attr)
    }

    /// Sets an attribute (validated against its table) and records the
    /// change; returns whether the value changed.
    pub fn set(
        &mut self,
        ep: EndpointId,
        ty: FeatureType,
        attr: AttributeId,
        value: impl Into<Value>,
    ) -> Result<bool, StatusCode> {
        let changed = self.feature_mut(ep, ty)?.set(attr, value.into())?;
        if changed {
            self.changes.push(Change {
                endpoint: ep,
                feature: ty,
                attribute: attr,
                zone: None,
            });
        }
        Ok(changed)
    }

    /// Sets `zone`'s value of a per-zone attribute (`Null` clears it).
    pub fn set_zone(
        &mut self,
        ep: EndpointId,
        ty: FeatureType,
        zone: &ZoneId,
        attr: AttributeId,
        value: impl Into<Value>,
    ) -> Result<bool, StatusCode> {
        let changed = self
            .feature_mut(ep, ty)?
            .set_zone(zone, attr, value.into())?;
        if changed {
            self.changes.push(Change {
                endpoint: ep,
                feature: ty,
                attribute: attr,
                zone: Some(*zone),
            });
        }
        Ok(changed)
    }

    /// Forgets every per-zone value of `zone` (zone removal).
    pub fn clear_zone(&mut self, zone: &ZoneId) {
        for endpoint in &mut self.endpoints {
            for feature in &mut endpoint.features {
                for attribute in feature.clear_zone(zone) {
                    self.changes.push(Change {
                        endpoint: endpoint.id,
                        feature: feature.feature_type(),
                        attribute,
                        zone: Some(*zone),
                    });
                }
            }
        }
    }

    /// Whether changes are waiting to be drained.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Drains the change log.
    pub fn take_changes(&mut self) -> Vec<Change> {
        core::mem::take(&mut self.changes)
    }

    /// Allocates a subscription ID, unique across all connections of this
    /// device (as the reference's process-wide counter; 0 is skipped).
    pub fn next_subscription_id(&mut self) -> u32 {
        self.last_subscription_id = self.last_subscription_id.wrapping_add(1).max(1);
        self.last_subscription_id
    }

    /// Reads several attributes of one feature as `zone` sees them.
    pub fn read_map(
        &self,
        feature: &Feature,
        ids: impl Iterator<Item = AttributeId>,
        zone: Option<&ZoneId>,
    ) -> Map {
        let mut out = Map::new();
        for id in ids {
            if let Some(v) = feature.read(id, zone) {
                out.insert(id, v);
            }
        }
        out
    }
}
