//! The device listener's transport cap (DEC-062), stale-connection reaper
//! (DEC-064) and graceful shutdown, over real loopback sockets.

mod common;

use std::time::Duration;

use common::{DEVICE_A, Device, ZONE_A, zone_ca};
use mash_transport::{
    CloseReason, CommissioningClientConfig, ConnectionConfig, DialOptions, Error, Incoming,
    KeepAliveConfig, ListenerConfig, ListenerHandle, Target, dial_commissioning, dial_operational,
};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

fn loopback(config: ListenerConfig) -> ListenerConfig {
    ListenerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..config
    }
}

/// Waits (real time, bounded) until the listener counts `n` pre-operational
/// connections.
async fn wait_count(handle: &ListenerHandle, n: usize) {
    for _ in 0..500 {
        if handle.pre_operational() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "pre-operational count stuck at {}, wanted {n}",
        handle.pre_operational()
    );
}

/// Whether the device closed this raw TCP connection (EOF or reset).
async fn closed_by_device(tcp: &mut TcpStream, within: Duration) -> bool {
    let mut b = [0u8; 64];
    match tokio::time::timeout(within, tcp.read(&mut b)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        Ok(Ok(_)) | Err(_) => false,
    }
}

#[tokio::test]
async fn fourth_pre_operational_connection_is_closed_before_tls() {
    // max_zones = 2 → cap 3 (TC-CONN-CAP-001).
    let mut device = Device::start(loopback(ListenerConfig {
        max_zones: 2,
        ..Default::default()
    }))
    .await;
    let handle = device.listener.handle();
    let ca = zone_ca("LOCAL", ZONE_A);
    device.set_zones(&[(&ca, DEVICE_A)]);

    // One operational controller (not yet marked operational) and two idle
    // TCP connections fill the cap.
    let ctrl = ca.client_config(&ca.controller());
    let _client = dial_operational(
        &Target::from(device.addr),
        &ctrl,
        DEVICE_A,
        &DialOptions::default(),
    )
    .await
    .unwrap();
    let Incoming::Operational(op) = device.accept().await else {
        panic!()
    };
    let idle1 = TcpStream::connect(device.addr).await.unwrap();
    let mut idle2 = TcpStream::connect(device.addr).await.unwrap();
    wait_count(&handle, 3).await;

    let mut fourth = TcpStream::connect(device.addr).await.unwrap();
    assert!(closed_by_device(&mut fourth, Duration::from_secs(5)).await);
    assert_eq!(handle.pre_operational(), 3);

    // Marking the operational one frees its place.
    let conn = op.start(ConnectionConfig {
        keep_alive: KeepAliveConfig::disabled(),
        ..Default::default()
    });
    wait_count(&handle, 2).await;
    let mut fifth = TcpStream::connect(device.addr).await.unwrap();
    wait_count(&handle, 3).await;
    assert!(!closed_by_device(&mut fifth, Duration::from_millis(100)).await);

    // Closing an idle one frees a place too (TC-CONN-CAP-004).
    drop(idle1);
    wait_count(&handle, 2).await;
    assert!(!closed_by_device(&mut idle2, Duration::from_millis(10)).await);
    assert!(!conn.sender().is_closed());
}

#[tokio::test]
async fn tls_failure_frees_the_place() {
    let mut device = Device::start(loopback(ListenerConfig {
        max_zones: 0,
        ..Default::default()
    }))
    .await;
    let handle = device.listener.handle();
    // Cap 1; a commissioning attempt while the window is closed fails.
    let client = CommissioningClientConfig::new().unwrap();
    let target = Target::from(device.addr);
    assert!(
        dial_commissioning(&target, &client, &DialOptions::default())
            .await
            .is_err()
    );
    wait_count(&handle, 0).await;
    device.open_commissioning(1);
    dial_commissioning(&target, &client, &DialOptions::default())
        .await
        .unwrap();
    assert!(matches!(device.accept().await, Incoming::Commissioning(_)));
}

