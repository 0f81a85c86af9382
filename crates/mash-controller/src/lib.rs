//! # mash-controller
//!
//! The MASH 1.0 controller service: what an EMS (zone type LOCAL) or a
//! smart meter gateway (GRID) runs to control devices.
//!
//! It does:
//!
//! - **zone ownership**: creates on first start, and reloads afterwards,
//!   the zone CA (the zone name is its label), the controller's operational
//!   certificate (1 year, renewed 7 days before expiry, checked at start
//!   and every 24 h) and the device registry, all persisted atomically;
//!   a corrupt state file is an error, not a fresh start
//!   (INTEROP.md §4, §5.8);
//! - **commissioning** ([`Controller::commission`]): PASE and the
//!   certificate exchange over `mash-comm/1`, the CSR signed by the zone
//!   CA, refusals as typed errors (BUSY with its retryAfter,
//!   ZONE_TYPE_EXISTS, wrong setup code), then the first operational
//!   connection (INTEROP.md §5);
//! - **operational sessions** ([`Controller::connect`] →
//!   [`DeviceHandle`]): one connection per device over `mash/1`,
//!   reconnecting with exponential back-off; read, write, invoke,
//!   subscribe (renewed after every reconnect), RemoveZone; a 10 s request
//!   timeout; a specVersion check after connecting (INTEROP.md §6, §10);
//! - **typed EnergyControl** ([`DeviceHandle::set_limit`],
//!   [`DeviceHandle::energy_status`], ...) and the status line a user
//!   should see ("Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — 30
//!   min left", from the mash-rs LimitSource extension);
//! - **both directions**: requests from the device on the same connection
//!   are answered from a small controller model (DeviceInfo on endpoint 0)
//!   by mash-core's `ServerSession`;
//! - **device certificate renewal** in-band on the operational
//!   connection, 7 days before expiry (INTEROP.md §5.8);
//! - **discovery** (optional, [`ControllerConfig::discovery`], on
//!   `mash-discovery`): [`Controller::commission_discovered`] finds a
//!   device by the discriminator of its QR code on `_mash-comm._tcp`,
//!   announcing a pairing request (`_mashp._udp`) when it does not answer
//!   (INTEROP.md §9, DEC-042); and when an operational dial fails, the
//!   session looks up the device's `_mash._tcp` record and dials where it
//!   went;
//! - **delegated commissioning**, the SMGW's side (DEC-019):
//!   [`JobRunner`] fetches jobs (QR codes the user uploaded through the
//!   utility's app) from a [`JobSource`], commissions each device and
//!   reports the outcome; the HTTP client for the grid operator's backend
//!   is `mash-backend`'s `SmgwClient`.
//!
//! It does **not** advertise `_mashd._udp` (the reference never does
//! either), speak HTTP (the job source does), or read the clock
//! inside protocol logic: protocol timing runs on `tokio::time` and
//! wall-clock time comes from an injected [`Clock`]. The transport is a
//! [`Dialer`]: [`TlsDialer`] in production, in-memory pipes in a
//! simulation, so a whole installation can run under
//! `tokio::time::pause()`.
//!
//! Wire pitfalls it avoids (INTEROP.md §2.3, §6): reads send `{1: [ids]}`,
//! never a bare array; invoke parameters are text-keyed; request message
//! IDs skip 1-3 and 30-33 so the reference's payload-less responses can
//! never be read as control or renewal frames; responses it sends always
//! carry a payload.
//!
//! # Usage
//!
//! ```no_run
//! # async fn demo() -> Result<(), mash_controller::Error> {
//! use std::time::Duration;
//! use mash_controller::*;
//! use mash_core::commissioning::SetupCode;
//! use mash_core::interaction::SubscribePayload;
//! use mash_core::model::FeatureType;
//! use mash_core::model::features::energy_control::LimitCause;
//! use mash_core::zone::ZoneType;
//!
//! let config = ControllerConfig::new("/var/lib/mash/smgw", ZoneType::Grid, "smgw-4711");
//! let controller = Controller::open(config, TlsDialer::new()?).await?;
//!
//! // Commission (the code from the device's label or QR code).
//! let target = "[fe80::1%eth0]:8443".parse()?;
//! let code = SetupCode::parse("20202021").expect("eight digits");
//! let device = controller.commission(&target, code).await?;
//!
//! // Later, e.g. after a restart: one session per device.
//! let ev = controller.connect(device.device_id())?;
//!
//! // Limit consumption to 3.7 kW for 30 minutes.
//! let limit = SetLimit::consumption(3_700_000, LimitCause::GridEmergency)
//!     .for_duration(Duration::from_secs(30 * 60));
//! let result = ev.set_limit(1, limit).await?;
//! assert!(result.applied);
//!
//! // Watch measurements.
//! let mut sub = ev
//!     .subscribe(1, FeatureType::Measurement, SubscribePayload::default())
//!     .await?;
//! println!("now: {:?}", sub.priming());
//! while let Some(event) = sub.next().await {
//!     println!("{event:?}");
//! }
//!
//! // What the user sees.
//! let status = ev.energy_status(1).await?;
//! println!("{}", status.display(mash_pki::UnixTime::system_now()));
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod backoff;
mod clock;
mod commission;
mod config;
mod controller;
mod delegated;
mod dialer;
mod discovery;
mod energy;
mod error;
mod handle;
mod model;
mod registry;
mod request;
mod rng;
mod session;
mod zone;

pub use backoff::ReconnectPolicy;
pub use clock::{Clock, ManualClock, SystemClock, TokioClock};
pub use config::{ControllerConfig, ControllerInfo, REQUEST_TIMEOUT, UseCase};
pub use controller::{CommissionedDevice, Controller};
pub use delegated::{Ack, Job, JobEvent, JobOutcome, JobRunner, JobSource, Locate, POLL_WAIT};
pub use dialer::{Dialed, Dialer, OperationalCredentials, TlsDialer};
pub use discovery::{
    BROWSE_TIMEOUT, DEFAULT_DEADLINE, DiscoveryConfig, POLL_INTERVAL, REANNOUNCE_INTERVAL,
};
pub use energy::{
    EnergyStatus, LimitSource, SetCurrentLimits, SetLimit, SetLimitResult, SetSetpoint, StatusText,
};
pub use error::{CommissionError, Error, Misuse};
pub use handle::{DeviceHandle, LinkState, Subscription, SubscriptionEvent};
pub use registry::DeviceRecord;
