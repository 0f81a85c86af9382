//! Subscribe and unsubscribe (INTEROP.md §6.4).

use core::time::Duration;

use super::read::{Selection, attribute_ids};
use super::subscriptions::current;
use super::{Access, Application, Caller, Failure, Subscriptions};
use crate::cbor::{Map, Value};
use crate::model::{Device, FeatureType};
use crate::time::Instant;
use crate::wire::{Request, StatusCode};

fn interval(payload: Option<&Map>, key: u64, default: Duration) -> Result<Duration, Failure> {
    match payload.and_then(|m| m.get_uint(key)) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_u64() {
            Some(0) => Ok(default),
            Some(ms) => Ok(Duration::from_millis(ms)),
            None => Err(Failure::new(
                StatusCode::InvalidParameter,
                "interval must be an unsigned integer",
            )),
        },
    }
}

/// `{1?: [attrIds], 2?: minInterval ms, 3?: maxInterval ms}` → priming
/// response `{1: subscriptionId, 2?: {attrId: value}}`.
pub(super) fn subscribe(
    device: &mut Device,
    app: &dyn Application,
    subs: &mut Subscriptions,
    caller: &Caller,
    req: &Request,
    now: Instant,
) -> Result<Value, Failure> {
    if req.feature_id == 0 {
        return unsubscribe(subs, req);
    }
    let feature = device.target(req.endpoint_id, req.feature_id)?;
    let ty = FeatureType::from_value(req.feature_id);
    app.authorize(caller, Access::Subscribe, req.endpoint_id, ty)?;
    let payload = match &req.payload {
        None | Some(Value::Null) => None,
        Some(Value::Map(m)) => Some(m),
        Some(_) => {
            return Err(Failure::new(
                StatusCode::InvalidParameter,
                "subscribe payload must be a map",
            ));
        }
    };
    let limits = *subs.limits();
    let attributes = match attribute_ids(payload.and_then(|m| m.get_uint(1)))? {
        Selection::All => None,
        Selection::Some(ids) if ids.len() > limits.max_attributes => {
            return Err(Failure::new(
                StatusCode::ResourceExhausted,
                "too many attribute IDs",
            ));
        }
        // Unknown IDs are accepted silently, as by the reference.
        Selection::Some(ids) => Some(ids),
    };
    let min = interval(payload, 2, limits.default_min_interval)?;
    let max = interval(payload, 3, limits.default_max_interval)?;
    if min > max {
        return Err(Failure::new(
            StatusCode::ResourceExhausted,
            "invalid subscription interval",
        ));
    }
    if subs.len() >= limits.max_subscriptions {
        return Err(Failure::new(
            StatusCode::ResourceExhausted,
            "too many subscriptions",
        ));
    }
    let priming = current(feature, attributes.as_deref(), &caller.zone_id, device);
    let id = device.next_subscription_id();
    let mut response = Map::new();
    response.insert(1u64, id);
    if !priming.is_empty() {
        response.insert(2u64, priming.clone());
    }
    subs.add(id, req.endpoint_id, ty, attributes, min, max, priming, now);
    Ok(Value::Map(response))
}

/// Operation 3 with feature 0: `{1: subscriptionId}`.
fn unsubscribe(subs: &mut Subscriptions, req: &Request) -> Result<Value, Failure> {
    let id = req
        .payload
        .as_ref()
        .and_then(Value::as_map)
        .and_then(|m| m.get_uint(1))
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    match id {
        Some(id) if subs.remove(id) => Ok(Value::Map(Map::new())),
        Some(_) => Err(Failure::new(
            StatusCode::InvalidParameter,
            "subscription not found or not owned by connection",
        )),
        None => Err(Failure::new(
            StatusCode::InvalidParameter,
            "subscription ID required",
        )),
    }
}
