//! A backend on a router (no sockets) with a manual clock, and requests
//! against it.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use mash_backend::{Backend, Config, ManualClock, SqliteStore};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const APP: &str = "app-token-0000000001";
pub const OTHER_APP: &str = "app-token-0000000002";
pub const SMGW: &str = "smgw-token-00000001";
pub const OTHER_SMGW: &str = "smgw-token-00000002";
pub const QR: &str = "MASH:1:1234:20202021";
pub const LEASE_SECONDS: u64 = 60;

/// Two sites of smgw-1 (for `APP`), one of smgw-2 (for `OTHER_APP`);
/// 60 s leases, 2 attempts.
pub fn config() -> Config {
    Config::from_json(
        &json!({
            "sites": [
                { "id": "site-42", "smgw": "smgw-1" },
                { "id": "site-43", "smgw": "smgw-1" },
                { "id": "site-7", "smgw": "smgw-2" }
            ],
            "app_tokens": [
                { "name": "app", "token": APP, "sites": ["site-42", "site-43"] },
                { "name": "other-app", "token": OTHER_APP, "sites": ["site-7"] }
            ],
            "smgw_tokens": [
                { "name": "smgw-1", "token": SMGW, "smgw": "smgw-1" },
                { "name": "smgw-2", "token": OTHER_SMGW, "smgw": "smgw-2" }
            ],
            "jobs": { "lease_seconds": LEASE_SECONDS, "max_attempts": 2, "expire_after_seconds": 86400 }
        })
        .to_string(),
    )
    .unwrap()
}

pub struct Api {
    pub backend: Backend,
    pub router: Router,
    pub clock: ManualClock,
}

/// An answer: status, JSON body (Null when empty), headers.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Api {
    pub async fn in_memory() -> Self {
        Self::open("sqlite::memory:").await
    }

    pub async fn open(url: &str) -> Self {
        let store = SqliteStore::connect(url).await.unwrap();
        let clock = ManualClock::new(1_700_000_000_000);
        let backend = Backend::with_store(config(), store, clock.clone())
            .await
            .unwrap();
        Self {
            router: backend.router(),
            backend,
            clock,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let request = match body {
            Some(b) => request
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn upload(&self, site: &str, qr: &str) -> Answer {
        let uri = format!("/v1/sites/{site}/registrations");
        self.call(Method::POST, &uri, Some(APP), Some(json!({ "qr": qr })))
            .await
    }

    pub async fn status(&self, id: u64) -> Value {
        let a = self
            .call(
                Method::GET,
                &format!("/v1/registrations/{id}"),
                Some(APP),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        a.body
    }

    /// smgw-1's jobs, waiting up to `wait` s.
    pub async fn poll(&self, wait: u64) -> Vec<Value> {
        let uri = format!("/v1/smgw/smgw-1/jobs?wait={wait}");
        let a = self.call(Method::GET, &uri, Some(SMGW), None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        a.body["jobs"].as_array().unwrap().clone()
    }

    pub async fn report(&self, id: u64, result: Value) -> Answer {
        let uri = format!("/v1/smgw/smgw-1/jobs/{id}/result");
        self.call(Method::POST, &uri, Some(SMGW), Some(result))
            .await
    }

    /// The row as stored: (state, qr).
    pub async fn row(&self, id: u64) -> (String, Option<String>) {
        sqlx::query_as("SELECT state, qr FROM registrations WHERE id = ?")
            .bind(id as i64)
            .fetch_one(self.backend.store().pool())
            .await
            .unwrap()
    }
}

pub fn commissioned() -> Value {
    json!({ "status": "commissioned", "device_id": "3001aa3902e6e02c", "zone_id": "a1b2c3d4e5f60718" })
}
