//! Reading and writing the model from an appliance.
//!
//! Appliances write only what the model carries: the models decide which
//! attributes exist, the appliances fill whatever is there.

use mash_core::cbor::Value;
use mash_core::model::{AttributeId, Device, EndpointId, FeatureType};

/// Sets `attr` if the endpoint's feature supports it. A value the table
/// refuses is a bug in the simulation; it is logged, not fatal.
pub(super) fn put(
    device: &mut Device,
    ep: EndpointId,
    ty: FeatureType,
    attr: AttributeId,
    value: impl Into<Value>,
) {
    let supported = device
        .feature(ep, ty)
        .is_some_and(|f| f.supported(attr).is_some());
    if !supported {
        return;
    }
    if let Err(status) = device.set(ep, ty, attr, value) {
        tracing::warn!(ep, %ty, attr, %status, "simulated value refused");
    }
}

/// The attribute as `i64`, if it holds an integer.
pub(super) fn int(
    device: &Device,
    ep: EndpointId,
    ty: FeatureType,
    attr: AttributeId,
) -> Option<i64> {
    device.get(ep, ty, attr).and_then(Value::as_i64)
}

/// The attribute as `u64`, if it holds a non-negative integer.
pub(super) fn uint(
    device: &Device,
    ep: EndpointId,
    ty: FeatureType,
    attr: AttributeId,
) -> Option<u64> {
    device.get(ep, ty, attr).and_then(Value::as_u64)
}

/// A per-phase map (`{Phase: int}`) as an array indexed by phase A, B, C.
pub(super) fn phases(
    device: &Device,
    ep: EndpointId,
    ty: FeatureType,
    attr: AttributeId,
) -> [Option<i64>; 3] {
    let mut out = [None; 3];
    if let Some(map) = device.get(ep, ty, attr).and_then(Value::as_map) {
        for (k, v) in map.iter() {
            let slot = k
                .as_u64()
                .and_then(|p| usize::try_from(p).ok())
                .and_then(|p| out.get_mut(p));
            if let Some(slot) = slot {
                *slot = v.as_i64();
            }
        }
    }
    out
}
