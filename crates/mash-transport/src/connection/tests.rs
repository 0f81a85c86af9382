//! The driver over an in-memory duplex with simulated time: keep-alive
//! loss detection and close timing without real sleeps.

use std::time::Duration;

use tokio::io::{DuplexStream, duplex};
use tokio::time::Instant;

use super::*;

fn framed_pair() -> (FramedStream<DuplexStream>, FramedStream<DuplexStream>) {
    let (a, b) = duplex(64 * 1024);
    (FramedStream::new(a), FramedStream::new(b))
}

fn with(keep_alive: KeepAliveConfig) -> ConnectionConfig {
    ConnectionConfig {
        keep_alive,
        ..ConnectionConfig::default()
    }
}

#[tokio::test(start_paused = true)]
async fn keep_alive_detects_a_silent_peer_after_95_seconds() {
    let (ours, mut silent) = framed_pair();
    let start = Instant::now();
    let conn = Connection::new(ours, with(KeepAliveConfig::SPEC));
    // The peer answers the first ping, then goes silent right after: the
    // worst case of transport.md §6.4.
    let pings = tokio::spawn(async move {
        let first = silent.read_frame().await.unwrap().unwrap();
        assert_eq!(first, [0xa2, 0x01, 0x01, 0x02, 0x01]);
        silent
            .write_frame(&[0xa2, 0x01, 0x02, 0x02, 0x01])
            .await
            .unwrap();
        let mut n = 1;
        while let Ok(Some(_)) = silent.read_frame().await {
            n += 1;
        }
        n
    });
    assert_eq!(conn.closed().await, CloseReason::KeepAliveTimeout);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(95) && waited < Duration::from_secs(96),
        "{waited:?}"
    );
    // Pings at 0, 30, 60 and 90 s, then the stream is dropped.
    assert_eq!(pings.await.unwrap(), 4);
}

#[tokio::test(start_paused = true)]
async fn keep_alive_detects_a_peer_that_never_answers_after_65_seconds() {
    let (ours, mut silent) = framed_pair();
    let start = Instant::now();
    let conn = Connection::new(ours, with(KeepAliveConfig::SPEC));
    tokio::spawn(async move { while let Ok(Some(_)) = silent.read_frame().await {} });
    assert_eq!(conn.closed().await, CloseReason::KeepAliveTimeout);
    // Misses at 5, 35 and 65 s.
    assert_eq!(start.elapsed(), Duration::from_secs(65));
}

#[tokio::test(start_paused = true)]
async fn answering_peers_stay_connected() {
    let (a, b) = framed_pair();
    let a = Connection::new(a, with(KeepAliveConfig::SPEC));
    let b = Connection::new(b, with(KeepAliveConfig::SPEC));
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(a.close_reason(), None);
    assert_eq!(b.close_reason(), None);
}

#[tokio::test(start_paused = true)]
async fn lenient_keep_alive_tolerates_a_peer_that_never_answers() {
    let (ours, mut silent) = framed_pair();
    let lenient = KeepAliveConfig {
        lenient_until_first_pong: true,
        ..KeepAliveConfig::SPEC
    };
    let conn = Connection::new(ours, with(lenient));
    tokio::spawn(async move { while let Ok(Some(_)) = silent.read_frame().await {} });
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(conn.close_reason(), None);
}

#[tokio::test(start_paused = true)]
async fn local_close_gives_up_waiting_after_the_close_timeout() {
    let (ours, mut silent) = framed_pair();
    let conn = Connection::new(ours, with(KeepAliveConfig::disabled()));
    let frames = tokio::spawn(async move {
        let mut got = Vec::new();
        while let Ok(Some(f)) = silent.read_frame().await {
            got.push(f);
        }
        got
    });
    let start = Instant::now();
    assert_eq!(conn.close().await, CloseReason::LocalClosed);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    assert_eq!(frames.await.unwrap(), [vec![0xa1, 0x01, 0x03]]);
}

