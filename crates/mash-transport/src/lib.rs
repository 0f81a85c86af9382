//! # mash-transport
//!
//! The MASH 1.0 transport: frames over TCP and TLS 1.3 for both sides of a
//! connection (INTEROP.md §2-§3, transport.md, security.md §11).
//!
//! It owns:
//!
//! - [`framing`]: 4-byte big-endian length-prefixed frames of at most
//!   8192 bytes over any `AsyncRead + AsyncWrite` (INTEROP.md §2.1), with
//!   cancel-safe reads;
//! - [`tls`]: the four TLS 1.3 configurations (device commissioning and
//!   operational server, controller commissioning and operational client)
//!   and the certificate checks each side applies (INTEROP.md §3.3-§3.4);
//! - [`listener`]: the device's single-port listener: dual-stack bind, ALPN
//!   routing on the ClientHello (`mash-comm/1` vs `mash/1`), the transport
//!   connection cap (DEC-062), the TLS handshake timeout, the
//!   stale-connection reaper (DEC-064) and graceful shutdown;
//! - [`dial`] and [`addr`]: the controller's side: `host:port` targets
//!   including link-local IPv6 with an interface scope, IPv6 first, connect
//!   and handshake timeouts;
//! - [`keepalive`]: the ping/pong keep-alive as a sans-I/O state machine
//!   (transport.md §6, INTEROP.md §2.2);
//! - [`connection`]: the operational connection driver shared by device and
//!   controller: answers pings and closes, runs keep-alive, hands other
//!   frames to the application and reports why the connection ended.
//!
//! It does **not** interpret frames beyond control messages (ping, pong,
//! close): requests, responses, notifications and commissioning messages
//! are opaque byte payloads for the services above. It does not generate
//! certificates (that is `mash-pki`), decide which zone a connection
//! belongs to when several match, run PASE, or reconnect with backoff: it
//! gives the services what they need to do so.
//!
//! Where the reference implementation leaves a behaviour out (it never
//! sends keep-alive pings), this crate does what the spec asks; both sides
//! still interoperate with the reference on the wire.
//!
//! # Device side
//!
//! ```no_run
//! # async fn device(
//! #     commissioning_cert: mash_transport::Identity,
//! #     device_certs: Vec<mash_transport::Identity>,
//! #     zone_cas: Vec<mash_transport::ZoneCa>,
//! # ) -> Result<(), mash_transport::Error> {
//! use std::sync::Arc;
//! use mash_transport::*;
//!
//! let clock = ClockOffset::new(); // AdjustClock hook
//! let policy = Arc::new(SharedPolicy::new());
//! // Window open: offer the commissioning path.
//! policy.set_commissioning(Some(CommissioningServerConfig::new(&commissioning_cert)?));
//! // Zones exist: offer the operational path (rebuild when zones change).
//! policy.set_operational(Some(OperationalServerConfig::new(&device_certs, &zone_cas, &clock)?));
//!
//! let mut listener = DeviceListener::bind(ListenerConfig::default(), policy.clone()).await?;
//! while let Some(incoming) = listener.accept().await {
//!     match incoming {
//!         Incoming::Commissioning(mut c) => {
//!             // PASE and the certificate exchange, frame by frame.
//!             let _first = c.stream.read_frame().await?;
//!         }
//!         Incoming::Operational(op) => {
//!             let _zone = op.zones.first(); // matched by AKI
//!             let mut conn = op.start(ConnectionConfig::default());
//!             tokio::spawn(async move {
//!                 while let Some(frame) = conn.recv().await {
//!                     let _ = conn.send(frame).await; // dispatch, respond
//!                 }
//!                 let _lost = conn.close_reason(); // start the failsafe
//!             });
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Controller side
//!
//! ```no_run
//! # async fn controller(
//! #     zone_ca: rustls::pki_types::CertificateDer<'static>,
//! #     my_cert: mash_transport::Identity,
//! # ) -> Result<(), mash_transport::Error> {
//! use mash_transport::*;
//!
//! let target: Target = "[fe80::1%eth0]:8443".parse()?;
//! // Commissioning: no certificates, PASE authenticates.
//! let mut comm =
//!     dial_commissioning(&target, &CommissioningClientConfig::new()?, &DialOptions::default())
//!         .await?;
//! comm.stream.write_frame(&[0xa1, 0x01, 0x01]).await?;
//!
//! // Operational: one config per zone, the device ID per dial.
//! let zone = OperationalClientConfig::new(&zone_ca, &my_cert)?;
//! let conn = dial_operational(&target, &zone, "a1b2c3d4e5f60718", &DialOptions::default())
//!     .await?
//!     .start(ConnectionConfig::default());
//! conn.send(vec![0xa0]).await?;
//! let reason = conn.close().await;
//! # let _ = reason; Ok(()) }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod addr;
pub mod connection;
pub mod dial;
mod error;
pub mod framing;
pub mod keepalive;
pub mod listener;
mod shutdown;
pub mod tls;

pub use addr::Target;
pub use connection::{CloseReason, Connection, ConnectionConfig, ConnectionSender};
pub use dial::{ClientConn, DialOptions, dial_commissioning, dial_operational};
pub use error::{Error, Misuse, PeerError};
pub use framing::FramedStream;
pub use keepalive::{KeepAlive, KeepAliveConfig};
pub use listener::{
    CommissioningConn, DeviceListener, Incoming, ListenerConfig, ListenerHandle, OperationalConn,
    PreOperationalGuard, SharedPolicy, TlsPolicy,
};
pub use rustls::pki_types::{CertificateDer, PrivateKeyDer};
pub use shutdown::ShutdownSignal;
pub use tls::{
    ALPN_COMMISSIONING, ALPN_OPERATIONAL, ClockOffset, CommissioningClientConfig,
    CommissioningServerConfig, Identity, OperationalClientConfig, OperationalServerConfig,
    PeerCertificate, ZoneCa,
};

/// Default TCP port for both commissioning and operational connections
/// (INTEROP.md §3.1).
pub const DEFAULT_PORT: u16 = 8443;
