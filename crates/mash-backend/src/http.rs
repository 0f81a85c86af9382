//! The routes (see [`api`](crate::api) for the table): extract,
//! authenticate, call [`App`], answer JSON. Every rejection becomes an
//! [`Error`], so every error answer has the same shape.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tracing::{debug, info, warn};

use crate::api::{Health, JobResult, Jobs, Registration, Upload};
use crate::app::{App, DEFAULT_LIMIT};
use crate::error::Error;
use crate::store::Store;

type Shared<S> = State<Arc<App<S>>>;

/// Largest request body.
const MAX_BODY: usize = 16 * 1024;

/// The API's router.
pub(crate) fn router<S: Store>(app: Arc<App<S>>) -> Router {
    Router::new()
        .route("/v1/health", get(health::<S>))
        .route("/v1/sites/{site}/registrations", post(upload::<S>))
        .route("/v1/registrations/{id}", get(registration::<S>))
        .route("/v1/smgw/{smgw}/jobs", get(jobs::<S>))
        .route("/v1/smgw/{smgw}/jobs/{id}/result", post(result::<S>))
        .fallback(|| async { Error::NotFound })
        // A QR code or a result is a few hundred bytes.
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(log_request))
        .with_state(app)
}

/// `?wait=<seconds>&limit=<n>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PollQuery {
    wait: Option<u64>,
    limit: Option<u32>,
}

impl PollQuery {
    fn wait(&self) -> Duration {
        Duration::from_secs(self.wait.unwrap_or(0))
    }
}

fn query(q: Result<Query<PollQuery>, QueryRejection>) -> Result<PollQuery, Error> {
    q.map(|Query(q)| q)
        .map_err(|e| Error::InvalidRequest(e.body_text()))
}

/// A registration ID from the path; anything else is not found.
fn id(raw: &str) -> Result<i64, Error> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Error::NotFound)
}

async fn health<S: Store>(State(app): Shared<S>) -> (StatusCode, Json<Health>) {
    match app.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
            }),
        ),
        Err(e) => {
            warn!(error = %e, "health check: database does not answer");
            let status = "unavailable".into();
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status }))
        }
    }
}

async fn upload<S: Store>(
    State(app): Shared<S>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<Upload>, JsonRejection>,
) -> Result<Response, Error> {
    let caller = app.authenticate(&headers)?;
    let Path(site) = path.map_err(|_| Error::NotFound)?;
    let Json(upload) = body.map_err(|e| Error::InvalidRequest(e.body_text()))?;
    let (registration, created) = app.upload(caller, &site, &upload.qr).await?;
    if !created {
        return Ok((StatusCode::OK, Json(registration)).into_response());
    }
    let mut response = (StatusCode::CREATED, Json(&registration)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/registrations/{}", registration.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn registration<S: Store>(
    State(app): Shared<S>,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<PollQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Registration>, Error> {
    let caller = app.authenticate(&headers)?;
    let Path(raw) = path.map_err(|_| Error::NotFound)?;
    let q = query(q)?;
    Ok(Json(app.registration(caller, id(&raw)?, q.wait()).await?))
}

async fn jobs<S: Store>(
    State(app): Shared<S>,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<PollQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Jobs>, Error> {
    let caller = app.authenticate(&headers)?;
    let Path(smgw) = path.map_err(|_| Error::NotFound)?;
    let q = query(q)?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    let jobs = app.jobs(caller, &smgw, q.wait(), limit).await?;
    Ok(Json(Jobs { jobs }))
}

async fn result<S: Store>(
    State(app): Shared<S>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<JobResult>, JsonRejection>,
) -> Result<Json<Registration>, Error> {
    let caller = app.authenticate(&headers)?;
    let Path((smgw, raw)) = path.map_err(|_| Error::NotFound)?;
    // The caller's scope before the job's existence.
    caller.require_smgw(&smgw)?;
    let id = id(&raw)?;
    let Json(result) = body.map_err(|e| Error::InvalidRequest(e.body_text()))?;
    Ok(Json(app.result(caller, &smgw, id, result).await?))
}

/// One log line per request: method, path, status, time. Bodies (which
/// hold setup codes) and headers (tokens) are never logged.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis();
    if response.status().is_server_error() {
        warn!(%method, %path, status, ms, "request");
    } else if response.status().is_client_error() {
        info!(%method, %path, status, ms, "request");
    } else {
        debug!(%method, %path, status, ms, "request");
    }
    response
}
