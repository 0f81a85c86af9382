//! Connection pumps: thin tasks between one connection and the device
//! task. They own no protocol state.

use mash_core::ids::ZoneId;
use mash_transport::{CloseReason, Connection, FramedStream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tracing::debug;

use crate::core::ConnId;

/// What the device task tells a connection.
#[derive(Debug)]
pub(crate) enum ToConn {
    /// Send this payload.
    Frame(Vec<u8>),
    /// Close after what was queued.
    Close,
}

/// What a connection tells the device task.
#[derive(Debug)]
pub(crate) enum FromConn {
    /// A commissioning connection wants an ID.
    CommissioningOpened {
        reply: oneshot::Sender<ConnId>,
        tx: mpsc::UnboundedSender<ToConn>,
    },
    /// A zone connection wants an ID; `None` if no zone matches.
    OperationalOpened {
        zones: Vec<ZoneId>,
        reply: oneshot::Sender<Option<ConnId>>,
        tx: mpsc::UnboundedSender<ToConn>,
    },
    /// A frame arrived.
    Frame {
        conn: ConnId,
        commissioning: bool,
        payload: Vec<u8>,
    },
    /// The connection ended.
    Closed {
        conn: ConnId,
        commissioning: bool,
        reason: String,
    },
}

/// Runs a commissioning connection: frames in both directions until the
/// device closes it or the peer goes away.
pub(crate) async fn commissioning<S, G>(
    mut stream: FramedStream<S>,
    guard: G,
    device: mpsc::Sender<FromConn>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
    G: Send,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (reply, id) = oneshot::channel();
    if device
        .send(FromConn::CommissioningOpened { reply, tx })
        .await
        .is_err()
    {
        return;
    }
    let Ok(conn) = id.await else { return };
    let reason = loop {
        tokio::select! {
            read = stream.read_frame() => match read {
                Ok(Some(payload)) => {
                    if device.send(FromConn::Frame { conn, commissioning: true, payload }).await.is_err() {
                        break "device stopped".to_owned();
                    }
                }
                Ok(None) => break "peer closed".to_owned(),
                Err(e) => break e.to_string(),
            },
            out = rx.recv() => match out {
                Some(ToConn::Frame(f)) => {
                    if let Err(e) = stream.write_frame(&f).await {
                        break e.to_string();
                    }
                }
                Some(ToConn::Close) | None => {
                    let _ = stream.shutdown().await;
                    break "closed by device".to_owned();
                }
            },
        }
    };
    debug!(conn, %reason, "commissioning connection ended");
    drop(guard);
    let _ = device
        .send(FromConn::Closed {
            conn,
            commissioning: true,
            reason,
        })
        .await;
}

/// Runs a zone connection over the transport's connection driver (which
/// answers pings and runs keep-alive).
pub(crate) async fn operational(
    mut connection: Connection,
    zones: Vec<ZoneId>,
    device: mpsc::Sender<FromConn>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (reply, id) = oneshot::channel();
    if device
        .send(FromConn::OperationalOpened { zones, reply, tx })
        .await
        .is_err()
    {
        return;
    }
    let Ok(Some(conn)) = id.await else {
        let _ = connection.close().await;
        return;
    };
    let sender = connection.sender();
    let reason: CloseReason = loop {
        tokio::select! {
            frame = connection.recv() => match frame {
                Some(payload) => {
                    if device.send(FromConn::Frame { conn, commissioning: false, payload }).await.is_err() {
                        break sender.close().await;
                    }
                }
                None => {
                    // The peer closed or the stream ended. Answers to frames
                    // already handed over still go out before our Close
                    // (connection-state-machine.md §7.3): the device task
                    // queues them before it handles `Closed` and drops `tx`.
                    let reason = connection.close_reason().unwrap_or(CloseReason::Eof);
                    let _ = device
                        .send(FromConn::Closed {
                            conn,
                            commissioning: false,
                            reason: format!("{reason:?}"),
                        })
                        .await;
                    while let Some(ToConn::Frame(f)) = rx.recv().await {
                        if sender.send(f).await.is_err() {
                            break;
                        }
                    }
                    let reason = sender.close().await;
                    debug!(conn, ?reason, "zone connection ended");
                    return;
                }
            },
            out = rx.recv() => match out {
                Some(ToConn::Frame(f)) => {
                    if sender.send(f).await.is_err() {
                        break connection.closed().await;
                    }
                }
                Some(ToConn::Close) | None => break sender.close().await,
            },
        }
    };
    debug!(conn, ?reason, "zone connection ended");
    let _ = device
        .send(FromConn::Closed {
            conn,
            commissioning: false,
            reason: format!("{reason:?}"),
        })
        .await;
}
