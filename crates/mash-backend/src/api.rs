//! The HTTP API's JSON bodies, shared by the server and the clients so
//! the two cannot drift apart.
//!
//! | request | body | answer |
//! |---|---|---|
//! | `GET /v1/health` | | 200 [`Health`] (503 when the database does not answer) |
//! | `POST /v1/sites/{site}/registrations` (app) | [`Upload`] | 201 [`Registration`] (200 when the same QR code is already open there) |
//! | `GET /v1/registrations/{id}?wait=<s>` (app) | | 200 [`Registration`]; with `wait`, answers once the registration is final or after `wait` s |
//! | `GET /v1/smgw/{smgw}/jobs?wait=<s>&limit=<n>` (SMGW) | | 200 [`Jobs`]: leased to the caller; waits up to `wait` s (at most 30) for one |
//! | `POST /v1/smgw/{smgw}/jobs/{id}/result` (SMGW) | [`JobResult`] | 200 [`Registration`] |
//!
//! Every request but the health check carries `Authorization: Bearer
//! <token>`. Errors come as [`ErrorBody`] with 400 (malformed request or
//! QR code), 401 (no or unknown token), 403 (the token is not for this
//! site or SMGW), 404, 409 (a result for a job that is not leased to the
//! caller) or 500.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a registration stands. Pending → delivered (leased to the SMGW)
/// → commissioned or failed; a delivered one goes back to the SMGW when
/// its lease runs out without a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Uploaded; the SMGW has not fetched it yet.
    Pending,
    /// Leased to the SMGW, which is commissioning the device.
    Delivered,
    /// The device is in the SMGW's zone.
    Commissioned,
    /// It did not work; the reason says why.
    Failed,
}

impl State {
    /// Commissioned or failed: nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Commissioned | Self::Failed)
    }

    /// The lowercase name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Commissioned => "commissioned",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            "commissioned" => Self::Commissioned,
            "failed" => Self::Failed,
            _ => return Err(()),
        })
    }
}

/// `POST /v1/sites/{site}/registrations`: the scanned QR code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// `MASH:1:<discriminator>:<setup code>` or the six-field form with
    /// vendor and product IDs (INTEROP.md §9). Secret.
    pub qr: String,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload").field("qr", &"<redacted>").finish()
    }
}

/// A registration as the app sees it: never with the setup code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Its ID.
    pub id: u64,
    /// The site it belongs to.
    pub site: String,
    /// Where it stands.
    pub state: State,
    /// The device's discriminator, from the QR code.
    pub discriminator: u16,
    /// Vendor ID, from a six-field QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u16>,
    /// Product ID, from a six-field QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u16>,
    /// How often it was handed to the SMGW.
    pub attempts: u32,
    /// While delivered: when the SMGW's lease ends (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<u64>,
    /// When commissioned: the device's ID in the SMGW's zone (16 hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// When commissioned: the SMGW's zone ID (16 hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// When failed: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Uploaded at (Unix seconds).
    pub created_at: u64,
    /// Last changed at (Unix seconds).
    pub updated_at: u64,
}

/// `GET /v1/smgw/{smgw}/jobs`: the jobs leased to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jobs {
    /// Oldest first; empty when none arrived within the wait.
    pub jobs: Vec<Job>,
}

/// One device for the SMGW to commission.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The registration ID; the result goes to `.../jobs/{id}/result`.
    pub id: u64,
    /// The site.
    pub site: String,
    /// The QR payload, canonical form. Secret.
    pub qr: String,
    /// Which delivery this is (1 for the first).
    pub attempt: u32,
    /// How long the lease lasts from now, in seconds: the result must
    /// arrive before then, or the job is handed out again.
    pub lease_seconds: u64,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("site", &self.site)
            .field("qr", &"<redacted>")
            .field("attempt", &self.attempt)
            .field("lease_seconds", &self.lease_seconds)
            .finish()
    }
}

/// `POST /v1/smgw/{smgw}/jobs/{id}/result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase", deny_unknown_fields)]
pub enum JobResult {
    /// The device is in the SMGW's zone.
    Commissioned {
        /// Its device ID in the zone (16 hex).
        device_id: String,
        /// The zone ID (16 hex).
        zone_id: String,
    },
    /// Commissioning failed; final (the user may upload again).
    Failed {
        /// Why, for the user (at most 1000 bytes).
        reason: String,
    },
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code: `unauthorized`, `forbidden`, `invalid_qr`,
    /// `invalid_request`, `not_found`, `conflict`, `unavailable`,
    /// `internal`.
    pub error: String,
    /// What went wrong, in words.
    pub message: String,
    /// With `invalid_qr`: the QR field at fault (`prefix`, `fields`,
    /// `version`, `discriminator`, `setup_code`, `vendor_id`,
    /// `product_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    pub status: String,
}
