//! Encode and decode throughput of a typical read response and a
//! notification (`cargo bench -p mash-core --bench codec`).
#![allow(missing_docs)] // criterion's generated entry points

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mash_core::cbor::{Map, Value};
use mash_core::wire::{Message, Notification, Response, StatusCode};
use std::hint::black_box;

fn phases(a: i64, b: i64, c: i64) -> Value {
    Value::Map([(0u64, a), (1, b), (2, c)].into_iter().collect::<Map>())
}

/// A full Measurement read of a three-phase EV charger.
fn read_response() -> Message {
    let mut m = Map::new();
    m.insert(1u64, 11_040_000i64);
    m.insert(2u64, 120_000i64);
    m.insert(3u64, 11_050_000i64);
    m.insert(10u64, phases(3_680_000, 3_680_000, 3_680_000));
    m.insert(20u64, phases(16_000, 16_000, 15_800));
    m.insert(21u64, phases(230_100, 229_800, 231_000));
    m.insert(23u64, 50_010u64);
    m.insert(24u64, 990u64);
    m.insert(30u64, 1_234_567_890u64);
    m.insert(31u64, 0u64);
    m.insert(60u64, Value::Null);
    m.insert(
        0xfffbu64,
        [
            1u64, 2, 3, 10, 20, 21, 23, 24, 30, 31, 60, 0xfffa, 0xfffb, 0xfffc,
        ]
        .into_iter()
        .map(Value::from)
        .collect::<Vec<_>>(),
    );
    m.insert(0xfffcu64, 0x0bu64);
    Message::Response(Response {
        message_id: 4711,
        status: StatusCode::Success,
        payload: Some(Value::Map(m)),
    })
}

/// A coalesced EnergyControl delta after a grid limit.
fn notification() -> Message {
    let mut m = Map::new();
    m.insert(2u64, 2u64);
    m.insert(20u64, 3_700_000i64);
    m.insert(40u64, Value::Null);
    Message::Notification(Notification {
        subscription_id: 7,
        endpoint_id: 1,
        feature_id: 5,
        changes: m,
    })
}

fn bench(c: &mut Criterion) {
    for (name, msg) in [
        ("read_response", read_response()),
        ("notification", notification()),
    ] {
        let mut bytes = Vec::new();
        msg.encode(&mut bytes);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        let mut buf = Vec::with_capacity(256);
        group.bench_function("encode", |b| {
            b.iter(|| {
                buf.clear();
                black_box(&msg).encode(&mut buf);
                black_box(buf.len())
            })
        });
        group.bench_function("decode", |b| {
            b.iter(|| Message::decode(black_box(&bytes)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
