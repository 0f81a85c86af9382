//! Behaviour of dispatch and subscriptions on a small device.

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::cbor::{Map, Value};
use crate::model::features::{energy_control as ec, measurement};
use crate::model::{Device, Endpoint, EndpointType, Feature, FeatureType};
use crate::time::Instant;
use crate::wire::{Operation, Request, Response, StatusCode};
use crate::zone::ZoneType;

const GRID: &str = "1111111111111111";
const LOCAL: &str = "2222222222222222";

fn device() -> Device {
    Device::new(vec![
        Endpoint::new(1, EndpointType::EvCharger)
            .with_feature(Feature::new(&measurement::MEASUREMENT).with_all_attributes())
            .with_feature(
                Feature::new(&ec::ENERGY_CONTROL)
                    .with_all_attributes()
                    .with_all_commands(),
            ),
    ])
}

fn session(zone: &str, ty: ZoneType) -> ServerSession {
    ServerSession::new(
        Caller {
            zone_id: zone.parse().unwrap(),
            zone_type: ty,
        },
        SubscriptionLimits::default(),
    )
}

fn request(op: Operation, feature: FeatureType, payload: Option<Value>) -> Request {
    Request {
        message_id: 9,
        operation: op,
        endpoint_id: 1,
        feature_id: feature.value(),
        payload,
    }
}

fn map(entries: &[(u64, Value)]) -> Value {
    Value::Map(entries.iter().cloned().collect::<Map>())
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

fn subscribe(s: &mut ServerSession, d: &mut Device, attrs: &[u64], min: u64, max: u64) -> u32 {
    let ids: Vec<Value> = attrs.iter().map(|a| Value::Uint(*a)).collect();
    let p = map(&[
        (1, Value::Array(ids)),
        (2, Value::Uint(min)),
        (3, Value::Uint(max)),
    ]);
    let r = s.handle_request(
        d,
        &mut DefaultApplication,
        request(Operation::Subscribe, FeatureType::Measurement, Some(p)),
        ms(0),
    );
    assert_eq!(r.status, StatusCode::Success);
    r.payload
        .unwrap()
        .as_map()
        .unwrap()
        .get_uint(1)
        .unwrap()
        .as_u64()
        .unwrap() as u32
}

fn set_power(d: &mut Device, s: &mut ServerSession, mw: i64, at: u64) {
    d.set(
        1,
        FeatureType::Measurement,
        measurement::attr::AC_ACTIVE_POWER,
        mw,
    )
    .unwrap();
    let changes = d.take_changes();
    s.handle_changes(&changes, ms(at));
}

fn drain(s: &mut ServerSession) -> Vec<Map> {
    core::iter::from_fn(|| s.poll_notification())
        .map(|n| n.changes)
        .collect()
}

#[test]
fn changes_within_min_interval_coalesce_to_the_last_value() {
    let mut d = device();
    let mut s = session(LOCAL, ZoneType::Local);
    subscribe(&mut s, &mut d, &[1], 5000, 60_000);
    set_power(&mut d, &mut s, 1, 2000);
    set_power(&mut d, &mut s, 2, 3000);
    set_power(&mut d, &mut s, 3, 4000);
    // Window opened at the first change (t=2 s), not at the last report.
    assert_eq!(s.poll_timeout(), Some(ms(7000)));
    s.handle_timeout(&d, ms(7000));
    let reports = drain(&mut s);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].get_uint(1), Some(&Value::Uint(3)));
}

#[test]
fn a_value_that_bounces_back_is_not_reported() {
    let mut d = device();
    let mut s = session(LOCAL, ZoneType::Local);
    subscribe(&mut s, &mut d, &[], 5000, 60_000);
    set_power(&mut d, &mut s, 42, 100);
    d.set(
        1,
        FeatureType::Measurement,
        measurement::attr::AC_ACTIVE_POWER,
        Value::Null,
    )
    .unwrap();
    let changes = d.take_changes();
    s.handle_changes(&changes, ms(200));
    s.handle_timeout(&d, ms(5100));
    assert!(drain(&mut s).is_empty());
}

