//! Read (INTEROP.md §6.2).

use alloc::vec::Vec;

use super::{Access, Application, Caller, Failure};
use crate::cbor::{Map, Value};
use crate::model::{AttributeId, Device, FeatureType};
use crate::wire::{Request, StatusCode};

/// The attribute selection of a read or subscribe payload.
pub(super) enum Selection {
    /// Every attribute.
    All,
    /// These attributes.
    Some(Vec<AttributeId>),
}

/// Parses the attribute list at key 1 of a read or subscribe payload.
/// A missing payload, `null`, `{}` or an empty list mean "all"; a bare
/// array is ignored as the reference ignores it (also "all").
pub(super) fn selection(payload: Option<&Value>) -> Result<Selection, Failure> {
    let map = match payload {
        None | Some(Value::Null) | Some(Value::Array(_)) => return Ok(Selection::All),
        Some(Value::Map(m)) => m,
        Some(_) => {
            return Err(Failure::new(
                StatusCode::InvalidParameter,
                "invalid read payload",
            ));
        }
    };
    attribute_ids(map.get_uint(1))
}

pub(super) fn attribute_ids(list: Option<&Value>) -> Result<Selection, Failure> {
    let items = match list {
        None | Some(Value::Null) => return Ok(Selection::All),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Failure::new(
                StatusCode::InvalidParameter,
                "attribute list must be an array",
            ));
        }
    };
    if items.is_empty() {
        return Ok(Selection::All);
    }
    items
        .iter()
        .map(|v| v.as_u64().and_then(|n| AttributeId::try_from(n).ok()))
        .collect::<Option<Vec<_>>>()
        .map(Selection::Some)
        .ok_or_else(|| Failure::new(StatusCode::InvalidParameter, "attribute IDs must be uint16"))
}

pub(super) fn read(
    device: &Device,
    app: &dyn Application,
    caller: &Caller,
    req: &Request,
) -> Result<Value, Failure> {
    let feature = device.target(req.endpoint_id, req.feature_id)?;
    app.authorize(
        caller,
        Access::Read,
        req.endpoint_id,
        FeatureType::from_value(req.feature_id),
    )?;
    let zone = Some(&caller.zone_id);
    let out: Map = match selection(req.payload.as_ref())? {
        Selection::All => device.read_map(feature, feature.attribute_list(), zone),
        Selection::Some(ids) => {
            // The whole read fails on the first unknown attribute (§6.2).
            if let Some(bad) = ids.iter().find(|id| !feature.has_attribute(**id)) {
                return Err(Failure::attribute_not_found(*bad));
            }
            device.read_map(feature, ids.into_iter(), zone)
        }
    };
    Ok(Value::Map(out))
}
