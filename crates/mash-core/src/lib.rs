//! # mash-core
//!
//! The sans-I/O heart of mash-rs, a Rust implementation of MASH 1.0.
//!
//! This crate turns bytes, events and the current time into bytes to send,
//! timers to arm and events to report. It owns:
//!
//! - [`cbor`]: the CBOR value model and codec (INTEROP.md §1);
//! - [`wire`]: interaction-model envelopes, status codes, control frames and
//!   frame classification (INTEROP.md §2, §6);
//! - [`model`]: the device → endpoint → feature → attribute data model and
//!   one declarative table per feature (INTEROP.md §7);
//! - [`interaction`]: read/write/subscribe/invoke dispatch and the
//!   subscription engine;
//! - [`time`]: the time values every state machine takes as input.
//!
//! It does **not** open sockets, read clocks or draw random numbers: time
//! and randomness are arguments, so the same code runs on a
//! microcontroller, in a tokio service and in a simulated house.
//!
//! `no_std` + `alloc`; the `std` feature only adds `std::error::Error`
//! impls.
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

extern crate alloc;

mod macros;

pub mod cbor;
pub mod commissioning;
pub mod energy;
pub mod ids;
pub mod interaction;
pub mod model;
pub mod time;
pub mod wire;
pub mod zone;