#[tokio::test(start_paused = true)]
async fn reaper_closes_a_stale_idle_connection_after_90_seconds() {
    // Only the reaper's timers run: with the clock paused, tokio jumps from
    // tick to tick while the idle socket waits. The handshake timeout is
    // pushed out of the way so it cannot fire first.
    let device = Device::start(loopback(ListenerConfig {
        handshake_timeout: Duration::from_secs(3600),
        ..Default::default()
    }))
    .await;
    let start = tokio::time::Instant::now();
    let mut idle = TcpStream::connect(device.addr).await.unwrap();
    let mut b = [0u8; 1];
    let n = idle.read(&mut b).await;
    assert!(matches!(n, Ok(0) | Err(_)));
    let waited = start.elapsed();
    assert!(waited >= Duration::from_secs(90), "reaped after {waited:?}");
    assert!(waited < Duration::from_secs(200), "reaped after {waited:?}");
}

#[tokio::test]
async fn reaper_aborts_a_stalled_commissioning_connection_but_not_operational_ones() {
    let mut device = Device::start(loopback(ListenerConfig {
        stale_timeout: Duration::from_millis(500),
        reaper_interval: Duration::from_millis(20),
        ..Default::default()
    }))
    .await;
    let handle = device.listener.handle();
    device.open_commissioning(42);
    let ca = zone_ca("LOCAL", ZONE_A);
    device.set_zones(&[(&ca, DEVICE_A)]);

    let target = Target::from(device.addr);
    let mut client = dial_commissioning(
        &target,
        &CommissioningClientConfig::new().unwrap(),
        &DialOptions::default(),
    )
    .await
    .unwrap();
    let Incoming::Commissioning(mut comm) = device.accept().await else {
        panic!()
    };

    let ctrl = ca.client_config(&ca.controller());
    let _op_client = dial_operational(&target, &ctrl, DEVICE_A, &DialOptions::default())
        .await
        .unwrap();
    let Incoming::Operational(op) = device.accept().await else {
        panic!()
    };
    let conn = op.start(ConnectionConfig {
        keep_alive: KeepAliveConfig::disabled(),
        ..Default::default()
    });

    // The commissioning service is waiting for a PASE message that never comes.
    let r = tokio::time::timeout(Duration::from_secs(5), comm.stream.read_frame())
        .await
        .unwrap();
    assert!(matches!(r, Err(Error::Aborted)), "{r:?}");
    assert!(comm.guard.is_aborted());
    drop(comm);
    let r = tokio::time::timeout(Duration::from_secs(5), client.stream.read_frame())
        .await
        .unwrap();
    assert!(!matches!(r, Ok(Some(_))));
    wait_count(&handle, 0).await;

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!conn.sender().is_closed());
}

#[tokio::test]
async fn shutdown_closes_connections_gracefully_and_drains() {
    let mut device = Device::loopback().await;
    let ca = zone_ca("LOCAL", ZONE_A);
    device.set_zones(&[(&ca, DEVICE_A)]);
    let ctrl = ca.client_config(&ca.controller());
    let target = Target::from(device.addr);
    let client = dial_operational(&target, &ctrl, DEVICE_A, &DialOptions::default())
        .await
        .unwrap();
    let Incoming::Operational(op) = device.accept().await else {
        panic!()
    };
    let quiet = ConnectionConfig {
        keep_alive: KeepAliveConfig::disabled(),
        ..Default::default()
    };
    let device_conn = op.start(quiet.clone());
    let client_conn = client.start(quiet);
    let idle = TcpStream::connect(device.addr).await.unwrap();

    let handle = device.listener.handle();
    let drained = tokio::spawn(device.listener.drain());
    // The controller sees Close and answers it; the device's drain ends.
    assert_eq!(client_conn.closed().await, CloseReason::PeerClosed);
    assert_eq!(device_conn.closed().await, CloseReason::Shutdown);
    tokio::time::timeout(Duration::from_secs(5), drained)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(handle.pre_operational(), 0);
    drop(idle);
    assert!(TcpStream::connect(device.addr).await.is_err());
}

#[tokio::test]
async fn silent_client_is_dropped_at_the_handshake_timeout() {
    let device = Device::start(loopback(ListenerConfig {
        handshake_timeout: Duration::from_millis(200),
        ..Default::default()
    }))
    .await;
    let handle = device.listener.handle();
    let started = tokio::time::Instant::now();
    let mut idle = TcpStream::connect(device.addr).await.unwrap();
    assert!(closed_by_device(&mut idle, Duration::from_secs(5)).await);
    assert!(started.elapsed() >= Duration::from_millis(200));
    wait_count(&handle, 0).await;
}
