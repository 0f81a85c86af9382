//! The API's two clients: [`AppClient`] for the utility's app (upload a
//! QR code, follow its registration) and [`SmgwClient`] for the SMGW
//! (fetch jobs, report results; a [`JobSource`] for mash-controller's
//! [`JobRunner`](mash_controller::JobRunner)).
//!
//! HTTP/1.1 on reqwest, HTTPS with rustls and the Mozilla root
//! certificates (webpki-roots); the token goes in `Authorization:
//! Bearer`.

use std::fmt;
use std::time::Duration;

use mash_controller::{Ack, JobOutcome, JobSource};
use reqwest::{RequestBuilder, Url};
use serde::de::DeserializeOwned;

use crate::api::{self, ErrorBody, JobResult, Jobs, Registration, Upload};

/// How long a request may take beyond the time the server is asked to
/// wait.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest failure reason the backend takes (bytes).
const MAX_REASON: usize = 1000;

/// Why a call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The backend URL cannot be used.
    InvalidUrl(String),
    /// The request did not get an answer (connection, TLS, timeout), or
    /// the answer was not the expected JSON.
    Http(reqwest::Error),
    /// The backend answered with an error.
    Status {
        /// The HTTP status.
        status: u16,
        /// Its error body, if it sent one.
        body: Option<ErrorBody>,
    },
}

impl ClientError {
    /// The HTTP status, when the backend answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(why) => write!(f, "backend url: {why}"),
            Self::Http(e) => write!(f, "backend unreachable: {e}"),
            Self::Status {
                status,
                body: Some(b),
            } => write!(f, "backend answered {status}: {}", b.message),
            Self::Status { status, body: None } => write!(f, "backend answered {status}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Http(e) => Some(e),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        Self::Http(e)
    }
}

/// Base URL, token and connection pool.
#[derive(Clone)]
struct Http {
    client: reqwest::Client,
    base: Url,
    token: String,
}

impl Http {
    fn new(base: &str, token: &str) -> Result<Self, ClientError> {
        let base = Url::parse(base).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ClientError::InvalidUrl(format!(
                "`{base}` is not an http:// or https:// URL"
            )));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()?;
        Ok(Self {
            client,
            base,
            token: token.to_owned(),
        })
    }

    /// The base URL with these path segments appended (each escaped).
    fn url(&self, segments: &[&str]) -> Result<Url, ClientError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| ClientError::InvalidUrl("cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        wait: Duration,
    ) -> Result<(u16, T), ClientError> {
        let response = request
            .bearer_auth(&self.token)
            .timeout(wait + REQUEST_TIMEOUT)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok((status.as_u16(), response.json().await?));
        }
        let body = response.json::<ErrorBody>().await.ok();
        Err(ClientError::Status {
            status: status.as_u16(),
            body,
        })
    }
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("base", &self.base.as_str())
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A registration just uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The registration.
    pub registration: Registration,
    /// `false` when the same QR code was already open for the site.
    pub created: bool,
}

/// The utility app's side of the API.
#[derive(Debug, Clone)]
pub struct AppClient {
    http: Http,
}

impl AppClient {
    /// A client of the backend at `backend` (e.g. `https://dso.example`),
    /// calling with `token`.
    pub fn new(backend: &str, token: &str) -> Result<Self, ClientError> {
        Ok(Self {
            http: Http::new(backend, token)?,
        })
    }

    /// Uploads a scanned QR code for `site`.
    pub async fn upload(&self, site: &str, qr: &str) -> Result<Uploaded, ClientError> {
        let url = self.http.url(&["v1", "sites", site, "registrations"])?;
        let body = Upload { qr: qr.to_owned() };
        let request = self.http.client.post(url).json(&body);
        let (status, registration) = self.http.send(request, Duration::ZERO).await?;
        Ok(Uploaded {
            registration,
            created: status == 201,
        })
    }

    /// Registration `id`; with a `wait`, the backend answers once it is
    /// final or when `wait` (at most 30 s) ends.
    pub async fn registration(&self, id: u64, wait: Duration) -> Result<Registration, ClientError> {
        let mut url = self.http.url(&["v1", "registrations", &id.to_string()])?;
        if !wait.is_zero() {
            url.query_pairs_mut()
                .append_pair("wait", &wait.as_secs().max(1).to_string());
        }
        let request = self.http.client.get(url);
        Ok(self.http.send(request, wait).await?.1)
    }

