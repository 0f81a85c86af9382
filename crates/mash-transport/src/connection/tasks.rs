//! The three tasks behind a [`Connection`](super::Connection): reader,
//! writer and supervisor. Each loops over one job; the supervisor alone
//! decides how the connection ends.

use std::future::pending;
use std::sync::Arc;
use std::time::Duration;

use mash_core::time::Instant;
use mash_core::wire::{Control, ControlType, Message, MessageKind, classify};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::{debug, trace};

use super::{CloseReason, ConnectionConfig, ConnectionSender, Outbound, Status};
use crate::error::Error;
use crate::framing::{FramedStream, ReadState, write_frame};
use crate::keepalive::KeepAlive;
use crate::shutdown::ShutdownSignal;

/// Control frames waiting for the writer. Bounded: a peer flooding pings
/// while not reading our pongs stalls its own reader, not our memory.
const CONTROL_QUEUE: usize = 16;

/// What the reader and writer tell the supervisor.
#[derive(Debug)]
enum Event {
    Pong(u32),
    /// Any frame arrived: the peer is alive.
    Activity,
    PeerClose,
    ReaderEnded(CloseReason),
    WriterFailed(CloseReason),
    AppGone,
}

/// What the writer is told besides application frames.
enum WriterCtl {
    Frame(Control),
    /// Flush and shut the stream down (close_notify, FIN), then exit.
    Shutdown,
}

/// The end state's single writer: the first reason set wins.
struct Shared {
    status: watch::Sender<Status>,
}

impl Shared {
    fn set_reason(&self, reason: CloseReason) {
        self.status.send_if_modified(|s| {
            let first = s.reason.is_none();
            if first {
                s.reason = Some(reason);
            }
            first
        });
    }

    fn finish(&self) {
        self.status.send_modify(|s| s.finished = true);
    }
}

pub(super) fn spawn<S>(
    stream: FramedStream<S>,
    config: ConnectionConfig,
) -> (ConnectionSender, mpsc::Receiver<Vec<u8>>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (io, read_state) = stream.into_parts();
    let (rd, wr) = tokio::io::split(io);
    let (status_tx, status_rx) = watch::channel(Status::default());
    let shared = Arc::new(Shared { status: status_tx });
    let (in_tx, in_rx) = mpsc::channel(config.inbound_capacity.max(1));
    let (out_tx, out_rx) = mpsc::channel(config.outbound_capacity.max(1));
    let (ctl_tx, ctl_rx) = mpsc::channel(CONTROL_QUEUE);
    let (ev_tx, ev_rx) = mpsc::channel(CONTROL_QUEUE);
    let (close_tx, close_rx) = mpsc::channel(1);

    let reader = tokio::spawn(read_loop(
        rd,
        read_state,
        in_tx,
        ctl_tx.clone(),
        ev_tx.clone(),
        shared.clone(),
    ));
    let writer = tokio::spawn(write_loop(wr, ctl_rx, out_rx, ev_tx));
    tokio::spawn(supervise(Supervisor {
        config,
        shared,
        ev_rx,
        close_rx,
        ctl_tx,
        reader,
        writer: Some(writer),
    }));

    (
        ConnectionSender {
            out: out_tx,
            close: close_tx,
            status: status_rx,
        },
        in_rx,
    )
}

/// `Some` if the frame is a control message (classified as the reference
/// does, INTEROP.md §2.3).
fn as_control(frame: &[u8]) -> Option<Control> {
    match classify(frame) {
        Ok(MessageKind::Control) => match Message::decode(frame) {
            Ok(Message::Control(c)) => Some(c),
            // Control-shaped but undecodable: nothing to answer.
            _ => Some(Control {
                kind: ControlType::from_value(0),
                sequence: 0,
            }),
        },
        _ => None,
    }
}

