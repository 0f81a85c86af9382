//! `mash app`: what the utility's app does in delegated commissioning
//! (DEC-019) — upload a scanned QR code to the grid operator's backend,
//! then follow it until the SMGW has commissioned the device.

use std::time::Duration;

use clap::{Args, Subcommand};
use mash_backend::AppClient;
use mash_backend::api::{Registration, State};
use serde_json::json;

use crate::args;
use crate::output::Output;

/// Flags of `mash app`.
#[derive(Debug, Args)]
pub struct AppArgs {
    #[command(subcommand)]
    pub command: AppCommand,
}

/// Where the backend is and who is calling.
#[derive(Debug, Args)]
pub struct Backend {
    /// The grid operator's backend, e.g. https://dso.example or
    /// http://127.0.0.1:8080.
    #[arg(long, env = "MASH_BACKEND")]
    pub backend: String,
    /// The app's bearer token; better given in the environment
    /// (MASH_TOKEN) than on the command line.
    #[arg(long, env = "MASH_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Upload a scanned QR code for a site; the site's SMGW then
    /// commissions the device. Uploading the same code again while it is
    /// open answers with the same registration.
    Upload {
        #[command(flatten)]
        backend: Backend,
        /// The site (installation) the device belongs to.
        #[arg(long)]
        site: String,
        /// The QR string from the device's label, e.g. MASH:1:1234:20202021.
        #[arg(long)]
        qr: String,
    },
    /// Where an upload stands: waiting for the SMGW, being commissioned,
    /// commissioned (with the device ID) or failed (with the reason).
    Status {
        #[command(flatten)]
        backend: Backend,
        /// The registration ID that `upload` printed.
        #[arg(long)]
        id: u64,
        /// Wait until it is commissioned or failed (exits with an error if
        /// it failed or is still open after --timeout).
        #[arg(long)]
        wait: bool,
        /// How long --wait waits, e.g. 10m.
        #[arg(long, default_value = "10m", value_parser = args::duration)]
        timeout: Duration,
    },
}

/// Runs one app command.
pub async fn run(args: AppArgs, out: Output) -> Result<(), String> {
    let err = |e: mash_backend::ClientError| e.to_string();
    match args.command {
        AppCommand::Upload { backend, site, qr } => {
            let app = AppClient::new(&backend.backend, &backend.token).map_err(err)?;
            let up = app.upload(&site, &qr).await.map_err(err)?;
            let r = &up.registration;
            if out.json {
                out.value(&json!({ "created": up.created, "registration": r }));
            } else {
                let what = if up.created {
                    "uploaded"
                } else {
                    "already uploaded"
                };
                println!(
                    "{what}: registration {} for {}: {}",
                    r.id,
                    r.site,
                    sentence(r)
                );
            }
        }
        AppCommand::Status {
            backend,
            id,
            wait,
            timeout,
        } => {
            let app = AppClient::new(&backend.backend, &backend.token).map_err(err)?;
            let r = if wait {
                app.wait_final(id, timeout).await
            } else {
                app.registration(id, Duration::ZERO).await
            }
            .map_err(err)?;
            if out.json {
                out.value(&json!(r));
            } else {
                println!("registration {}: {}", r.id, sentence(&r));
            }
            if wait && r.state != State::Commissioned {
                return Err(format!("registration {} is {}", r.id, r.state));
            }
        }
    }
    Ok(())
}

/// What the utility app shows.
pub fn sentence(r: &Registration) -> String {
    match r.state {
        State::Pending => "waiting for the grid operator's SMGW to pick it up".into(),
        State::Delivered => format!(
            "the grid operator's SMGW is commissioning the device (attempt {})",
            r.attempts
        ),
        State::Commissioned => format!(
            "commissioned by the grid operator's SMGW (device ID {})",
            r.device_id.as_deref().unwrap_or("?")
        ),
        State::Failed => format!(
            "failed: {}",
            r.reason.as_deref().unwrap_or("no reason given")
        ),
    }
}
