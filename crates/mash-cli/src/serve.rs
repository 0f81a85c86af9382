//! `mash controller serve`: the SMGW's side of delegated commissioning
//! (DEC-019) — mash-controller's `JobRunner` on the backend's
//! `SmgwClient` — plus `watch` for every device of the zone, old and new.

use std::time::Duration;

use clap::Args;
use mash_backend::SmgwClient;
use mash_controller::{Controller, JobEvent, JobRunner, Locate, TlsDialer};
use mash_transport::Target;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::args;
use crate::output::Output;
use crate::watch;

/// Flags of `mash controller serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The grid operator's backend, e.g. https://dso.example or
    /// http://127.0.0.1:8080.
    #[arg(long, env = "MASH_BACKEND")]
    pub backend: String,
    /// This SMGW's ID at the backend (its configuration maps sites to it).
    #[arg(long)]
    pub smgw_id: String,
    /// This SMGW's bearer token; better given in the environment
    /// (MASH_TOKEN) than on the command line.
    #[arg(long, env = "MASH_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Commission every job's device at this address (host:port) instead
    /// of finding it on mDNS by the discriminator in its QR code.
    #[arg(long)]
    pub address: Option<String>,
    /// How long to look for a job's device on mDNS (never past the job's
    /// lease), e.g. 10m.
    #[arg(long, default_value = "10m", value_parser = args::duration)]
    pub deadline: Duration,
    /// Endpoint with EnergyControl, for the status lines.
    #[arg(long, default_value_t = 1)]
    pub endpoint: u8,
}

/// Runs until Ctrl-C.
pub async fn run(c: &Controller<TlsDialer>, args: &ServeArgs, out: Output) -> Result<(), String> {
    let source =
        SmgwClient::new(&args.backend, &args.smgw_id, &args.token).map_err(|e| e.to_string())?;
    let locate = match &args.address {
        Some(address) => Locate::Address(
            address
                .parse::<Target>()
                .map_err(|e| format!("--address: {e}"))?,
        ),
        None => Locate::Discovery {
            deadline: args.deadline,
        },
    };
    out.banner(
        "serving delegated commissioning",
        &[
            ("backend", args.backend.clone()),
            ("smgw", args.smgw_id.clone()),
            ("zone", format!("{} ({})", c.zone_name(), c.zone_type())),
            ("devices", c.devices().len().to_string()),
        ],
    );
    let mut watchers = JoinSet::new();
    for record in c.devices() {
        let handle = c.connect(record.device_id).map_err(|e| e.to_string())?;
        watchers.spawn(watch::follow(c.clone(), handle, args.endpoint, out));
    }

    let mut runner = JobRunner::new(c.clone(), source, locate);
    let (events, mut seen) = mpsc::unbounded_channel();
    let running = runner.run(move |e| drop(events.send(e)));
    tokio::pin!(running);
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            () = &mut running => break,
            Some(event) = seen.recv() => {
                if let JobEvent::Commissioned { device, .. } = &event {
                    watchers.spawn(watch::follow(c.clone(), device.handle.clone(), args.endpoint, out));
                }
                if let Some(line) = describe(&event) {
                    out.event(&line);
                }
            }
            Some(_) = watchers.join_next(), if !watchers.is_empty() => {}
        }
    }
    Ok(())
}

/// A line for the operator.
fn describe(event: &JobEvent) -> Option<String> {
    Some(match event {
        JobEvent::Received { job } => format!("job {job}: commissioning"),
        JobEvent::Commissioned { job, device } => format!(
            "job {job}: commissioned device {} into zone {}",
            device.device_id(),
            device.zone_id()
        ),
        JobEvent::Failed { job, reason } => format!("job {job}: failed: {reason}"),
        JobEvent::Repeated { job } => format!("job {job}: handed out again; reporting it again"),
        JobEvent::Reported { job } => format!("job {job}: reported to the backend"),
        JobEvent::ReportRefused { job, why } => {
            format!("job {job}: the backend refused the result: {why}")
        }
        JobEvent::SourceError { error, retry_in } => {
            format!("backend: {error}; trying again in {} s", retry_in.as_secs())
        }
        _ => return None,
    })
}
