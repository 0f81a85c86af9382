//! Interaction-model envelopes and control frames (INTEROP.md §2, §6.1).
//!
//! Frames are classified exactly as the reference's `PeekMessageType`
//! does (INTEROP.md §2.3), because request, response, notification and
//! control shapes overlap; [`Message::decode`] applies that order and then
//! decodes the chosen shape strictly.

mod classify;
mod control;
mod frame;
mod message;
mod status;

pub use classify::{MessageKind, classify};
pub use control::{Control, ControlType};
pub use frame::{FrameError, FrameReader, MAX_MESSAGE_SIZE, encode_frame};
pub use message::{Message, Notification, Operation, Request, Response, WireError};
pub use status::StatusCode;
