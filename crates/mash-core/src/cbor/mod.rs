//! The CBOR value model and codec used by every MASH message.
//!
//! INTEROP.md §1 fixes the rules this module follows:
//! - maps are written with keys in length-first canonical order
//!   (RFC 7049 §3.9), integers always in their shortest head, floats at
//!   their own width, no tags, no indefinite lengths;
//! - decoding rejects duplicate map keys, NaN/±Infinity and tags, accepts
//!   indefinite lengths, and yields `Uint` for non-negative and `Nint` for
//!   negative integers (as the reference decodes into `any`).
//!
//! Decoding never panics and never allocates more than the input can
//! justify: container lengths are checked against the bytes left, and
//! nesting is bounded by [`MAX_DEPTH`].

mod decode;
mod encode;
mod error;
mod key;
mod value;

pub use decode::{Reader, decode_value};
pub use encode::{Writer, encode_value};
pub use error::DecodeError;
pub use key::Key;
pub use value::{Map, Value};

/// Deepest container nesting accepted from the network.
///
/// The deepest legitimate MASH message (a notification carrying a per-phase
/// map) nests four levels; 16 leaves room for vendor data while keeping a
/// hostile frame from exhausting a microcontroller's stack.
pub const MAX_DEPTH: usize = 16;
