//! Delegated commissioning end to end (DEC-019): the app uploads the QR
//! code over HTTP, the backend hands it to the SMGW's job runner, the
//! SMGW commissions a simulated EV charger into its GRID zone (mash-sim),
//! and the app sees "commissioned" with the device ID the charger has in
//! that zone. Real sockets, real time; the MASH side is in memory.

use std::time::Duration;

use mash_backend::api::State;
use mash_backend::{AppClient, Backend, Config, SmgwClient};
use mash_controller::{JobEvent, JobRunner, Locate};
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_sim::House;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

const APP: &str = "app-token-0000000001";
const SMGW: &str = "smgw-token-00000001";

fn config() -> Config {
    Config::from_json(
        &json!({
            "sites": [{ "id": "site-42", "smgw": "smgw-1" }],
            "app_tokens": [{ "name": "app", "token": APP, "sites": ["site-42"] }],
            "smgw_tokens": [{ "name": "smgw-1", "token": SMGW, "smgw": "smgw-1" }]
        })
        .to_string(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_uploads_and_the_smgw_commissions_the_charger() {
    // The backend, on a loopback port.
    let backend = Backend::open(config(), "sqlite::memory:").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(backend.serve(listener, async {
        let _ = stopped.await;
    }));

    // The house: a charger and the grid operator's SMGW.
    let mut house = House::new().unwrap();
    let charger_config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 1234)
        .unwrap();
    let charger = house.add_device(charger_config).unwrap();
    let smgw = house
        .add_controller(house.controller_config("SMGW", ZoneType::Grid))
        .await
        .unwrap();

    // The SMGW's job runner.
    let source = SmgwClient::new(&url, "smgw-1", SMGW).unwrap();
    let mut runner = JobRunner::new(smgw.clone(), source, Locate::Address(charger.target()));
    let (events, mut seen) = mpsc::unbounded_channel();
    let running = tokio::spawn(async move {
        runner
            .run(move |e| {
                let _ = events.send(e);
            })
            .await;
    });

    // The user scans the label with the utility app.
    let app = AppClient::new(&url, APP).unwrap();
    let uploaded = app.upload("site-42", "MASH:1:1234:20202021").await.unwrap();
    assert!(uploaded.created);
    let id = uploaded.registration.id;
    let done = app.wait_final(id, Duration::from_secs(20)).await.unwrap();
    assert_eq!(done.state, State::Commissioned, "{done:?}");

    // The device ID the app sees is the charger's in the GRID zone.
    let zones = charger.handle.snapshot().zones;
    let grid = zones
        .iter()
        .find(|z| z.zone_type == ZoneType::Grid)
        .unwrap();
    assert_eq!(done.device_id.as_deref(), Some(grid.device_id.as_str()));
    assert_eq!(done.zone_id, Some(grid.zone_id.to_string()));
    let registered = smgw.devices();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].device_id.to_string(), grid.device_id);

    // What the runner said, in order (its report's answer may come in
    // just after the app saw the result).
    let mut said = Vec::new();
    while said.last() != Some(&format!("reported {id}")) {
        let e = tokio::time::timeout(Duration::from_secs(10), seen.recv())
            .await
            .unwrap()
            .unwrap();
        said.push(match e {
            JobEvent::Received { job } => format!("received {job}"),
            JobEvent::Commissioned { job, .. } => format!("commissioned {job}"),
            JobEvent::Reported { job } => format!("reported {job}"),
            other => format!("{other:?}"),
        });
    }
    assert_eq!(
        said,
        [
            format!("received {id}"),
            format!("commissioned {id}"),
            format!("reported {id}")
        ]
    );

    smgw.shutdown().await;
    running.await.unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
