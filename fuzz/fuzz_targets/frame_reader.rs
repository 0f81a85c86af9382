//! Any byte stream, fed in two pieces: the frame reader never panics and
//! never yields a frame over the 8 KB limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mash_core::wire::{FrameReader, MAX_MESSAGE_SIZE};

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| *b as usize).min(data.len());
    let (a, b) = data.split_at(split);
    let mut r = FrameReader::new();
    for part in [a, b] {
        r.push(part);
        while let Ok(Some(frame)) = r.next_frame() {
            assert!(!frame.is_empty() && frame.len() <= MAX_MESSAGE_SIZE);
        }
    }
});