    /// Follows registration `id` until it is final or `timeout` passes;
    /// returns its last state.
    pub async fn wait_final(
        &self,
        id: u64,
        timeout: Duration,
    ) -> Result<Registration, ClientError> {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let wait = left.min(Duration::from_secs(30));
            let registration = self.registration(id, wait).await?;
            if registration.state.is_final() || left.is_zero() {
                return Ok(registration);
            }
        }
    }
}

/// The SMGW's side of the API.
#[derive(Debug, Clone)]
pub struct SmgwClient {
    http: Http,
    smgw: String,
}

impl SmgwClient {
    /// A client of the backend at `backend` for the SMGW `smgw`, calling
    /// with `token`.
    pub fn new(backend: &str, smgw: &str, token: &str) -> Result<Self, ClientError> {
        Ok(Self {
            http: Http::new(backend, token)?,
            smgw: smgw.to_owned(),
        })
    }

    /// Leases up to `limit` jobs, waiting up to `wait` (at most 30 s) for
    /// one.
    pub async fn jobs(&self, wait: Duration, limit: usize) -> Result<Vec<api::Job>, ClientError> {
        let mut url = self.http.url(&["v1", "smgw", &self.smgw, "jobs"])?;
        url.query_pairs_mut()
            .append_pair("wait", &wait.as_secs().to_string())
            .append_pair("limit", &limit.to_string());
        let request = self.http.client.get(url);
        let (_, jobs): (_, Jobs) = self.http.send(request, wait).await?;
        Ok(jobs.jobs)
    }

    /// Reports the result of job `id`.
    pub async fn report(&self, id: u64, result: &JobResult) -> Result<Registration, ClientError> {
        let url = self
            .http
            .url(&["v1", "smgw", &self.smgw, "jobs", &id.to_string(), "result"])?;
        let request = self.http.client.post(url).json(result);
        Ok(self.http.send(request, Duration::ZERO).await?.1)
    }
}

impl JobSource for SmgwClient {
    type Error = ClientError;

    async fn next_jobs(
        &self,
        wait: Duration,
        limit: usize,
    ) -> Result<Vec<mash_controller::Job>, ClientError> {
        Ok(self
            .jobs(wait, limit)
            .await?
            .into_iter()
            .map(|j| mash_controller::Job {
                id: j.id,
                qr: j.qr,
                lease: Duration::from_secs(j.lease_seconds),
            })
            .collect())
    }

    async fn report(&self, id: u64, outcome: &JobOutcome) -> Result<Ack, ClientError> {
        let result = match outcome {
            JobOutcome::Commissioned { device_id, zone_id } => JobResult::Commissioned {
                device_id: device_id.to_string(),
                zone_id: zone_id.to_string(),
            },
            JobOutcome::Failed { reason } => JobResult::Failed {
                reason: shorten(reason, MAX_REASON),
            },
            other => JobResult::Failed {
                reason: format!("{other:?}"),
            },
        };
        match SmgwClient::report(self, id, &result).await {
            Ok(_) => Ok(Ack::Accepted),
            // Malformed, gone, or not ours any more: sending it again
            // will not help.
            Err(
                e @ ClientError::Status {
                    status: 400 | 404 | 409,
                    ..
                },
            ) => Ok(Ack::Refused { why: e.to_string() }),
            Err(e) => Err(e),
        }
    }
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn shorten(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reasons_are_cut_at_a_character_boundary() {
        assert_eq!(shorten("abc", 10), "abc");
        assert_eq!(shorten("aé", 2), "a");
        assert_eq!(shorten(&"x".repeat(1500), MAX_REASON).len(), MAX_REASON);
    }

    #[test]
    fn only_http_urls_are_taken() {
        assert!(SmgwClient::new("ftp://dso.example", "smgw-1", "t").is_err());
        assert!(SmgwClient::new("not a url", "smgw-1", "t").is_err());
        let c = AppClient::new("https://dso.example/api/", "t").unwrap();
        let url = c
            .http
            .url(&["v1", "sites", "a b/c", "registrations"])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://dso.example/api/v1/sites/a%20b%2Fc/registrations"
        );
        assert!(!format!("{c:?}").contains("\"t\""));
    }
}
