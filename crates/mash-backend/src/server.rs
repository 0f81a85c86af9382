//! [`Backend`]: opens the store, serves the API, shuts down gracefully.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tracing::info;

use crate::app::App;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::error::Error;
use crate::http;
use crate::store::{SqliteStore, Store};

/// The grid operator's backend. See the [crate docs](crate).
pub struct Backend<S: Store = SqliteStore> {
    app: Arc<App<S>>,
}

impl<S: Store> std::fmt::Debug for Backend<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("policy", &self.app.policy)
            .finish_non_exhaustive()
    }
}

impl Backend<SqliteStore> {
    /// Opens the SQLite database at `database_url` (`sqlite://backend.db`,
    /// `sqlite::memory:`; created if missing, migrated to the current
    /// schema) and prepares the API for `config`.
    pub async fn open(config: Config, database_url: &str) -> Result<Self, Error> {
        let store = SqliteStore::connect(database_url).await?;
        Self::with_store(config, store, SystemClock).await
    }
}

impl<S: Store> Backend<S> {
    /// The API on `store`, reading the time from `clock`. Writes the
    /// configured sites into the store.
    pub async fn with_store(config: Config, store: S, clock: impl Clock) -> Result<Self, Error> {
        let sites: Vec<(String, String)> = config
            .sites
            .iter()
            .map(|s| (s.id.clone(), s.smgw.clone()))
            .collect();
        store.sync_sites(&sites).await?;
        Ok(Self {
            app: Arc::new(App::new(config, store, Arc::new(clock))),
        })
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.app.store
    }

    /// The API as an axum router (for tests, or to nest it in a larger
    /// service).
    pub fn router(&self) -> Router {
        http::router(self.app.clone())
    }

    /// Fails registrations that are out of attempts or time now. The
    /// server also does so before every poll and periodically (every
    /// quarter lease, at most every minute).
    pub async fn sweep(&self) -> Result<(), Error> {
        self.app.sweep().await
    }

    /// Serves the API on `listener` until `shutdown` completes; then
    /// answers waiting long-polls at once, lets requests in flight
    /// finish, and closes the store.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let app = self.app.clone();
        let every = (app.policy.lease / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
        let sweeper = {
            let app = app.clone();
            tokio::spawn(async move { app.sweep_periodically(every).await })
        };
        let stop = app.stop.clone();
        if let Ok(addr) = listener.local_addr() {
            info!(%addr, "backend listening");
        }
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(async move {
                shutdown.await;
                info!("backend shutting down");
                stop.send_replace(true);
            })
            .await;
        stop_and_close(&app).await;
        let _ = sweeper.await;
        served.map_err(Error::Io)
    }

    /// Ends long-polls and closes the store (after [`router`](Self::router)
    /// use without [`serve`](Self::serve)).
    pub async fn close(&self) {
        stop_and_close(&self.app).await;
    }
}

async fn stop_and_close<S: Store>(app: &App<S>) {
    app.stop.send_replace(true);
    app.store.close().await;
}
