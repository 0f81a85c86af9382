//! Delegated commissioning, the SMGW's side (DEC-019, security.md §9):
//! the user scans the device's QR code with the utility's app, the app
//! uploads it to the grid operator's backend, and the SMGW — which has no
//! user interface — fetches it from there as a *job* and commissions the
//! device itself with SPAKE2+.
//!
//! This module knows nothing about HTTP. A [`JobSource`] delivers jobs
//! and takes their outcomes; `mash-backend`'s SMGW client is the one used
//! in production, tests use an in-memory one. [`JobRunner`] is the loop:
//! fetch (long-poll), commission, report, forever.

mod runner;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use mash_core::ids::{DeviceId, ZoneId};
use mash_transport::Target;

pub use runner::{JobRunner, POLL_WAIT};

use crate::controller::CommissionedDevice;

/// One device to commission, as the backend hands it out.
#[derive(Clone, PartialEq, Eq)]
pub struct Job {
    /// The backend's registration ID.
    pub id: u64,
    /// The QR payload (`MASH:1:<discriminator>:<setup code>[:<vid>:<pid>]`,
    /// INTEROP.md §9). Secret: it holds the setup code, so `Debug` does
    /// not print it.
    pub qr: String,
    /// How long the job is leased to this SMGW: a result must arrive
    /// before then, or the backend hands the job out again.
    pub lease: Duration,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("qr", &"<redacted>")
            .field("lease", &self.lease)
            .finish()
    }
}

/// What became of a job; reported back to the [`JobSource`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobOutcome {
    /// The device is in this controller's zone.
    Commissioned {
        /// The device's ID in the zone.
        device_id: DeviceId,
        /// The zone ID (INTEROP.md §4).
        zone_id: ZoneId,
    },
    /// Commissioning did not succeed; the backend marks the registration
    /// failed (the user may upload the QR code again to retry).
    Failed {
        /// Why, for the user (never contains the setup code).
        reason: String,
    },
}

/// Where jobs come from and where their outcomes go.
///
/// Implementations talk to the grid operator's backend (`mash-backend`'s
/// `SmgwClient`) or, in tests, to a queue in memory.
pub trait JobSource: Send + Sync + 'static {
    /// Why a call failed (network, authentication, backend down).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Up to `limit` jobs for this SMGW, waiting at most `wait` for one to
    /// arrive (long-poll). The jobs are leased to the caller; an empty
    /// list means none arrived in time.
    fn next_jobs(
        &self,
        wait: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Job>, Self::Error>> + Send;

    /// Reports the outcome of job `id`. `Err` means "try again later"
    /// (the runner keeps the outcome and retries); a source that will
    /// never take it (the job is gone or was finished otherwise) answers
    /// [`Ack::Refused`].
    fn report(
        &self,
        id: u64,
        outcome: &JobOutcome,
    ) -> impl Future<Output = Result<Ack, Self::Error>> + Send;
}

/// How a [`JobSource`] took a report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ack {
    /// Recorded.
    Accepted,
    /// Not taken, for good: the job is unknown, or no longer leased to
    /// this SMGW (e.g. it ran out of attempts meanwhile).
    Refused {
        /// The source's explanation.
        why: String,
    },
}

/// How the runner finds the device of a job.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Locate {
    /// On mDNS, by the discriminator in the QR code, with a pairing
    /// request if the device does not answer
    /// ([`Controller::commission_discovered`](crate::Controller::commission_discovered));
    /// at most `deadline`, and never past the job's lease.
    Discovery {
        /// Longest search per job.
        deadline: Duration,
    },
    /// Every device at this address: for an installation with one device
    /// at a known place, and for tests.
    Address(Target),
}

/// What the runner did; for logs and user interfaces.
#[derive(Debug)]
#[non_exhaustive]
pub enum JobEvent {
    /// A job arrived.
    Received {
        /// Its ID.
        job: u64,
    },
    /// The job's device is in the zone, connected (or reconnecting).
    Commissioned {
        /// The job.
        job: u64,
        /// The device and its session.
        device: CommissionedDevice,
    },
    /// The job failed.
    Failed {
        /// The job.
        job: u64,
        /// Why.
        reason: String,
    },
    /// The job came again after its outcome had been reported (the
    /// report was lost): the outcome is reported again, nothing is redone.
    Repeated {
        /// The job.
        job: u64,
    },
    /// The outcome reached the job source.
    Reported {
        /// The job.
        job: u64,
    },
    /// The job source will not take the outcome (see [`Ack::Refused`]).
    ReportRefused {
        /// The job.
        job: u64,
        /// The source's explanation.
        why: String,
    },
    /// The job source failed; the runner tries again after `retry_in`.
    SourceError {
        /// What went wrong.
        error: String,
        /// The back-off delay.
        retry_in: Duration,
    },
}
