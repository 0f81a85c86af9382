//! # mash-discovery
//!
//! MASH 1.0 discovery over mDNS/DNS-SD, on the wire as the reference
//! implementation does it (INTEROP.md §9).
//!
//! What it does:
//!
//! - [`records`]: the four record kinds as pure, I/O-free types with TXT
//!   encoders and validating decoders, byte-for-byte like the reference:
//!   [`CommissionableInfo`] (`_mash-comm._tcp`), [`OperationalInfo`]
//!   (`_mash._tcp`), [`CommissionerInfo`] (`_mashd._udp`) and
//!   [`PairingRequestInfo`] (`_mashp._udp`), plus the instance-name helpers.
//! - [`Advertiser`]: publishes, updates and withdraws those records, with
//!   goodbyes on withdrawal, drop and [`Advertiser::shutdown`].
//! - [`Browser`]: browses each service type into [`BrowseStream`]s of
//!   validated records ([`Discovered`]), matching on TXT values (never on
//!   the instance name), with every address of the host, link-local IPv6
//!   scoped to the interface it was learned on.
//! - [`interfaces`]: which interfaces mDNS may use. **Default:** the single
//!   up, non-loopback interface if there is exactly one; otherwise the
//!   caller must name them ([`InterfaceConfig::named`]) or opt in to all
//!   ([`InterfacePolicy::AllNonLoopback`]). A multi-homed gateway never
//!   announces on every network by accident.
//! - [`PairingRequestFilter`]: the device-side rule for pairing requests
//!   (matching `D`, no window open, free slot, at most one window per
//!   minute), pure, with the clock as an argument.
//!
//! What it does not do: decide when to advertise, when a window opens or
//! closes, when a controller falls back to a pairing request or how often it
//! re-announces one. Those belong to the device and controller services.
//! It does not parse QR codes or setup codes, and it does not dial anyone.
//!
//! One [`Mdns`] is one mdns-sd daemon (a thread and the mDNS sockets);
//! share it between an advertiser and a browser with [`Mdns::advertiser`]
//! and [`Mdns::browser`]. Advertising calls are non-blocking; streams are
//! consumed with `.next().await` on any async runtime; the `find_*`
//! helpers and [`Advertiser::shutdown`] use tokio's timer.
//!
//! Tests: `tests/mdns_vectors.rs` checks every `pure` entry and every
//! browsed `network` record of `vectors/mdns.json`; `tests/netns.rs` runs
//! advertiser and browser in two private network namespaces joined by a
//! veth pair (needs Linux, iproute2 and root; otherwise each test prints
//! why it skipped, or fails if `MASH_REQUIRE_NETNS=1`).
//!
//! Known differences from INTEROP.md §9: PTR and TXT records carry mdns-sd's
//! fixed 4500 s TTL (SRV and addresses carry 120 s); the pairing-request
//! SRV host is our host name, not the reference's hard-coded
//! `controller.local.`; TXT keys are matched case-insensitively and the
//! first duplicate wins (RFC 6763 §6.4) where the reference uses a Go map.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod advertiser;
mod browser;
mod error;
pub mod interfaces;
mod mdns;
mod pairing;
pub mod records;
mod txt;

pub use advertiser::Advertiser;
pub use browser::{
    ADDRESS_SETTLE, BrowseEvent, BrowseStream, Browser, Discovered, OperationalFilter,
};
pub use error::{DaemonError, DecodeError, Error, InstanceNameError};
pub use interfaces::{InterfaceConfig, InterfaceError, InterfacePolicy, IpFamilies};
pub use mdns::{DiscoveryConfig, Mdns};
pub use pairing::{
    DEFAULT_MAX_ZONES, DeviceState, IgnoreReason, MIN_RETRIGGER_INTERVAL, PAIRING_WINDOW,
    PairingDecision, PairingRequestFilter,
};
pub use records::{
    CommissionableInfo, CommissionerInfo, DeviceCategory, Discriminator, OperationalInfo,
    PairingRequestInfo, Record, ServiceKind, VendorProduct,
};
pub use txt::{TxtEntry, TxtRecord};
