//! The controller's own data model, served to devices that send requests
//! on the operational connection (INTEROP.md §6: both sides can request).
//!
//! One endpoint, 0 (DEVICE_ROOT), with DeviceInfo: identity, software and
//! spec version, and the use cases declared on endpoint 0 as controllers
//! do (INTEROP.md §7). Requests are answered by mash-core's
//! [`ServerSession`], one per connection; the model is shared, and changes
//! (a device writing `label` or `location`) reach every session's
//! subscriptions through a broadcast.

use std::sync::{Arc, Mutex, PoisonError};

use mash_core::cbor::{Map, Value};
use mash_core::interaction::{Application, Context, Failure, Inbound, ServerSession};
use mash_core::model::features::device_info::{DEVICE_INFO, attr};
use mash_core::model::{
    Change, CommandId, Device, Endpoint, EndpointId, EndpointType, Feature, FeatureType,
};
use mash_core::time::Instant;
use mash_core::wire::{Notification, StatusCode};
use tokio::sync::broadcast;

use crate::config::ControllerInfo;

/// The shared model.
#[derive(Debug)]
pub(crate) struct ControllerModel {
    device: Mutex<Device>,
    changes: broadcast::Sender<Arc<Vec<Change>>>,
}

/// Commands on the controller: none are implemented.
struct ControllerApp;

impl Application for ControllerApp {
    fn invoke(
        &mut self,
        _: &mut Context<'_>,
        _: EndpointId,
        _: FeatureType,
        _: CommandId,
        _: &Map,
    ) -> Result<Map, Failure> {
        Err(Failure::new(
            StatusCode::Unsupported,
            "controller does not expose commands",
        ))
    }
}

impl ControllerModel {
    /// The model of a controller named `controller_id`.
    pub(crate) fn new(controller_id: &str, info: &ControllerInfo) -> Self {
        let use_cases: Vec<Value> = info
            .use_cases
            .iter()
            .map(|u| {
                let mut m = Map::new();
                m.insert(1u64, 0u8);
                m.insert(2u64, u.id);
                m.insert(3u64, u.major);
                m.insert(4u64, u.minor);
                m.insert(5u64, u.scenarios);
                Value::Map(m)
            })
            .collect();
        let device_info = Feature::new(&DEVICE_INFO)
            .with_attributes(&[attr::LOCATION, attr::LABEL])
            .with_value(attr::DEVICE_ID, controller_id)
            .with_value(attr::VENDOR_NAME, info.vendor_name.as_str())
            .with_value(attr::PRODUCT_NAME, info.product_name.as_str())
            .with_value(attr::SERIAL_NUMBER, info.serial_number.as_str())
            .with_value(attr::SOFTWARE_VERSION, info.software_version.as_str())
            .with_value(attr::SPEC_VERSION, "1.0")
            .with_value(attr::USE_CASES, use_cases);
        let device = Device::new(vec![
            Endpoint::new(0, EndpointType::DeviceRoot).with_feature(device_info),
        ]);
        let (changes, _) = broadcast::channel(16);
        Self {
            device: Mutex::new(device),
            changes,
        }
    }

    /// Answers one frame from a device (or hands back what is not a
    /// request), and tells every session about resulting changes.
    pub(crate) fn handle_frame(
        &self,
        session: &mut ServerSession,
        frame: &[u8],
        now: Instant,
    ) -> Inbound {
        let (inbound, changes) = {
            let mut device = self.device.lock().unwrap_or_else(PoisonError::into_inner);
            let inbound = session.handle_frame(&mut device, &mut ControllerApp, frame, now);
            (inbound, device.take_changes())
        };
        if !changes.is_empty() {
            // No receiver is fine: nobody subscribed.
            let _ = self.changes.send(Arc::new(changes));
        }
        inbound
    }

    /// Change notices for one session.
    pub(crate) fn changes(&self) -> broadcast::Receiver<Arc<Vec<Change>>> {
        self.changes.subscribe()
    }

