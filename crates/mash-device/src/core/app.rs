//! The device application behind the dispatcher: EnergyControl across
//! zones, RemoveZone, TestControl, ChargingSession modes, and the access
//! policy.

use mash_core::cbor::{Map, Value};
use mash_core::energy::EnergyControl;
use mash_core::ids::ZoneId;
use mash_core::interaction::{Access, Application, Caller, Context, Failure};
use mash_core::model::features::{charging_session, device_info};
use mash_core::model::{AttributeId, CommandId, EndpointId, FeatureType};
use mash_core::wire::StatusCode;
use mash_core::zone::ZoneType;

use super::CoreConfig;
use crate::persist::ZoneRecord;
use crate::test_control::{self, TestState};

/// Work a command leaves for after its response.
#[derive(Debug)]
pub(super) enum CoreAction {
    /// RemoveZone accepted.
    RemoveZone(ZoneId),
    /// A TestControl trigger with a device-level effect.
    Test(test_control::Action),
}

pub(super) struct DeviceApp<'a> {
    pub energy: &'a mut EnergyControl,
    pub zones: &'a [ZoneRecord],
    pub config: &'a CoreConfig,
    pub actions: &'a mut Vec<CoreAction>,
    pub unix_now: u64,
    pub test_state: Option<TestState>,
}

impl DeviceApp<'_> {
    /// DeviceInfo removeZone (INTEROP.md §7): a zone may remove itself; a
    /// TEST zone may remove any zone; anything else is CONSTRAINT_ERROR.
    fn remove_zone(&mut self, caller: &Caller, params: &Map) -> Result<Map, Failure> {
        let target = params
            .get_text("zoneId")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Failure::new(StatusCode::InvalidParameter, "invalid command parameters")
            })?;
        let zone: Option<ZoneId> = target
            .parse()
            .ok()
            .filter(|z| self.zones.iter().any(|r| r.id().as_ref() == Some(z)));
        let allowed = match zone {
            Some(z) => z == caller.zone_id || caller.zone_type == ZoneType::Test,
            None => false,
        };
        match zone {
            Some(z) if allowed => {
                self.actions.push(CoreAction::RemoveZone(z));
                let mut m = Map::new();
                m.insert("removed", true);
                Ok(m)
            }
            _ => Err(Failure::new(
                StatusCode::ConstraintError,
                "zone may only remove itself",
            )),
        }
    }

    /// ChargingSession setChargingMode: the mode must be one the device
    /// supports.
    fn set_charging_mode(
        &mut self,
        ctx: &mut Context<'_>,
        ep: EndpointId,
        params: &Map,
    ) -> Result<Map, Failure> {
        let mode = params
            .get_text("mode")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                Failure::new(StatusCode::InvalidParameter, "invalid command parameters")
            })?;
        let supported = ctx
            .device
            .get(
                ep,
                FeatureType::ChargingSession,
                charging_session::attr::SUPPORTED_CHARGING_MODES,
            )
            .and_then(Value::as_array)
            .is_none_or(|modes| modes.iter().any(|m| m.as_u64() == Some(mode)));
        if !supported {
            return Err(Failure::new(
                StatusCode::ConstraintError,
                "charging mode not supported",
            ));
        }
        // The optional parameters set their attributes, where the
        // instance has them (chargingsession-feature.md §5.3, TC-CHRG-008).
        use charging_session::attr as cs;
        let extras = [
            ("surplusThreshold", cs::SURPLUS_THRESHOLD),
            ("startDelay", cs::START_DELAY),
            ("stopDelay", cs::STOP_DELAY),
        ]
        .into_iter()
        .filter_map(|(name, attr)| {
            let v = params.get_text(name).filter(|v| !v.is_null())?;
            let has = ctx
                .device
                .feature(ep, FeatureType::ChargingSession)
                .is_some_and(|f| f.has_attribute(attr));
            has.then(|| (attr, v.clone()))
        })
        .collect::<Vec<_>>();
        for (attr, value) in extras
            .into_iter()
            .chain([(cs::CHARGING_MODE, Value::Uint(mode))])
        {
            ctx.device
                .set(ep, FeatureType::ChargingSession, attr, value)
                .map_err(Failure::from)?;
        }
        let mut m = Map::new();
        m.insert("success", true);
        m.insert("activeMode", mode);
        Ok(m)
    }
}

impl Application for DeviceApp<'_> {
    fn authorize(
        &self,
        caller: &Caller,
        access: Access,
        _ep: EndpointId,
        feature: FeatureType,
    ) -> Result<(), Failure> {
        match &self.config.access {
            Some(policy) => policy.check(caller, access, feature),
            None => Ok(()),
        }
    }

    fn write(
        &mut self,
        ctx: &mut Context<'_>,
        endpoint: EndpointId,
        feature: FeatureType,
        attribute: AttributeId,
        value: Value,
    ) -> Result<(), Failure> {
        match feature {
            FeatureType::EnergyControl => self
                .energy
                .write(ctx.device, ctx.caller, endpoint, attribute, value, ctx.now),
            _ => mash_core::interaction::store(ctx, endpoint, feature, attribute, value),
        }
    }

    fn invoke(
        &mut self,
        ctx: &mut Context<'_>,
        endpoint: EndpointId,
        feature: FeatureType,
        command: CommandId,
        params: &Map,
    ) -> Result<Map, Failure> {
        match feature {
            FeatureType::EnergyControl => self
                .energy
                .invoke(ctx.device, ctx.caller, endpoint, command, params, ctx.now),
            FeatureType::DeviceInfo if command == device_info::cmd::REMOVE_ZONE => {
                self.remove_zone(ctx.caller, params)
            }
            FeatureType::ChargingSession if command == charging_session::cmd::SET_CHARGING_MODE => {
                self.set_charging_mode(ctx, endpoint, params)
            }
            FeatureType::TestControl => {
                let state = self.test_state.take().unwrap_or_default();
                let (result, action) = test_control::handle(
                    ctx.device,
                    ctx.caller,
                    self.config.test_key.as_ref(),
                    command,
                    params,
                    self.unix_now,
                    &state,
                )?;
                if let Some(action) = action {
                    self.actions.push(CoreAction::Test(action));
                }
                Ok(result)
            }
            _ => Err(StatusCode::Unsupported.into()),
        }
    }
}
