//! # mash-sim
//!
//! A whole MASH installation in one process: devices and controllers run
//! their real service code on an in-memory network ([`SimNet`]) whose
//! links can be cut, partitioned or slowed, under tokio's paused clock —
//! so hours of failsafe and limit durations pass in milliseconds, and the
//! same seed gives the same run.
//!
//! TLS is not simulated: the network hands each side the identity TLS
//! would have established (the zone whose CA issued the client
//! certificate). Everything above TLS is the production code.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod dialer;
mod house;
mod net;

pub use dialer::SimDialer;
pub use house::{House, HouseError, SimController, SimDevice};
pub use net::{Isolation, SimError, SimNet};