    /// Reports due at `now` for `session`.
    pub(crate) fn notifications(
        &self,
        session: &mut ServerSession,
        now: Instant,
    ) -> Vec<Notification> {
        let device = self.device.lock().unwrap_or_else(PoisonError::into_inner);
        session.handle_timeout(&device, now);
        std::iter::from_fn(|| session.poll_notification()).collect()
    }
}

#[cfg(test)]
mod tests {
    use mash_core::interaction::{Caller, SubscriptionLimits};
    use mash_core::wire::{Message, Operation, Request};
    use mash_core::zone::ZoneType;

    use super::*;
    use crate::config::UseCase;

    fn frame(req: Request) -> Vec<u8> {
        let mut buf = Vec::new();
        req.encode(&mut buf);
        buf
    }

    fn session() -> ServerSession {
        ServerSession::new(
            Caller {
                zone_id: "2859a7266ff2c1f0".parse().unwrap(),
                zone_type: ZoneType::Local,
            },
            SubscriptionLimits::default(),
        )
    }

    #[test]
    fn devices_can_read_the_controllers_device_info() {
        let model =
            ControllerModel::new("controller-ems", &ControllerInfo::for_zone(ZoneType::Local));
        let mut s = session();
        let read = Request {
            message_id: 7,
            operation: Operation::Read,
            endpoint_id: 0,
            feature_id: FeatureType::DeviceInfo.value(),
            payload: None,
        };
        let Inbound::Respond(resp) = model.handle_frame(&mut s, &frame(read), Instant::ZERO) else {
            panic!("not answered");
        };
        assert_eq!(resp.status, StatusCode::Success);
        let map = resp.payload.unwrap();
        let map = map.as_map().unwrap();
        assert_eq!(map.get(attr::SPEC_VERSION).unwrap().as_str(), Some("1.0"));
        assert_eq!(
            map.get(attr::DEVICE_ID).unwrap().as_str(),
            Some("controller-ems")
        );
        let cases = map.get(attr::USE_CASES).unwrap().as_array().unwrap();
        assert_eq!(
            cases.len(),
            ControllerInfo::for_zone(ZoneType::Local).use_cases.len()
        );
        let first = cases[0].as_map().unwrap();
        assert_eq!(first.get_uint(1), Some(&Value::Uint(0)), "endpoint 0");
        assert_eq!(
            first.get_uint(2),
            Some(&Value::Uint(UseCase::GPL.id.into()))
        );
    }

    #[test]
    fn commands_and_unknown_features_are_refused_with_a_payload() {
        let model = ControllerModel::new("c", &ControllerInfo::for_zone(ZoneType::Grid));
        let mut s = session();
        let mut params = Map::new();
        params.insert("zoneId", "2859a7266ff2c1f0");
        let mut p = Map::new();
        p.insert(1u64, 0x10u8);
        p.insert(2u64, params);
        let invoke = Request {
            message_id: 2,
            operation: Operation::Invoke,
            endpoint_id: 0,
            feature_id: FeatureType::DeviceInfo.value(),
            payload: Some(Value::Map(p)),
        };
        let Inbound::Respond(resp) = model.handle_frame(&mut s, &frame(invoke), Instant::ZERO)
        else {
            panic!();
        };
        assert_eq!(resp.status, StatusCode::Unsupported);
        // Always a payload, so message IDs 1-3 cannot look like control
        // frames (INTEROP.md §2.3).
        assert!(resp.payload.is_some());
        let mut bytes = Vec::new();
        resp.encode(&mut bytes);
        assert!(matches!(Message::decode(&bytes), Ok(Message::Response(_))));
        let read = Request {
            message_id: 3,
            operation: Operation::Read,
            endpoint_id: 1,
            feature_id: 5,
            payload: None,
        };
        let Inbound::Respond(resp) = model.handle_frame(&mut s, &frame(read), Instant::ZERO) else {
            panic!();
        };
        assert_eq!(resp.status, StatusCode::InvalidEndpoint);
    }
}
