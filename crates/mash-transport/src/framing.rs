//! Length-prefixed frames over any async byte stream (INTEROP.md §2.1,
//! transport.md §4).
//!
//! A frame is a 4-byte big-endian payload length followed by that many
//! bytes; the payload is one CBOR item of 1..=8192 bytes. The reader asks
//! the stream for exactly the bytes the current frame still needs, so an
//! empty or oversize length prefix is refused before a single payload byte
//! is read or buffered. A stream that ends between frames is closed
//! cleanly; one that ends mid-frame is [`PeerError::TruncatedFrame`], which
//! callers treat as closed too.
//!
//! [`FramedStream::read_frame`] is cancel-safe: a partially received frame
//! stays buffered, so it can sit in a `tokio::select!` branch.

use mash_core::wire::{FrameReader, MAX_MESSAGE_SIZE, encode_frame};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Misuse, PeerError};
use crate::shutdown::KillSwitch;

/// Frames over a byte stream `S` (a TLS stream in production, an in-memory
/// duplex in tests).
#[derive(Debug)]
pub struct FramedStream<S> {
    io: S,
    read: ReadState,
    write_buf: Vec<u8>,
    kill: Option<KillSwitch>,
}

impl<S> FramedStream<S> {
    /// Wraps a connected stream.
    pub fn new(io: S) -> Self {
        Self {
            io,
            read: ReadState::new(),
            write_buf: Vec::new(),
            kill: None,
        }
    }

    /// Attaches the reaper's kill switch: once fired, reads and writes
    /// fail with [`Error::Aborted`].
    pub(crate) fn with_kill_switch(mut self, kill: KillSwitch) -> Self {
        self.kill = Some(kill);
        self
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// The underlying stream, mutably. Reading from it directly would
    /// desynchronise the framing.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.io
    }