#[test]
fn heartbeat_after_max_interval_carries_every_subscribed_value() {
    let mut d = device();
    let mut s = session(LOCAL, ZoneType::Local);
    subscribe(&mut s, &mut d, &[1, 2], 1000, 10_000);
    assert_eq!(s.poll_timeout(), Some(ms(10_000)));
    s.handle_timeout(&d, ms(10_000));
    let reports = drain(&mut s);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].len(), 2);
    assert_eq!(s.poll_timeout(), Some(ms(20_000)));
}

#[test]
fn per_zone_values_reach_only_their_zone() {
    let mut d = device();
    let mut local = session(LOCAL, ZoneType::Local);
    let mut grid = session(GRID, ZoneType::Grid);
    for s in [&mut local, &mut grid] {
        let p = map(&[
            (
                1,
                Value::Array(vec![Value::Uint(ec::attr::MY_CONSUMPTION_LIMIT.into())]),
            ),
            (2, Value::Uint(100)),
        ]);
        let r = s.handle_request(
            &mut d,
            &mut DefaultApplication,
            request(Operation::Subscribe, FeatureType::EnergyControl, Some(p)),
            ms(0),
        );
        assert_eq!(r.status, StatusCode::Success);
    }
    // LOCAL writes its own limit.
    let w = map(&[(
        ec::attr::MY_CONSUMPTION_LIMIT.into(),
        Value::Uint(11_000_000),
    )]);
    let r = local.handle_request(
        &mut d,
        &mut DefaultApplication,
        request(Operation::Write, FeatureType::EnergyControl, Some(w)),
        ms(10),
    );
    assert_eq!(
        r.payload,
        Some(map(&[(
            ec::attr::MY_CONSUMPTION_LIMIT.into(),
            Value::Uint(11_000_000)
        )]))
    );
    let changes = d.take_changes();
    local.handle_changes(&changes, ms(10));
    grid.handle_changes(&changes, ms(10));
    local.handle_timeout(&d, ms(110));
    grid.handle_timeout(&d, ms(110));
    assert_eq!(drain(&mut local).len(), 1);
    assert!(drain(&mut grid).is_empty());
    // GRID reads its own (unset) value.
    let read = map(&[(
        1,
        Value::Array(vec![Value::Uint(ec::attr::MY_CONSUMPTION_LIMIT.into())]),
    )]);
    let r = grid.handle_request(
        &mut d,
        &mut DefaultApplication,
        request(Operation::Read, FeatureType::EnergyControl, Some(read)),
        ms(20),
    );
    assert_eq!(
        r.payload,
        Some(map(&[(ec::attr::MY_CONSUMPTION_LIMIT.into(), Value::Null)]))
    );
}

#[test]
fn range_checked_writes_are_atomic() {
    let mut d = device();
    let mut s = session(LOCAL, ZoneType::Local);
    let write = |s: &mut ServerSession, d: &mut Device, entries: &[(u64, Value)]| -> Response {
        s.handle_request(
            d,
            &mut DefaultApplication,
            request(
                Operation::Write,
                FeatureType::EnergyControl,
                Some(map(entries)),
            ),
            ms(0),
        )
    };
    // DEC-070: failsafeDuration must be within 7200..=86400 s.
    let r = write(
        &mut s,
        &mut d,
        &[(ec::attr::FAILSAFE_DURATION.into(), Value::Uint(3600))],
    );
    assert_eq!(r.status, StatusCode::ConstraintError);
    // A good value next to a bad one: neither is applied.
    let r = write(
        &mut s,
        &mut d,
        &[
            (
                ec::attr::FAILSAFE_CONSUMPTION_LIMIT.into(),
                Value::Uint(4_000_000),
            ),
            (ec::attr::FAILSAFE_DURATION.into(), Value::Uint(90_000)),
        ],
    );
    assert_eq!(r.status, StatusCode::ConstraintError);
    assert_eq!(
        d.get(
            1,
            FeatureType::EnergyControl,
            ec::attr::FAILSAFE_CONSUMPTION_LIMIT
        ),
        Some(&Value::Null)
    );
    assert!(!d.has_changes());
    let r = write(
        &mut s,
        &mut d,
        &[(ec::attr::FAILSAFE_DURATION.into(), Value::Uint(86_400))],
    );
    assert_eq!(r.status, StatusCode::Success);
    // Globals and read-only attributes are READ_ONLY, unknown ones INVALID_ATTRIBUTE.
    assert_eq!(
        write(&mut s, &mut d, &[(0xfffc, Value::Uint(1))]).status,
        StatusCode::ReadOnly
    );
    assert_eq!(
        write(
            &mut s,
            &mut d,
            &[(ec::attr::CONTROL_STATE.into(), Value::Uint(1))]
        )
        .status,
        StatusCode::ReadOnly
    );
    assert_eq!(
        write(&mut s, &mut d, &[(999, Value::Uint(1))]).status,
        StatusCode::InvalidAttribute
    );
    assert_eq!(
        write(
            &mut s,
            &mut d,
            &[(ec::attr::FAILSAFE_DURATION.into(), Value::Null)]
        )
        .status,
        StatusCode::ConstraintError
    );
}

