//! Write (INTEROP.md §6.3).

use alloc::vec::Vec;

use super::{Access, Application, Caller, Context, Failure};
use crate::cbor::{Key, Map, Value};
use crate::model::{AttributeId, Device, FeatureType, global};
use crate::time::Instant;
use crate::wire::{Request, StatusCode};

/// Validates every attribute first and applies only if all pass, so a
/// rejected write changes nothing (the reference applies partially; the
/// status codes are the same).
pub(super) fn write(
    device: &mut Device,
    app: &mut dyn Application,
    caller: &Caller,
    req: Request,
    now: Instant,
) -> Result<Value, Failure> {
    let feature = device.target(req.endpoint_id, req.feature_id)?;
    let ty = FeatureType::from_value(req.feature_id);
    let entries = match req.payload {
        Some(Value::Map(m)) if !m.is_empty() => m,
        _ => {
            return Err(Failure::new(
                StatusCode::InvalidParameter,
                "invalid write payload",
            ));
        }
    };
    let mut writes: Vec<(AttributeId, Value)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let id = match key {
            Key::Uint(n) => AttributeId::try_from(n)
                .map_err(|_| Failure::attribute_not_found(AttributeId::MAX))?,
            _ => {
                return Err(Failure::new(
                    StatusCode::InvalidParameter,
                    "attribute keys must be integers",
                ));
            }
        };
        if id >= global::RESERVED_START {
            return Err(StatusCode::ReadOnly.into());
        }
        let def = feature
            .supported(id)
            .ok_or_else(|| Failure::attribute_not_found(id))?;
        if !def.writable {
            return Err(StatusCode::ReadOnly.into());
        }
        def.validate(&value)?;
        app.authorize(caller, Access::Write(id), req.endpoint_id, ty)?;
        writes.push((id, value));
    }
    let ids: Vec<AttributeId> = writes.iter().map(|w| w.0).collect();
    let mut ctx = Context {
        device,
        caller,
        now,
    };
    for (id, value) in writes {
        app.write(&mut ctx, req.endpoint_id, ty, id, value)?;
    }
    let feature = ctx.device.target(req.endpoint_id, req.feature_id)?;
    let read_back: Map = ctx
        .device
        .read_map(feature, ids.into_iter(), Some(&caller.zone_id));
    Ok(Value::Map(read_back))
}
