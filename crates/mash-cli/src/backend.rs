//! `mash backend`: the grid operator's backend for delegated
//! commissioning, on mash-backend.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use mash_backend::{Backend, Config};

use crate::output::Output;

const CONFIG_HELP: &str = r#"The configuration file (JSON) lists the sites, each served by one SMGW,
and the bearer tokens: app tokens may upload to and read their sites,
SMGW tokens may fetch and answer the jobs of one SMGW ID. Tokens are at
least 16 characters (e.g. `openssl rand -hex 32`). `jobs` is optional.

{
  "sites": [ { "id": "site-42", "smgw": "smgw-1" } ],
  "app_tokens": [
    { "name": "utility-app", "token": "app-6f1c2b9e4d7a8f3c", "sites": ["site-42"] }
  ],
  "smgw_tokens": [
    { "name": "smgw-1", "token": "smgw-0b5e8d2a7c4f9e1d", "smgw": "smgw-1" }
  ],
  "jobs": { "lease_seconds": 900, "max_attempts": 3, "expire_after_seconds": 604800 }
}

The same example is crates/mash-backend/examples/backend.json. The API
(JSON under /v1, documented in mash-backend's `api` module):
  POST /v1/sites/{site}/registrations      {"qr": "MASH:1:1234:20202021"}
  GET  /v1/registrations/{id}[?wait=s]
  GET  /v1/smgw/{smgw}/jobs?wait=s         (long-poll; leases the jobs)
  POST /v1/smgw/{smgw}/jobs/{id}/result    {"status": "commissioned", ...}
  GET  /v1/health"#;

/// Flags of `mash backend`.
#[derive(Debug, Args)]
#[command(after_long_help = CONFIG_HELP)]
pub struct BackendArgs {
    /// Address to serve plain HTTP on; put a TLS proxy in front of it.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The database: sqlite://FILE (created if missing) or sqlite::memory:.
    #[arg(long, default_value = "sqlite://mash-backend.db")]
    pub db: String,
    /// The configuration file: sites, tokens, job leases (see --help).
    #[arg(long)]
    pub config: PathBuf,
}

/// Serves until Ctrl-C or SIGTERM, then shuts down gracefully.
pub async fn run(args: BackendArgs, out: Output) -> Result<(), String> {
    let err = |e: mash_backend::Error| e.to_string();
    let config = Config::load(&args.config).map_err(err)?;
    let sites = config.sites.len();
    let backend = Backend::open(config, &args.db).await.map_err(err)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("--listen {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    out.banner(
        &format!("backend listening on http://{address}"),
        &[("db", args.db.clone()), ("sites", sites.to_string())],
    );
    backend.serve(listener, stop_signal()).await.map_err(err)
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