#[test]
fn subscription_limits_answer_resource_exhausted() {
    let mut d = device();
    let mut s = session(LOCAL, ZoneType::Local);
    for _ in 0..50 {
        subscribe(&mut s, &mut d, &[1], 0, 0);
    }
    let r = s.handle_request(
        &mut d,
        &mut DefaultApplication,
        request(Operation::Subscribe, FeatureType::Measurement, None),
        ms(0),
    );
    assert_eq!(r.status, StatusCode::ResourceExhausted);
    let many: Vec<Value> = (0..101).map(Value::Uint).collect();
    let mut fresh = session(LOCAL, ZoneType::Local);
    let r = fresh.handle_request(
        &mut d,
        &mut DefaultApplication,
        request(
            Operation::Subscribe,
            FeatureType::Measurement,
            Some(map(&[(1, Value::Array(many))])),
        ),
        ms(0),
    );
    assert_eq!(r.status, StatusCode::ResourceExhausted);
}

#[test]
fn subscription_ids_are_unique_across_sessions() {
    let mut d = device();
    let mut a = session(LOCAL, ZoneType::Local);
    let mut b = session(GRID, ZoneType::Grid);
    let ids = [
        subscribe(&mut a, &mut d, &[1], 0, 0),
        subscribe(&mut b, &mut d, &[1], 0, 0),
        subscribe(&mut a, &mut d, &[1], 0, 0),
    ];
    assert_eq!(ids, [1, 2, 3]);
    // Another connection's subscription cannot be cancelled from here.
    let unsub = Request {
        message_id: 3,
        operation: Operation::Subscribe,
        endpoint_id: 0,
        feature_id: 0,
        payload: Some(map(&[(1, Value::Uint(2))])),
    };
    assert_eq!(
        a.handle_request(&mut d, &mut DefaultApplication, unsub, ms(0))
            .status,
        StatusCode::InvalidParameter
    );
}

#[test]
fn invoke_checks_commands_and_parameters_before_the_application() {
    let mut d = device();
    let mut s = session(LOCAL, ZoneType::Local);
    let invoke = |s: &mut ServerSession, d: &mut Device, payload: Value| {
        s.handle_request(
            d,
            &mut DefaultApplication,
            request(Operation::Invoke, FeatureType::EnergyControl, Some(payload)),
            ms(0),
        )
    };
    let params =
        |kv: &[(&str, Value)]| Value::Map(kv.iter().map(|(k, v)| (*k, v.clone())).collect());
    // Missing cause.
    let r = invoke(
        &mut s,
        &mut d,
        map(&[
            (1, Value::Uint(1)),
            (2, params(&[("consumptionLimit", Value::Uint(1))])),
        ]),
    );
    assert_eq!(r.status, StatusCode::InvalidParameter);
    // Wrongly typed cause.
    let r = invoke(
        &mut s,
        &mut d,
        map(&[
            (1, Value::Uint(1)),
            (2, params(&[("cause", Value::from("x"))])),
        ]),
    );
    assert_eq!(r.status, StatusCode::InvalidParameter);
    // Well-formed: reaches the application, which has no commands.
    let r = invoke(
        &mut s,
        &mut d,
        map(&[
            (1, Value::Uint(1)),
            (2, params(&[("cause", Value::Uint(0))])),
        ]),
    );
    assert_eq!(r.status, StatusCode::Unsupported, "{:?}", r.error_text());
    assert_eq!(
        invoke(&mut s, &mut d, map(&[(1, Value::Uint(77))])).status,
        StatusCode::InvalidCommand
    );
    assert_eq!(
        invoke(&mut s, &mut d, map(&[])).status,
        StatusCode::InvalidCommand
    );
}
