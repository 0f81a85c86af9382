//! Test helpers: deterministic RNGs and the vendored vector files.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// The JSON vector files, vendored in the repository's `vectors/` folder
/// (recorded from the Go reference; see `vectors/README.md`).
pub mod vectors {
    /// `spake2plus.json`.
    pub fn spake2plus() -> serde_json::Value {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/spake2plus.json"
        )))
        .unwrap()
    }

    /// `setupcode_qr.json`.
    pub fn setupcode_qr() -> serde_json::Value {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/setupcode_qr.json"
        )))
        .unwrap()
    }

    /// `commissioning_messages.json`.
    pub fn commissioning_messages() -> serde_json::Value {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/commissioning_messages.json"
        )))
        .unwrap()
    }
}

/// Decodes a hex field of a vector.
pub fn hex_field(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// A small deterministic generator (xorshift64*), or a constant `u32`.
/// Not cryptographic; marked `TryCryptoRng` only so tests can drive the
/// APIs that demand one.
pub struct StepRng {
    state: u64,
    fixed: Option<u32>,
}

impl StepRng {
    /// A pseudo-random stream from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed | 1,
            fixed: None,
        }
    }

    /// Every `next_u32` returns `v` (bytes repeat its little-endian form).
    pub fn fixed_u32(v: u32) -> Self {
        Self {
            state: 1,
            fixed: Some(v),
        }
    }

    fn step(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

impl TryRng for StepRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(match self.fixed {
            Some(v) => v,
            None => (self.step() >> 32) as u32,
        })
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(match self.fixed {
            Some(v) => u64::from(v) << 32 | u64::from(v),
            None => self.step(),
        })
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let word = self.try_next_u32()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

impl TryCryptoRng for StepRng {}

/// Replays scripted byte blocks first (one per `fill_bytes` call, e.g. a
/// SPAKE2+ scalar), then falls back to a [`StepRng`]. This is how the
/// reference vectors were made: `crypto/rand` replaced by a reader that
/// returns exactly the scalar.
pub struct ScriptedRng {
    blocks: VecDeque<Vec<u8>>,
    fallback: StepRng,
}

impl ScriptedRng {
    /// Replays `blocks` in order.
    pub fn new(blocks: impl IntoIterator<Item = Vec<u8>>) -> Self {
        Self {
            blocks: blocks.into_iter().collect(),
            fallback: StepRng::new(7),
        }
    }
}

impl TryRng for ScriptedRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.fallback.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.fallback.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        match self.blocks.pop_front() {
            Some(block) => {
                assert_eq!(block.len(), dst.len(), "scripted block has the wrong size");
                dst.copy_from_slice(&block);
                Ok(())
            }
            None => self.fallback.try_fill_bytes(dst),
        }
    }
}

impl TryCryptoRng for ScriptedRng {}