    /// Splits into the stream and the bytes of a partially read frame.
    pub(crate) fn into_parts(self) -> (S, ReadState) {
        (self.io, self.read)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FramedStream<S> {
    /// Reads the next frame's payload. `Ok(None)` means the peer closed the
    /// stream at a frame boundary.
    ///
    /// Cancel-safe. Errors are final: after [`PeerError::Frame`] the stream
    /// cannot be resynchronised and must be closed (INTEROP.md §2.1).
    pub async fn read_frame(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let Self { io, read, kill, .. } = self;
        match kill {
            None => read.read_frame(io).await,
            Some(kill) => tokio::select! {
                biased;
                () = kill.fired() => Err(Error::Aborted),
                r = read.read_frame(io) => r,
            },
        }
    }

    /// Writes one frame and flushes it. Refuses empty and oversize payloads
    /// without writing anything ([`Misuse::Frame`]).
    ///
    /// Not cancel-safe: a cancelled write may leave half a frame on the
    /// wire, after which the stream must be closed.
    pub async fn write_frame(&mut self, payload: &[u8]) -> Result<(), Error> {
        let Self {
            io,
            write_buf,
            kill,
            ..
        } = self;
        match kill {
            None => write_frame(io, write_buf, payload).await,
            Some(kill) => tokio::select! {
                biased;
                () = kill.fired() => Err(Error::Aborted),
                r = write_frame(io, write_buf, payload) => r,
            },
        }
    }

    /// Shuts down the write side (for TLS: sends close_notify, then FIN).
    pub async fn shutdown(&mut self) -> Result<(), Error> {
        Ok(self.io.shutdown().await?)
    }
}

/// Encodes `payload` as one frame into `buf` and writes it out, flushed.
pub(crate) async fn write_frame<W: AsyncWrite + Unpin>(
    io: &mut W,
    buf: &mut Vec<u8>,
    payload: &[u8],
) -> Result<(), Error> {
    buf.clear();
    encode_frame(payload, buf).map_err(Misuse::Frame)?;
    io.write_all(buf).await?;
    io.flush().await?;
    Ok(())
}

/// Reassembly state of the reading side.
#[derive(Debug)]
pub(crate) struct ReadState {
    frames: FrameReader,
    /// Bytes of the current, incomplete frame already received.
    buffered: usize,
    scratch: Box<[u8]>,
}

impl ReadState {
    fn new() -> Self {
        Self {
            frames: FrameReader::new(),
            buffered: 0,
            scratch: vec![0; MAX_MESSAGE_SIZE].into_boxed_slice(),
        }
    }

    /// Reads until one frame is complete. Cancel-safe: bytes are moved into
    /// `frames` only once a read has completed.
    pub(crate) async fn read_frame<R: AsyncRead + Unpin>(
        &mut self,
        io: &mut R,
    ) -> Result<Option<Vec<u8>>, Error> {
        loop {
            if let Some(frame) = self.frames.next_frame().map_err(PeerError::Frame)? {
                self.buffered = 0;
                return Ok(Some(frame));
            }
            // Never more than the current frame still needs: the length
            // prefix is judged before any payload byte is read.
            let want = self.frames.needed().map_err(PeerError::Frame)?;
            let Some(buf) = self.scratch.get_mut(..want.min(MAX_MESSAGE_SIZE)) else {
                // `want` is capped to the scratch length, so this cannot happen.
                return Err(PeerError::TruncatedFrame.into());
            };
            let n = io.read(buf).await?;
            if n == 0 {
                return match self.buffered {
                    0 => Ok(None),
                    _ => Err(PeerError::TruncatedFrame.into()),
                };
            }
            self.frames.push(buf.get(..n).unwrap_or_default());
            self.buffered += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mash_core::wire::FrameError;
    use tokio::io::{AsyncWriteExt, duplex};

    use super::*;

    #[tokio::test]
    async fn round_trips_frames_of_every_legal_size_edge() {
        let (a, b) = duplex(64 * 1024);
        let (mut a, mut b) = (FramedStream::new(a), FramedStream::new(b));
        for len in [1, 2, 100, MAX_MESSAGE_SIZE - 1, MAX_MESSAGE_SIZE] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            a.write_frame(&payload).await.unwrap();
            assert_eq!(b.read_frame().await.unwrap(), Some(payload));
        }
        drop(a);
        assert_eq!(b.read_frame().await.unwrap(), None);
    }

    #[tokio::test]
    async fn refuses_to_send_empty_or_oversize() {
        let (a, _b) = duplex(64);
        let mut a = FramedStream::new(a);
        assert!(matches!(
            a.write_frame(&[]).await,
            Err(Error::Misuse(Misuse::Frame(FrameError::Empty)))
        ));
        assert!(matches!(
            a.write_frame(&[0; MAX_MESSAGE_SIZE + 1]).await,
            Err(Error::Misuse(Misuse::Frame(FrameError::TooLarge(8193))))
        ));
    }

    #[tokio::test]
    async fn oversize_prefix_is_refused_before_the_payload_is_read() {
        let (mut raw, b) = duplex(64);
        let mut b = FramedStream::new(b);
        raw.write_all(&8193u32.to_be_bytes()).await.unwrap();
        // No payload follows: the reader must fail on the prefix alone.
        let r = tokio::time::timeout(Duration::from_secs(5), b.read_frame())
            .await
            .unwrap();
        assert!(matches!(
            r,
            Err(Error::Peer(PeerError::Frame(FrameError::TooLarge(8193))))
        ));
    }

    #[tokio::test]
    async fn zero_length_is_refused() {
        let (mut raw, b) = duplex(64);
        let mut b = FramedStream::new(b);
        raw.write_all(&[0, 0, 0, 0]).await.unwrap();
        assert!(matches!(
            b.read_frame().await,
            Err(Error::Peer(PeerError::Frame(FrameError::Empty)))
        ));
    }

    #[tokio::test]
    async fn eof_mid_frame_is_truncation() {
        for partial in [&[0u8, 0][..], &[0, 0, 0, 3, 0xa1][..]] {
            let (mut raw, b) = duplex(64);
            let mut b = FramedStream::new(b);
            raw.write_all(partial).await.unwrap();
            drop(raw);
            assert!(matches!(
                b.read_frame().await,
                Err(Error::Peer(PeerError::TruncatedFrame))
            ));
        }
    }

    #[tokio::test]
    async fn read_is_cancel_safe() {
        let (mut raw, b) = duplex(64);
        let mut b = FramedStream::new(b);
        // Half a frame, then a cancelled read, then the rest.
        raw.write_all(&[0, 0, 0, 3, 0xa1]).await.unwrap();
        let cancelled = tokio::time::timeout(Duration::from_millis(20), b.read_frame()).await;
        assert!(cancelled.is_err());
        raw.write_all(&[0x01, 0x03]).await.unwrap();
        assert_eq!(b.read_frame().await.unwrap(), Some(vec![0xa1, 0x01, 0x03]));
    }

    #[tokio::test]
    async fn kill_switch_aborts_a_pending_read() {
        let (_raw, b) = duplex(64);
        let kill = KillSwitch::default();
        let mut b = FramedStream::new(b).with_kill_switch(kill.clone());
        let reader = tokio::spawn(async move { b.read_frame().await });
        tokio::task::yield_now().await;
        kill.fire();
        assert!(matches!(reader.await.unwrap(), Err(Error::Aborted)));
    }
}