async fn read_loop<S: AsyncRead>(
    mut rd: ReadHalf<S>,
    mut state: ReadState,
    app: mpsc::Sender<Vec<u8>>,
    ctl: mpsc::Sender<WriterCtl>,
    events: mpsc::Sender<Event>,
    shared: Arc<Shared>,
) {
    let end = loop {
        let frame = match state.read_frame(&mut rd).await {
            Ok(Some(frame)) => frame,
            Ok(None) => break CloseReason::Eof,
            Err(e) => break CloseReason::from_error(e),
        };
        // Dropped when the supervisor is busy: one activity notice is as
        // good as many.
        let _ = events.try_send(Event::Activity);
        let Some(control) = as_control(&frame) else {
            // An application that stopped listening still gets its
            // pings answered until it closes.
            let _ = app.send(frame).await;
            continue;
        };
        match control.kind {
            ControlType::Ping => {
                trace!(seq = control.sequence, "ping received");
                if ctl
                    .send(WriterCtl::Frame(Control::pong(control.sequence)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            ControlType::Pong => {
                let _ = events.send(Event::Pong(control.sequence)).await;
            }
            ControlType::Close => {
                // Set before `app` is dropped, so `recv() == None` already
                // sees the reason.
                shared.set_reason(CloseReason::PeerClosed);
                let _ = events.send(Event::PeerClose).await;
                return;
            }
            other => debug!(kind = ?other, "ignoring unknown control message"),
        }
    };
    shared.set_reason(end.clone());
    let _ = events.send(Event::ReaderEnded(end)).await;
}

async fn write_loop<S: AsyncWrite>(
    mut wr: WriteHalf<S>,
    mut ctl: mpsc::Receiver<WriterCtl>,
    mut out: mpsc::Receiver<Outbound>,
    events: mpsc::Sender<Event>,
) {
    let mut buf = Vec::new();
    let mut payload = Vec::new();
    let mut app_open = true;
    let result: Result<(), Error> = async {
        loop {
            tokio::select! {
                biased;
                cmd = ctl.recv() => match cmd {
                    Some(WriterCtl::Frame(c)) => {
                        if c.kind == ControlType::Close && app_open {
                            // Frames queued before the close (a RemoveZone
                            // response, INTEROP.md §8 step 7; pending
                            // responses, transport.md §10.2) go out first;
                            // nothing of ours follows our Close.
                            app_open = false;
                            while let Ok(Outbound { payload, flushed }) = out.try_recv() {
                                write_frame(&mut wr, &mut buf, &payload).await?;
                                if let Some(f) = flushed {
                                    let _ = f.send(());
                                }
                            }
                        }
                        payload.clear();
                        c.encode(&mut payload);
                        write_frame(&mut wr, &mut buf, &payload).await?;
                    }
                    Some(WriterCtl::Shutdown) | None => {
                        wr.shutdown().await?;
                        return Ok(());
                    }
                },
                frame = out.recv(), if app_open => match frame {
                    Some(Outbound { payload, flushed }) => {
                        write_frame(&mut wr, &mut buf, &payload).await?;
                        if let Some(f) = flushed {
                            let _ = f.send(());
                        }
                    }
                    None => {
                        app_open = false;
                        let _ = events.send(Event::AppGone).await;
                    }
                },
            }
        }
    }
    .await;
    if let Err(e) = result {
        let _ = events
            .send(Event::WriterFailed(CloseReason::from_error(e)))
            .await;
    }
}

/// How the supervisor's loop ended.
enum Ending {
    /// We close: send Close, wait for the peer, shut down.
    Graceful(CloseReason),
    /// The peer sent Close: answer it and shut down.
    AnswerClose,
    /// The reader ended (EOF, bad frame, error): shut our side down.
    ReaderEnded(CloseReason),
    /// Drop the socket at once (keep-alive timeout, write failure).
    Abort(CloseReason),
}

struct Supervisor {
    config: ConnectionConfig,
    shared: Arc<Shared>,
    ev_rx: mpsc::Receiver<Event>,
    close_rx: mpsc::Receiver<()>,
    ctl_tx: mpsc::Sender<WriterCtl>,
    reader: JoinHandle<()>,
    /// `None` once awaited (a JoinHandle must not be polled after it completed).
    writer: Option<JoinHandle<()>>,
}

async fn supervise(mut s: Supervisor) {
    let ending = run(&mut s).await;
    let close_timeout = s.config.close_timeout;
    match ending {
        Ending::Graceful(reason) => {
            s.shared.set_reason(reason);
            if s.ctl_tx
                .send(WriterCtl::Frame(Control::close()))
                .await
                .is_ok()
            {
                // Wait for the peer's Close or EOF (transport.md §10.2).
                let _ = tokio::time::timeout(close_timeout, async {
                    while let Some(ev) = s.ev_rx.recv().await {
                        if matches!(
                            ev,
                            Event::PeerClose | Event::ReaderEnded(_) | Event::WriterFailed(_)
                        ) {
                            break;
                        }
                    }
                })
                .await;
            }
            shut_down(&mut s, close_timeout).await;
        }
        Ending::AnswerClose => {
            // connection-state-machine.md §7.3: the application first
            // answers what it received before the Close; it says it is done
            // by closing or dropping its handles. The reference device
            // serves frames in order, so it does the same.
            let wait = if s.config.answer_close_after_app {
                close_timeout
            } else {
                Duration::ZERO
            };
            let _ = tokio::time::timeout(wait, async {
                loop {
                    tokio::select! {
                        _ = s.close_rx.recv() => break,
                        ev = s.ev_rx.recv() => match ev {
                            Some(Event::AppGone | Event::WriterFailed(_)) | None => break,
                            Some(_) => {}
                        },
                    }
                }
            })
            .await;
            let _ = s.ctl_tx.send(WriterCtl::Frame(Control::close())).await;
            shut_down(&mut s, close_timeout).await;
        }
        Ending::ReaderEnded(reason) => {
            s.shared.set_reason(reason);
            shut_down(&mut s, close_timeout).await;
        }
        Ending::Abort(reason) => s.shared.set_reason(reason),
    }
    if let Some(reason) = s.shared.status.borrow().reason.as_ref() {
        debug!(%reason, "connection ended");
    }
    s.reader.abort();
    // Both halves must be gone before we report the socket closed.
    let _ = (&mut s.reader).await;
    if let Some(writer) = s.writer.take() {
        writer.abort();
        let _ = writer.await;
    }
    s.shared.finish();
}

/// Asks the writer to shut the stream down and waits for it, bounded.
async fn shut_down(s: &mut Supervisor, limit: Duration) {
    if s.ctl_tx.send(WriterCtl::Shutdown).await.is_ok() {
        if let Some(mut writer) = s.writer.take() {
            if tokio::time::timeout(limit, &mut writer).await.is_err() {
                s.writer = Some(writer);
            }
        }
    }
}

/// The supervisor's main loop: keep-alive and the events that end it.
async fn run(s: &mut Supervisor) -> Ending {
    let origin = tokio::time::Instant::now();
    let now =
        || Instant::from_millis(u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX));
    let mut keep_alive = KeepAlive::new(s.config.keep_alive, now());
    let mut shutdown = s.config.shutdown.clone();
    let mut close_open = true;
    loop {
        while let Some(ping) = keep_alive.poll_transmit() {
            trace!(seq = ping.sequence, "sending ping");
            // Never wait on a stuck writer: an unsent ping is a missed pong.
            let _ = s.ctl_tx.try_send(WriterCtl::Frame(ping));
        }
        if keep_alive.is_timed_out() {
            return Ending::Abort(CloseReason::KeepAliveTimeout);
        }
        let deadline = keep_alive
            .poll_timeout()
            .map(|t| origin + Duration::from_millis(t.as_millis()));
        tokio::select! {
            biased;
            ev = s.ev_rx.recv() => match ev {
                Some(Event::Pong(seq)) => {
                    keep_alive.handle_pong(seq);
                }
                Some(Event::Activity) => keep_alive.handle_activity(now()),
                Some(Event::PeerClose) => return Ending::AnswerClose,
                Some(Event::ReaderEnded(r)) => return Ending::ReaderEnded(r),
                Some(Event::WriterFailed(r)) => return Ending::Abort(r),
                Some(Event::AppGone) => return Ending::Graceful(CloseReason::LocalClosed),
                // Reader and writer both gone without a word: aborted.
                None => return Ending::Abort(CloseReason::Eof),
            },
            cmd = s.close_rx.recv(), if close_open => match cmd {
                Some(()) => return Ending::Graceful(CloseReason::LocalClosed),
                None => close_open = false,
            },
            () = recv_shutdown(&mut shutdown) => return Ending::Graceful(CloseReason::Shutdown),
            () = sleep_until(deadline) => keep_alive.handle_timeout(now()),
        }
    }
}

async fn recv_shutdown(signal: &mut Option<ShutdownSignal>) {
    match signal {
        Some(s) => s.recv().await,
        None => pending().await,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => pending().await,
    }
}
