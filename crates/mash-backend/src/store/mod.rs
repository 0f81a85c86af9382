//! The durable store: sites and registrations, behind the [`Store`]
//! trait so the HTTP layer does not know the database.
//!
//! [`SqliteStore`] is the implementation (sqlx, embedded migrations). The
//! trait is shaped for a PostgreSQL one too: every state change is one
//! statement (an `UPDATE ... RETURNING` whose `WHERE` re-checks the state),
//! so several backend instances on one database cannot hand a job out
//! twice within a lease or finish it twice; PostgreSQL would add `FOR
//! UPDATE SKIP LOCKED` to the claim's sub-select.
//!
//! The setup code is a secret. The store keeps the QR payload only while
//! a registration is open and erases it in the same statement that makes
//! the registration final; [`Record`] never carries it, only a
//! [`Leased`] job does.

mod sqlite;

use std::future::Future;
use std::time::Duration;

use mash_core::commissioning::QrPayload;
use mash_core::ids::{DeviceId, ZoneId};

pub use sqlite::SqliteStore;

use crate::api::State;
use crate::error::Error;

/// Unix time in milliseconds, as the store keeps it.
pub type Millis = i64;

/// A registration without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its ID.
    pub id: i64,
    /// The site it was uploaded for.
    pub site: String,
    /// The device's discriminator (from the QR code).
    pub discriminator: u16,
    /// Vendor ID, from the six-field QR code.
    pub vendor_id: Option<u16>,
    /// Product ID, from the six-field QR code.
    pub product_id: Option<u16>,
    /// Where it stands.
    pub state: State,
    /// Until when the SMGW holds it (while delivered).
    pub lease_until: Option<Millis>,
    /// How often it was handed to the SMGW.
    pub attempts: u32,
    /// The device's ID in the SMGW's zone (when commissioned).
    pub device_id: Option<String>,
    /// The SMGW's zone ID (when commissioned).
    pub zone_id: Option<String>,
    /// Why it failed (when failed).
    pub failure: Option<String>,
    /// When it was uploaded.
    pub created_at: Millis,
    /// When it last changed.
    pub updated_at: Millis,
}

/// A job handed to an SMGW: the one place the secret leaves the store.
#[derive(Clone, PartialEq, Eq)]
pub struct Leased {
    /// The registration ID.
    pub id: i64,
    /// Its site.
    pub site: String,
    /// The QR payload (secret).
    pub qr: String,
    /// Which delivery this is (1 for the first).
    pub attempt: u32,
    /// When the lease ends.
    pub lease_until: Millis,
}

impl std::fmt::Debug for Leased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leased")
            .field("id", &self.id)
            .field("site", &self.site)
            .field("qr", &"<redacted>")
            .field("attempt", &self.attempt)
            .field("lease_until", &self.lease_until)
            .finish()
    }
}

/// What the SMGW reports for a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The device is in the SMGW's zone.
    Commissioned {
        /// The device's ID in the zone.
        device_id: DeviceId,
        /// The zone ID.
        zone_id: ZoneId,
    },
    /// Commissioning failed.
    Failed {
        /// Why.
        reason: String,
    },
}

/// How [`Store::complete`] went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// Recorded (or recorded before, with the same outcome).
    Done(Record),
    /// No such job for this SMGW.
    NotFound,
    /// The job is this SMGW's but not leased to it (pending, or final
    /// with another outcome).
    NotLeased(Record),
}

/// How jobs are handed out and when they give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long an SMGW holds a job before it is handed out again.
    pub lease: Duration,
    /// How many deliveries without a result before the job fails.
    pub max_attempts: u32,
    /// How long a registration may stay open at all.
    pub expire_after: Duration,
}

impl Default for Policy {
    /// A 15-minute lease, 3 deliveries, 7 days open at most (the SMGW
    /// profile's commissioning deadline, INTEROP.md §9).
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(15 * 60),
            max_attempts: 3,
            expire_after: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Where registrations live. Every method is one atomic step.
pub trait Store: Send + Sync + 'static {
    /// Makes the sites table what the configuration says (`(site, smgw)`
    /// pairs); sites no longer configured stay, with their history.
    fn sync_sites(
        &self,
        sites: &[(String, String)],
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Registers `qr` for `site`, or finds the open registration of the
    /// same QR code there. `true` when it is new.
    fn register(
        &self,
        site: &str,
        qr: &QrPayload,
        now: Millis,
    ) -> impl Future<Output = Result<(Record, bool), Error>> + Send;

    /// One registration.
    fn get(&self, id: i64) -> impl Future<Output = Result<Option<Record>, Error>> + Send;

    /// Leases up to `limit` jobs of `smgw`'s sites: pending ones, and
    /// delivered ones whose lease ran out and that have attempts left;
    /// oldest first.
    fn claim(
        &self,
        smgw: &str,
        limit: u32,
        now: Millis,
        policy: &Policy,
    ) -> impl Future<Output = Result<Vec<Leased>, Error>> + Send;

    /// Records `outcome` for job `id`, if it is leased to (delivered to a
    /// site of) `smgw`, and erases its secret.
    fn complete(
        &self,
        smgw: &str,
        id: i64,
        outcome: &Outcome,
        now: Millis,
    ) -> impl Future<Output = Result<Completion, Error>> + Send;

    /// Fails, and erases the secret of, registrations that are out of
    /// attempts with their lease run out, or open for longer than
    /// `policy.expire_after`. Returns how many.
    fn sweep(
        &self,
        now: Millis,
        policy: &Policy,
    ) -> impl Future<Output = Result<u64, Error>> + Send;

    /// When the earliest lease of `smgw`'s jobs runs out.
    fn next_lease_end(
        &self,
        smgw: &str,
    ) -> impl Future<Output = Result<Option<Millis>, Error>> + Send;

    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = Result<(), Error>> + Send;

    /// Closes the connections.
    fn close(&self) -> impl Future<Output = ()> + Send;
}
