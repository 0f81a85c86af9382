//! The grid operator's backend inside the demo: the real `mash-backend`
//! on a loopback port with an in-memory SQLite database, on a runtime of
//! its own with a real clock.
//!
//! The demo's house runs under tokio's paused clock, which jumps to the
//! next timer whenever its runtime has nothing to do — also while an
//! HTTP answer is on its way over a real socket, so simulated hours
//! would pass during one request. Every call to the backend therefore
//! runs on the backend's runtime inside a blocking task, and a pending
//! blocking task holds a paused clock still: simulated time stands while
//! the HTTP exchange takes its few real milliseconds.

use std::future::Future;
use std::io;
use std::time::Duration;

use mash_backend::api::Registration;
use mash_backend::{AppClient, Backend, Config, SmgwClient, Uploaded};
use mash_controller::{Ack, Job, JobOutcome, JobSource};
use serde_json::json;
use tokio::runtime::{Handle, Runtime};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The site of the demo's house and its SMGW.
pub const SITE: &str = "house-1";
const SMGW: &str = "smgw-1";

/// The server task and how to stop it.
type Server = (
    oneshot::Sender<()>,
    JoinHandle<Result<(), mash_backend::Error>>,
);

/// The running backend and the two clients' tokens.
pub struct GridBackend {
    runtime: Runtime,
    server: Option<Server>,
    url: String,
    app_token: String,
    smgw_token: String,
}

impl GridBackend {
    /// Starts it. Call outside any runtime.
    pub fn start() -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("grid-backend")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let token = || hex::encode(rand::random::<[u8; 16]>());
        let (app_token, smgw_token) = (token(), token());
        let config = Config::from_json(
            &json!({
                "sites": [{ "id": SITE, "smgw": SMGW }],
                "app_tokens": [{ "name": "utility-app", "token": app_token, "sites": [SITE] }],
                "smgw_tokens": [{ "name": SMGW, "token": smgw_token, "smgw": SMGW }]
            })
            .to_string(),
        )
        .map_err(|e| e.to_string())?;
        let (stop, stopped) = oneshot::channel::<()>();
        let (url, server) = runtime
            .block_on(async {
                let backend = Backend::open(config, "sqlite::memory:").await?;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let url = format!("http://{}", listener.local_addr()?);
                let server = tokio::spawn(backend.serve(listener, async {
                    let _ = stopped.await;
                }));
                Ok::<_, mash_backend::Error>((url, server))
            })
            .map_err(|e| e.to_string())?;
        Ok(Self {
            runtime,
            server: Some((stop, server)),
            url,
            app_token,
            smgw_token,
        })
    }

    /// Where it listens.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The utility app's client.
    pub fn app(&self) -> Result<UtilityApp, String> {
        Ok(UtilityApp {
            client: AppClient::new(&self.url, &self.app_token).map_err(|e| e.to_string())?,
            held: Held(self.runtime.handle().clone()),
        })
    }

    /// The SMGW's job source.
    pub fn jobs(&self) -> Result<SmgwJobs, String> {
        Ok(SmgwJobs {
            client: SmgwClient::new(&self.url, SMGW, &self.smgw_token)
                .map_err(|e| e.to_string())?,
            held: Held(self.runtime.handle().clone()),
        })
    }

    /// Shuts it down gracefully. Call outside any runtime.
    pub fn stop(mut self) -> Result<(), String> {
        if let Some((stop, server)) = self.server.take() {
            let _ = stop.send(());
            self.runtime
                .block_on(server)
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        }
        self.runtime.shutdown_timeout(Duration::from_secs(5));
        Ok(())
    }
}

/// Runs futures on the backend's runtime with the caller's (paused)
/// clock held still (see the module docs).
#[derive(Clone)]
struct Held(Handle);

impl Held {
    async fn run<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> io::Result<T> {
        let handle = self.0.clone();
        tokio::task::spawn_blocking(move || handle.block_on(f))
            .await
            .map_err(io::Error::other)
    }
}

/// The utility app.
pub struct UtilityApp {
    client: AppClient,
    held: Held,
}

impl UtilityApp {
    /// Uploads a scanned QR code for the demo's site.
    pub async fn upload(&self, qr: &str) -> Result<Uploaded, String> {
        let (c, qr) = (self.client.clone(), qr.to_owned());
        flatten(
            self.held
                .run(async move { c.upload(SITE, &qr).await })
                .await,
        )
    }

    /// The registration's state now.
    pub async fn status(&self, id: u64) -> Result<Registration, String> {
        let c = self.client.clone();
        flatten(
            self.held
                .run(async move { c.registration(id, Duration::ZERO).await })
                .await,
        )
    }
}

/// The SMGW's job source: the backend's SMGW client, held.
pub struct SmgwJobs {
    client: SmgwClient,
    held: Held,
}

impl JobSource for SmgwJobs {
    type Error = io::Error;

    async fn next_jobs(&self, wait: Duration, limit: usize) -> io::Result<Vec<Job>> {
        let c = self.client.clone();
        self.held
            .run(async move { c.next_jobs(wait, limit).await })
            .await?
            .map_err(io::Error::other)
    }

    async fn report(&self, id: u64, outcome: &JobOutcome) -> io::Result<Ack> {
        let (c, outcome) = (self.client.clone(), outcome.clone());
        self.held
            .run(async move { JobSource::report(&c, id, &outcome).await })
            .await?
            .map_err(io::Error::other)
    }
}

fn flatten<T>(r: io::Result<Result<T, mash_backend::ClientError>>) -> Result<T, String> {
    r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())
}
