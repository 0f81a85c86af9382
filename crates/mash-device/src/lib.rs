//! # mash-device
//!
//! The MASH 1.0 device service: what runs inside an EV charger, heat pump
//! or battery so that a grid operator's gateway (GRID zone) and a home EMS
//! (LOCAL zone) can control it at the same time, safely.
//!
//! - [`core`]: the protocol state, sans-I/O — commissioning windows and
//!   PASE, zones and their certificates, one interaction session per zone
//!   connection, EnergyControl across zones with failsafe, certificate
//!   renewal, TestControl;
//! - [`service`]: the tokio shell — TLS listener, connection pumps,
//!   persistence, mDNS;
//! - [`models`] and [`appliance`]: what the simulated EVSE, heat pump and
//!   battery expose and how they behave;
//! - [`persist`]: the state directory;
//! - [`access`]: the optional per-zone-type access policy;
//! - [`test_control`]: the conformance hooks (TestControl, TEST zone).
//!
//! It does not implement controllers (mash-controller) or discovery
//! records themselves (mash-discovery).
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod access;
pub mod appliance;
pub mod config;
pub mod core;
pub mod models;
pub mod persist;
pub mod service;
pub mod test_control;
pub mod window;

pub use config::DeviceConfig;
pub use service::{DeviceError, DeviceHandle, Snapshot, ZoneSummary, start, start_detached};
