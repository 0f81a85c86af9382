//! Invoke (INTEROP.md §6.5).

use super::{Access, Application, Caller, Context, Failure};
use crate::cbor::{Key, Map, Value};
use crate::model::{CommandId, Device, FeatureType};
use crate::time::Instant;
use crate::wire::{Request, StatusCode};

/// Parses `{1: commandId, 2?: params}`, checks the command is accepted
/// and its parameters are present and well-typed, then runs it.
///
/// Parameters are text-keyed; integer keys are dropped as the reference
/// drops them, so a spec-document style `{1: .., 4: ..}` map reads as
/// "parameters missing".
pub(super) fn invoke(
    device: &mut Device,
    app: &mut dyn Application,
    caller: &Caller,
    req: Request,
    now: Instant,
) -> Result<Value, Failure> {
    let feature = device.target(req.endpoint_id, req.feature_id)?;
    let ty = FeatureType::from_value(req.feature_id);
    let payload = match req.payload {
        Some(Value::Map(m)) => m,
        _ => {
            return Err(Failure::new(
                StatusCode::InvalidParameter,
                "command payload required",
            ));
        }
    };
    // A missing commandId is command 0, which no feature has.
    let command: CommandId = match payload.get_uint(1) {
        None => 0,
        Some(v) => v
            .as_u64()
            .and_then(|n| CommandId::try_from(n).ok())
            .ok_or(Failure::from(StatusCode::InvalidCommand))?,
    };
    let def = match feature.def().command(command) {
        Some(def) if feature.accepts_command(command) => def,
        // Defined for the feature but left out of this instance's
        // acceptedCommandList: a capability the device lacks, e.g. Pause
        // with isPausable false (DEC-075: UNSUPPORTED).
        Some(_) => return Err(StatusCode::Unsupported.into()),
        None => return Err(StatusCode::InvalidCommand.into()),
    };
    let params: Map = match payload.get_uint(2) {
        Some(Value::Map(m)) => m
            .iter()
            .filter(|(k, _)| matches!(k, Key::Text(_)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            return Err(Failure::new(
                StatusCode::InvalidParameter,
                "parameters must be a map",
            ));
        }
    };
    for p in def.params {
        match params.get_text(p.name) {
            // The reference's text for both cases.
            None if p.required => {
                return Err(Failure::new(
                    StatusCode::InvalidParameter,
                    "invalid command parameters",
                ));
            }
            Some(v) if p.typed && !p.ty.admits(v) => {
                return Err(Failure::new(
                    StatusCode::InvalidParameter,
                    "invalid command parameters",
                ));
            }
            _ => {}
        }
    }
    app.authorize(caller, Access::Invoke(command), req.endpoint_id, ty)?;
    let mut ctx = Context {
        device,
        caller,
        now,
    };
    app.invoke(&mut ctx, req.endpoint_id, ty, command, &params)
        .map(Value::Map)
}
