//! What the dispatcher asks of the device application.

use crate::cbor::{Map, Value};
use crate::ids::ZoneId;
use crate::model::{AttributeId, CommandId, Device, EndpointId, FeatureType};
use crate::time::Instant;
use crate::wire::StatusCode;
use crate::zone::ZoneType;

use super::Failure;

/// Who is asking: the zone behind the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The caller's zone ID.
    pub zone_id: ZoneId,
    /// The caller's zone type.
    pub zone_type: ZoneType,
}

/// The kind of access being checked by [`Application::authorize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading attributes.
    Read,
    /// Writing an attribute.
    Write(AttributeId),
    /// Subscribing.
    Subscribe,
    /// Invoking a command.
    Invoke(CommandId),
}

/// Mutable state an [`Application`] works on during one request.
pub struct Context<'a> {
    /// The device model; every change made through it is logged.
    pub device: &'a mut Device,
    /// The requesting zone.
    pub caller: &'a Caller,
    /// Monotonic time of the request.
    pub now: Instant,
}

/// The device application behind the dispatcher: command semantics,
/// zone-aware writes and access policy.
pub trait Application {
    /// Access policy; the default allows everything. Errors are answered
    /// as returned (the spec's code is NOT_AUTHORIZED).
    fn authorize(
        &self,
        caller: &Caller,
        access: Access,
        endpoint: EndpointId,
        feature: FeatureType,
    ) -> Result<(), Failure> {
        let _ = (caller, access, endpoint, feature);
        Ok(())
    }

    /// Applies one validated attribute write. The default stores the value,
    /// per zone for per-zone attributes.
    fn write(
        &mut self,
        ctx: &mut Context<'_>,
        endpoint: EndpointId,
        feature: FeatureType,
        attribute: AttributeId,
        value: Value,
    ) -> Result<(), Failure> {
        store(ctx, endpoint, feature, attribute, value)
    }

    /// Runs a command whose parameters passed the table's checks; returns
    /// the text-keyed result map (INTEROP.md §6.5).
    fn invoke(
        &mut self,
        ctx: &mut Context<'_>,
        endpoint: EndpointId,
        feature: FeatureType,
        command: CommandId,
        params: &Map,
    ) -> Result<Map, Failure>;
}

/// Stores a written value: per zone for per-zone attributes.
pub fn store(
    ctx: &mut Context<'_>,
    endpoint: EndpointId,
    feature: FeatureType,
    attribute: AttributeId,
    value: Value,
) -> Result<(), Failure> {
    let per_zone = ctx
        .device
        .feature(endpoint, feature)
        .and_then(|f| f.supported(attribute))
        .is_some_and(|a| a.per_zone);
    let result = if per_zone {
        let zone = ctx.caller.zone_id;
        ctx.device
            .set_zone(endpoint, feature, &zone, attribute, value)
    } else {
        ctx.device.set(endpoint, feature, attribute, value)
    };
    result.map(drop).map_err(Failure::from)
}

/// An application with no commands: every invoke is UNSUPPORTED.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultApplication;

impl Application for DefaultApplication {
    fn invoke(
        &mut self,
        _: &mut Context<'_>,
        _: EndpointId,
        _: FeatureType,
        _: CommandId,
        _: &Map,
    ) -> Result<Map, Failure> {
        Err(StatusCode::Unsupported.into())
    }
}
