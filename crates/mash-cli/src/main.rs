//! `mash`: run a MASH device, a controller (EMS or SMGW), the grid
//! operator's backend and the utility app's side of delegated
//! commissioning, or the multi-controller demo.

mod app;
mod args;
mod backend;
mod controller;
mod demo;
mod device;
mod output;
mod serve;
mod values;
mod watch;

use clap::{Parser, Subcommand};

use output::Output;

/// MASH 1.0 devices and controllers.
#[derive(Debug, Parser)]
#[command(name = "mash", version, about, long_about = None)]
struct Cli {
    /// Print JSON lines (for scripts) instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Log level filter (error, warn, info, debug, trace, or a tracing filter).
    #[arg(long, global = true, default_value = "warn", env = "MASH_LOG")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a simulated device (EV charger, heat pump or battery).
    Device(device::DeviceArgs),
    /// Act as a controller: an EMS (LOCAL zone) or an SMGW (GRID zone).
    Controller(controller::ControllerArgs),
    /// Run the grid operator's backend for delegated commissioning: the
    /// utility app uploads QR codes, SMGWs fetch them as jobs.
    Backend(backend::BackendArgs),
    /// Act as the utility's app: upload a scanned QR code to the grid
    /// operator's backend and follow it.
    App(app::AppArgs),
    /// The multi-controller scenario end to end: an EV charger, a home EMS
    /// and a grid operator's SMGW on a simulated network and clock.
    Demo,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log))
        .with_writer(std::io::stderr)
        .init();
    let out = Output { json: cli.json };
    let result = match cli.command {
        Command::Device(args) => device::run(args, out).await,
        Command::Controller(args) => controller::run(args, out).await,
        Command::Backend(args) => backend::run(args, out).await,
        Command::App(args) => app::run(args, out).await,
        Command::Demo => tokio::task::spawn_blocking(move || demo::run(out))
            .await
            .unwrap_or_else(|e| Err(e.to_string())),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