#[tokio::test]
async fn send_refuses_empty_and_oversize_frames() {
    let (ours, _peer) = framed_pair();
    let conn = Connection::new(ours, with(KeepAliveConfig::disabled()));
    assert!(matches!(
        conn.send(Vec::new()).await,
        Err(Error::Misuse(Misuse::Frame(FrameError::Empty)))
    ));
    assert!(matches!(
        conn.send(vec![0; MAX_MESSAGE_SIZE + 1]).await,
        Err(Error::Misuse(Misuse::Frame(FrameError::TooLarge(8193))))
    ));
    conn.send(vec![0xa0; MAX_MESSAGE_SIZE]).await.unwrap();
}

#[tokio::test]
async fn eof_mid_frame_is_a_loss() {
    let (ours, mut peer) = framed_pair();
    let conn = Connection::new(ours, with(KeepAliveConfig::disabled()));
    tokio::io::AsyncWriteExt::write_all(peer.get_mut(), &[0, 0, 0, 9, 0xa1])
        .await
        .unwrap();
    drop(peer);
    let reason = conn.closed().await;
    assert_eq!(reason, CloseReason::Eof);
    assert!(reason.is_loss());
}

/// transport.md §10.2 / INTEROP.md §8 step 7: what was queued before a
/// local close (e.g. the RemoveZone response) goes out before our Close.
#[tokio::test]
async fn local_close_sends_queued_frames_first() {
    // A tiny pipe, so the writer is still busy when the close comes.
    let (a, b) = duplex(64);
    let conn = Connection::new(FramedStream::new(a), with(KeepAliveConfig::disabled()));
    let mut peer = FramedStream::new(b);
    for i in 0..20u8 {
        conn.send(vec![0xa1, 0x02, i]).await.unwrap();
    }
    let closing = tokio::spawn(async move { conn.close().await });
    let mut got = Vec::new();
    while let Ok(Some(f)) = peer.read_frame().await {
        let close = f == [0xa1, 0x01, 0x03];
        got.push(f);
        if close {
            let _ = peer.write_frame(&[0xa1, 0x01, 0x03]).await;
        }
    }
    assert_eq!(closing.await.unwrap(), CloseReason::LocalClosed);
    let mut want: Vec<Vec<u8>> = (0..20u8).map(|i| vec![0xa1, 0x02, i]).collect();
    want.push(vec![0xa1, 0x01, 0x03]);
    assert_eq!(got, want);
}

/// connection-state-machine.md §7.3 (TC-CLOSE-2): a request the peer sent
/// just before its Close is still answered, then the Close is answered.
#[tokio::test]
async fn a_request_before_the_peers_close_is_answered_first() {
    let (ours, mut peer) = framed_pair();
    let config = ConnectionConfig {
        answer_close_after_app: true,
        ..with(KeepAliveConfig::disabled())
    };
    let mut conn = Connection::new(ours, config);
    peer.write_frame(&[0xa1, 0x02, 0x07]).await.unwrap();
    peer.write_frame(&[0xa1, 0x01, 0x03]).await.unwrap();
    assert_eq!(conn.recv().await, Some(vec![0xa1, 0x02, 0x07]));
    assert_eq!(conn.recv().await, None);
    conn.send(vec![0xa1, 0x02, 0x08]).await.unwrap();
    let closing = tokio::spawn(async move { conn.close().await });
    let mut got = Vec::new();
    while let Ok(Some(f)) = peer.read_frame().await {
        got.push(f);
    }
    assert_eq!(got, [vec![0xa1, 0x02, 0x08], vec![0xa1, 0x01, 0x03]]);
    assert_eq!(closing.await.unwrap(), CloseReason::PeerClosed);
}

/// An application that never answers does not hold the peer's Close up
/// for longer than the close timeout.
#[tokio::test(start_paused = true)]
async fn a_peers_close_is_answered_within_the_close_timeout() {
    let (ours, mut peer) = framed_pair();
    let config = ConnectionConfig {
        answer_close_after_app: true,
        ..with(KeepAliveConfig::disabled())
    };
    let conn = Connection::new(ours, config);
    let start = Instant::now();
    peer.write_frame(&[0xa1, 0x01, 0x03]).await.unwrap();
    assert_eq!(
        peer.read_frame().await.unwrap(),
        Some(vec![0xa1, 0x01, 0x03])
    );
    assert!(start.elapsed() <= Duration::from_secs(5));
    assert_eq!(conn.closed().await, CloseReason::PeerClosed);
}
