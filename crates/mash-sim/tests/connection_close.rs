//! Closing an operational connection on the simulated network, seen from
//! a raw controller stream: what the device still owes goes out before
//! its Close (connection-state-machine.md §7.3, INTEROP.md §8 step 7).

use mash_core::commissioning::SetupCode;
use mash_core::wire::{Message, Operation, Request, StatusCode};
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_sim::House;
use mash_transport::{ConnectionConfig, KeepAliveConfig};

const CLOSE: &[u8] = &[0xa1, 0x01, 0x03];

fn read_device_info(message_id: u32) -> Vec<u8> {
    let mut frame = Vec::new();
    Request {
        message_id,
        operation: Operation::Read,
        endpoint_id: 0,
        feature_id: 0x01,
        payload: None,
    }
    .encode(&mut frame);
    frame
}

#[tokio::test(start_paused = true)]
async fn a_request_sent_just_before_close_is_answered_before_the_close() {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 7)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    ems.commission(&charger.target(), SetupCode::new(20202021).unwrap())
        .await
        .unwrap();
    let zone_ca = ems.zone_ca_der();
    ems.shutdown().await;

    let quiet = ConnectionConfig {
        keep_alive: KeepAliveConfig::disabled(),
        answer_close_after_app: true,
        ..ConnectionConfig::default()
    };
    let mut raw = house
        .net
        .dial_operational(charger.addr, &zone_ca, quiet, None)
        .unwrap();
    raw.write_frame(&read_device_info(9)).await.unwrap();
    raw.write_frame(CLOSE).await.unwrap();
    let mut frames = Vec::new();
    while let Ok(Some(f)) = raw.read_frame().await {
        frames.push(f);
    }
    assert_eq!(frames.len(), 2, "{frames:x?}");
    match Message::decode(&frames[0]).unwrap() {
        Message::Response(r) => {
            assert_eq!(r.message_id, 9);
            assert_eq!(r.status, StatusCode::Success);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(frames[1], CLOSE);
}
