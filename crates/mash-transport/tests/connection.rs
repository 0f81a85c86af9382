//! The operational connection driver over real loopback TLS: ping/pong,
//! close, invalid frames, keep-alive (INTEROP.md §2.1-§2.2).

mod common;

use std::time::Duration;

use common::{DEVICE_A, Device, ZONE_A, zone_ca};
use mash_core::wire::{Control, FrameError};
use mash_transport::listener::ServerStream;
use mash_transport::{
    ClientConn, CloseReason, Connection, ConnectionConfig, DialOptions, FramedStream, Incoming,
    KeepAliveConfig, OperationalConn, Target, dial_operational,
};
use tokio::io::AsyncWriteExt;

const PING_7: &[u8] = &[0xa2, 0x01, 0x01, 0x02, 0x07];
const PONG_7: &[u8] = &[0xa2, 0x01, 0x02, 0x02, 0x07];
const CLOSE: &[u8] = &[0xa1, 0x01, 0x03];
/// A Read request (messageId 5, endpoint 0, feature 1): not a control frame.
const REQUEST: &[u8] = &[0xa4, 0x01, 0x05, 0x02, 0x01, 0x03, 0x00, 0x04, 0x01];

fn quiet() -> ConnectionConfig {
    ConnectionConfig {
        keep_alive: KeepAliveConfig::disabled(),
        ..Default::default()
    }
}

/// A device-side operational connection and the controller's raw stream.
async fn pair() -> (Device, OperationalConn, ClientConn) {
    let mut device = Device::loopback().await;
    let ca = zone_ca("LOCAL", ZONE_A);
    device.set_zones(&[(&ca, DEVICE_A)]);
    let ctrl = ca.client_config(&ca.controller());
    let client = dial_operational(
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
    (device, op, client)
}

async fn read(
    stream: &mut FramedStream<impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>,
) -> Option<Vec<u8>> {
    tokio::time::timeout(Duration::from_secs(5), stream.read_frame())
        .await
        .unwrap()
        .ok()
        .flatten()
}

#[tokio::test]
async fn answers_ping_with_pong_and_passes_other_frames_through() {
    let (_device, op, mut client) = pair().await;
    let mut conn = op.start(quiet());

    client.stream.write_frame(PING_7).await.unwrap();
    assert_eq!(read(&mut client.stream).await.as_deref(), Some(PONG_7));

    // A stray pong is swallowed; the request after it arrives.
    client.stream.write_frame(PONG_7).await.unwrap();
    client.stream.write_frame(REQUEST).await.unwrap();
    assert_eq!(conn.recv().await.as_deref(), Some(REQUEST));

    conn.send(b"\xa3\x01\x05\x02\x00\x03\xa0".to_vec())
        .await
        .unwrap();
    assert_eq!(
        read(&mut client.stream).await.as_deref(),
        Some(&b"\xa3\x01\x05\x02\x00\x03\xa0"[..])
    );
    conn.sender().send_flushed(REQUEST.to_vec()).await.unwrap();
    assert_eq!(read(&mut client.stream).await.as_deref(), Some(REQUEST));
}

#[tokio::test]
async fn peer_close_is_answered_then_the_connection_ends() {
    let (_device, op, mut client) = pair().await;
    let mut conn = op.start(quiet());
    client.stream.write_frame(CLOSE).await.unwrap();
    assert_eq!(read(&mut client.stream).await.as_deref(), Some(CLOSE));
    assert_eq!(read(&mut client.stream).await, None);
    assert_eq!(conn.recv().await, None);
    assert_eq!(conn.close_reason(), Some(CloseReason::PeerClosed));
    assert_eq!(conn.closed().await, CloseReason::PeerClosed);
    assert!(matches!(
        conn.send(REQUEST.to_vec()).await,
        Err(mash_transport::Error::Closed(CloseReason::PeerClosed))
    ));
}

#[tokio::test]
async fn local_close_sends_close_and_waits_for_the_answer() {
    let (_device, op, client) = pair().await;
    let device_conn = op.start(quiet());
    let client_conn = client.start(quiet());
    let started = tokio::time::Instant::now();
    assert_eq!(device_conn.close().await, CloseReason::LocalClosed);
    // Answered at once, not after the 5 s close timeout.
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(client_conn.closed().await, CloseReason::PeerClosed);
}

#[tokio::test]
async fn dropping_every_handle_closes_gracefully() {
    let (_device, op, client) = pair().await;
    let device_conn = op.start(quiet());
    let client_conn = client.start(quiet());
    drop(device_conn);
    assert_eq!(client_conn.closed().await, CloseReason::PeerClosed);
}

async fn send_raw_prefix(prefix: [u8; 4]) -> CloseReason {
    let (_device, op, mut client) = pair().await;
    let conn = op.start(quiet());
    let tls: &mut tokio_rustls::client::TlsStream<_> = client.stream.get_mut();
    tls.write_all(&prefix).await.unwrap();
    tls.write_all(&[0xa0; 16]).await.unwrap();
    tls.flush().await.unwrap();
    let reason = tokio::time::timeout(Duration::from_secs(5), conn.closed())
        .await
        .unwrap();
    // The device closes without an error response (INTEROP.md §2.1).
    assert_eq!(read(&mut client.stream).await, None);
    reason
}

#[tokio::test]
async fn oversize_frame_ends_the_connection() {
    let reason = send_raw_prefix(8193u32.to_be_bytes()).await;
    assert_eq!(reason, CloseReason::Frame(FrameError::TooLarge(8193)));
}

#[tokio::test]
async fn zero_length_frame_ends_the_connection() {
    let reason = send_raw_prefix([0; 4]).await;
    assert_eq!(reason, CloseReason::Frame(FrameError::Empty));
}

#[tokio::test]
async fn peer_vanishing_is_reported_as_eof() {
    let (_device, op, client) = pair().await;
    let conn = op.start(quiet());
    drop(client);
    let reason = tokio::time::timeout(Duration::from_secs(5), conn.closed())
        .await
        .unwrap();
    assert!(reason.is_loss());
    assert!(
        matches!(reason, CloseReason::Eof | CloseReason::Io { .. }),
        "{reason:?}"
    );
}

#[tokio::test]
async fn keep_alive_pings_promptly_and_both_sides_stay_up() {
    let (_device, op, mut client) = pair().await;
    let fast = KeepAliveConfig {
        interval: Duration::from_millis(200),
        pong_timeout: Duration::from_millis(190),
        ..KeepAliveConfig::SPEC
    };
    let device_conn: Connection = op.start(ConnectionConfig {
        keep_alive: fast,
        ..Default::default()
    });
    // The first ping goes out at once with sequence 1, then 2, ...
    for seq in 1..=2 {
        let mut ping = Vec::new();
        Control::ping(seq).encode(&mut ping);
        assert_eq!(read(&mut client.stream).await, Some(ping));
        let mut pong = Vec::new();
        Control::pong(seq).encode(&mut pong);
        client.stream.write_frame(&pong).await.unwrap();
    }
    // Hand the stream to a driver that answers, and pings too.
    let client_conn = client.start(ConnectionConfig {
        keep_alive: fast,
        ..Default::default()
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(device_conn.close_reason(), None);
    assert_eq!(client_conn.close_reason(), None);
}

// Keep the alias used in docs honest: the device stream type is public.
#[allow(dead_code)]
fn _device_stream_type(s: FramedStream<ServerStream>) -> Connection {
    Connection::new(s, quiet())
}
