//! Length-prefixed framing (INTEROP.md §2.1), sans-I/O.

use alloc::vec::Vec;
use core::fmt;

/// Largest payload a frame may carry (DEC-069).
pub const MAX_MESSAGE_SIZE: usize = 8192;

/// Why a frame cannot be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The length prefix is 0.
    Empty,
    /// The length prefix exceeds [`MAX_MESSAGE_SIZE`].
    TooLarge(u32),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty frame"),
            Self::TooLarge(n) => write!(f, "frame of {n} bytes exceeds {MAX_MESSAGE_SIZE}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FrameError {}

/// Prefixes `payload` with its 4-byte big-endian length.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    let len = check_len(payload.len() as u64)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

fn check_len(len: u64) -> Result<u32, FrameError> {
    match len {
        0 => Err(FrameError::Empty),
        n if n > MAX_MESSAGE_SIZE as u64 => {
            Err(FrameError::TooLarge(u32::try_from(n).unwrap_or(u32::MAX)))
        }
        n => Ok(n as u32),
    }
}

/// Reassembles frames from a byte stream fed in arbitrary pieces.
///
/// Oversize and empty frames are reported from the prefix alone, before
/// any payload is buffered (INTEROP.md §2.1); the connection must then be
/// closed, as the reader cannot resynchronise.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes still needed before the next frame is complete (at least 1
    /// while incomplete), or `Ok(0)` when a frame is ready.
    pub fn needed(&self) -> Result<usize, FrameError> {
        match self.buf.first_chunk::<4>() {
            None => Ok(4 - self.buf.len()),
            Some(prefix) => {
                let len = check_len(u32::from_be_bytes(*prefix).into())? as usize;
                Ok((4 + len).saturating_sub(self.buf.len()))
            }
        }
    }

    /// Takes the next complete frame's payload, if one is buffered.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        if self.needed()? > 0 {
            return Ok(None);
        }
        let len = match self.buf.first_chunk::<4>() {
            Some(prefix) => u32::from_be_bytes(*prefix) as usize,
            None => return Ok(None),
        };
        let payload = self.buf.get(4..4 + len).map(<[u8]>::to_vec);
        self.buf.drain(..(4 + len).min(self.buf.len()));
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_frames_split_anywhere() {
        let mut wire = Vec::new();
        encode_frame(&[0xa1, 0x01, 0x03], &mut wire).unwrap();
        encode_frame(&[0xa2, 0x01, 0x01, 0x02, 0x01], &mut wire).unwrap();
        let mut r = FrameReader::new();
        let mut frames = Vec::new();
        for b in &wire {
            r.push(core::slice::from_ref(b));
            while let Some(f) = r.next_frame().unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(
            frames,
            [vec![0xa1, 0x01, 0x03], vec![0xa2, 0x01, 0x01, 0x02, 0x01]]
        );
    }

    #[test]
    fn oversize_and_empty_prefixes_are_refused_before_the_payload() {
        let mut r = FrameReader::new();
        r.push(&8193u32.to_be_bytes());
        assert_eq!(r.next_frame(), Err(FrameError::TooLarge(8193)));
        let mut r = FrameReader::new();
        r.push(&[0, 0, 0, 0]);
        assert_eq!(r.next_frame(), Err(FrameError::Empty));
        assert_eq!(
            encode_frame(&[0; 8193], &mut Vec::new()),
            Err(FrameError::TooLarge(8193))
        );
        assert!(encode_frame(&[0; 8192], &mut Vec::new()).is_ok());
    }
}
