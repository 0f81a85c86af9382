//! Commissioning security: setup code, QR payload, SPAKE2+, the
//! commissioning messages and the sans-I/O state machines of both sides
//! (INTEROP.md §5, §9; security.md §4, §11).
//!
//! What lives here, bottom-up:
//!
//! - [`setup_code`], [`qr`]: the onboarding credentials (INTEROP.md §5.5,
//!   §9);
//! - [`spake2plus`]: PASE exactly as the reference codes it (§5.4);
//! - [`messages`], [`decode`]: the CBOR messages of §5.1, encoded
//!   byte-identically and decoded as leniently as the reference;
//! - [`gate`], [`policy`], [`backoff`]: device-wide admission — one
//!   commissioning at a time, cooldown, PASE back-off, zone slots
//!   (§5.2-5.3, §5.6);
//! - [`device`], [`controller`]: one commissioning connection, per side;
//! - [`renewal`]: in-band certificate renewal (§5.8);
//! - [`error`]: the layer's [`Error`] and [`wire_error_code`].
//!
//! Nothing here does I/O, reads a clock or parses X.509: frames come in as
//! CBOR payloads, time as [`crate::time::Instant`], randomness as a
//! `rand_core::CryptoRng` argument, and certificate work is requested from
//! the shell through events (the shell uses `mash-pki`).

pub mod backoff;
pub mod controller;
pub mod decode;
pub mod device;
pub mod error;
pub mod gate;
pub mod messages;
pub mod policy;
pub mod qr;
pub mod renewal;
pub mod setup_code;
pub mod spake2plus;
pub mod timer;

pub use controller::{ControllerEvent, ControllerHandshake, INITIAL_CERT_SEQUENCE};
pub use decode::MessageError;
pub use device::{CertificateVerified, Commissioned, DeviceEvent, DeviceHandshake};
pub use error::{
    ApiMisuse, AuthFailure, Error, LocalFailure, PeerMisbehaved, Phase, wire_error_code,
};
pub use gate::{Busy, BusyReason, CommissioningGate, GateTicket};
pub use messages::{CommissioningMessage, ErrorCode, MessageType, RenewalStatus};
pub use policy::{ZonePolicy, ZonePolicyError};
pub use qr::{QrError, QrPayload};
pub use renewal::{
    CertificateCheck, InitiatorEvent, RenewalEvent, RenewalInitiator, RenewalResponder,
};
pub use setup_code::{Discriminator, SetupCode, SetupCodeError};
pub use spake2plus::{SetupCodeVerified, Spake2PlusError, Verifier};

#[cfg(test)]
mod testutil;

#[cfg(test)]
mod tests;
