//! Appliance tests. The helpers here build a model per kind, run a
//! simulated clock, and write the values the EnergyControl resolver would
//! produce straight into the model.

mod battery;
mod evse;
mod heat_pump;

use mash_core::cbor::{Map, Value};
use mash_core::model::features::energy_control::attr as ec;
use mash_core::model::{AttributeId, Device, FeatureType};
use mash_core::time::Instant;

use super::Appliance;
use crate::models::{self, APPLIANCE_ENDPOINT, DeviceKind, Identity, ModelOptions};

pub fn device(kind: DeviceKind) -> Device {
    models::build(kind, &Identity::for_kind(kind), ModelOptions::default())
}

/// Ticks at every poll_timeout for `secs` simulated seconds after `from`;
/// returns the time of the last tick.
pub fn run(app: &mut dyn Appliance, device: &mut Device, from: Instant, secs: u64) -> Instant {
    let end = from.as_millis() + secs * 1000;
    let mut now = from;
    loop {
        let due = app.poll_timeout().unwrap().max(from);
        if due.as_millis() > end {
            return now;
        }
        now = due;
        app.tick(device, now);
    }
}

pub fn secs(s: u64) -> Instant {
    Instant::from_millis(s * 1000)
}

/// Writes an EnergyControl attribute as the resolver would.
pub fn set_ec(device: &mut Device, attr: AttributeId, value: impl Into<Value>) {
    device
        .set(APPLIANCE_ENDPOINT, FeatureType::EnergyControl, attr, value)
        .unwrap();
}

pub fn set_limit(device: &mut Device, mw: i64) {
    set_ec(device, ec::EFFECTIVE_CONSUMPTION_LIMIT, mw);
}

pub fn phase_map(values: [i64; 3]) -> Value {
    let m: Map = values
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, Value::int(*v)))
        .collect();
    Value::Map(m)
}

pub fn get(device: &Device, ty: FeatureType, attr: AttributeId) -> Value {
    device.get(APPLIANCE_ENDPOINT, ty, attr).cloned().unwrap()
}

pub fn int(device: &Device, ty: FeatureType, attr: AttributeId) -> i64 {
    get(device, ty, attr).as_i64().unwrap()
}

/// A per-phase map as `[A, B, C]` (missing phases 0).
pub fn phases(device: &Device, ty: FeatureType, attr: AttributeId) -> [i64; 3] {
    let mut out = [0; 3];
    for (k, v) in get(device, ty, attr).as_map().unwrap().iter() {
        out[k.as_u64().unwrap() as usize] = v.as_i64().unwrap();
    }
    out
}

/// A value the table refuses is dropped (and logged) by the appliance, so
/// a reading left null after a few ticks would be one out of range.
#[test]
fn every_appliance_fills_every_measurement_with_valid_values() {
    use crate::appliance::{SimConfig, appliance};
    for kind in DeviceKind::ALL {
        let mut d = device(kind);
        let mut app = appliance(kind, &SimConfig::default());
        assert_eq!(app.kind(), kind);
        if kind == DeviceKind::Battery {
            set_ec(&mut d, ec::EFFECTIVE_PRODUCTION_SETPOINT, 2_000_000i64);
        }
        run(app.as_mut(), &mut d, secs(0), 30);
        let f = d
            .feature(APPLIANCE_ENDPOINT, FeatureType::Measurement)
            .unwrap();
        for attr in f.attribute_list().filter(|a| *a < 0xfff0) {
            let v = f.get(attr).unwrap();
            assert!(!v.is_null(), "{kind}: measurement attribute {attr} is null");
            assert!(f.supported(attr).unwrap().validate(v).is_ok());
        }
    }
}
