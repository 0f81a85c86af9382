//! # mash-backend
//!
//! The grid operator's backend for MASH delegated commissioning (DEC-019,
//! security.md §9, mission/multi-controller-scenario.md): the SMGW has no
//! user interface, so the user scans the device's QR code with the
//! utility's app, the app uploads it here, and the SMGW fetches it as a
//! job and commissions the device itself.
//!
//! It does:
//!
//! - **uploads** from the app (`POST /v1/sites/{site}/registrations`):
//!   the QR code checked by mash-core's parser (a malformed one answers
//!   400 naming the field), stored as a *registration* of the site;
//!   uploading the same code again while it is open finds the same
//!   registration;
//! - **the SMGW's job channel** (`GET /v1/smgw/{smgw}/jobs?wait=`): a
//!   long-poll that wakes when a registration arrives for one of the
//!   SMGW's sites and *leases* it to the SMGW; a job without a result
//!   when its lease ends is handed out again, up to a number of attempts,
//!   then fails; the SMGW reports `commissioned` (device and zone ID) or
//!   `failed` (a reason);
//! - **status for the app** (`GET /v1/registrations/{id}?wait=`): pending,
//!   delivered, commissioned (with the device ID) or failed (with the
//!   reason), optionally waiting for the final state;
//! - **a durable store** ([`Store`], [`SqliteStore`]: SQLite through
//!   sqlx, migrations embedded), surviving restarts;
//! - **bearer-token authorization** from the [`Config`] file: app tokens
//!   scoped to sites, SMGW tokens to one SMGW ID, compared in constant
//!   time (401 without or with an unknown token, 403 outside its scope);
//! - **secrecy of the setup code**: kept only while a registration is
//!   open, erased in the statement that makes it final (SQLite's
//!   `secure_delete` and a rollback journal leave no copy in the files),
//!   never returned to the app,
//!   never logged (bodies and tokens stay out of the request log; `Debug`
//!   of every type that holds one redacts it);
//! - **the clients** ([`AppClient`], [`SmgwClient`]), the latter a
//!   [`JobSource`](mash_controller::JobSource) for mash-controller's
//!   [`JobRunner`](mash_controller::JobRunner), which does the SMGW's
//!   commissioning.
//!
//! It does **not** manage user accounts or sites through the API (both
//! come from the configuration file), terminate TLS (run it behind a TLS
//! proxy: security.md asks for TLS between all components; the clients
//! speak HTTPS), encrypt the setup code at rest (erasing it bounds how
//! long it is kept; encrypt the disk), or coordinate several instances'
//! long-polls (on a shared database a job is still handed out once, but
//! an SMGW waiting on another instance notices an upload only when its
//! poll ends, at most 30 s later). PostgreSQL would be a second [`Store`].
//!
//! # Usage
//!
//! ```no_run
//! # async fn demo() -> Result<(), mash_backend::Error> {
//! use mash_backend::{Backend, Config};
//!
//! let config = Config::load("backend.json".as_ref())?;
//! let backend = Backend::open(config, "sqlite://backend.db").await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! backend
//!     .serve(listener, async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await?;
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

pub mod api;
mod app;
mod auth;
mod client;
mod clock;
mod config;
mod error;
mod http;
mod server;
mod store;

pub use client::{AppClient, ClientError, SmgwClient, Uploaded};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{AppToken, Config, JobSettings, MIN_TOKEN_LEN, Secret, Site, SmgwToken};
pub use error::Error;
pub use server::Backend;
pub use store::{Completion, Leased, Millis, Outcome, Policy, Record, SqliteStore, Store};
