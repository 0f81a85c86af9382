//! `mash controller`: an EMS (LOCAL) or SMGW (GRID) zone owner.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use mash_controller::{
    Controller, ControllerConfig, DeviceHandle, DiscoveryConfig, SetLimit, SubscriptionEvent,
    TlsDialer,
};
use mash_core::cbor::Map;
use mash_core::commissioning::{Discriminator, SetupCode};
use mash_core::ids::DeviceId;
use mash_core::interaction::SubscribePayload;
use mash_core::model::features::energy_control::LimitCause;
use mash_core::model::features::shared::Direction;
use mash_core::zone::ZoneType;
use mash_discovery::InterfaceConfig;
use mash_pki::UnixTime;
use mash_transport::Target;
use serde_json::json;

use crate::args;
use crate::output::Output;
use crate::{values, watch};

/// Which zone this controller owns.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ZoneKind {
    /// A home or building energy manager (priority 2).
    Local,
    /// A grid operator / smart meter gateway (priority 1).
    Grid,
}

/// Flags of `mash controller`.
#[derive(Debug, Args)]
pub struct ControllerArgs {
    /// Directory holding the zone CA, the controller's certificate and the device registry.
    #[arg(long, default_value = "mash-controller-state")]
    pub state_dir: PathBuf,
    /// Zone type, fixed when the state directory is created.
    #[arg(long, value_enum, default_value = "local")]
    pub zone_type: ZoneKind,
    /// Zone name, written into the zone CA when the state directory is created.
    #[arg(long, default_value = "Home EMS")]
    pub zone_name: String,
    /// Use mDNS on this interface (repeat the flag for several): to find
    /// devices to commission, and to find a device again when its address
    /// changed. Without it, mDNS uses the host's only network interface,
    /// if it has exactly one.
    #[arg(long = "mdns-interface", global = true)]
    pub mdns_interfaces: Vec<String>,
    /// Host name to use on mDNS (default: the system's).
    #[arg(long, global = true)]
    pub mdns_host_name: Option<String>,
    #[command(subcommand)]
    pub command: ControllerCommand,
}

/// Which device, when the registry holds several.
#[derive(Debug, Args)]
pub struct Target_ {
    /// Device ID (16 hex); may be left out when exactly one device is registered.
    #[arg(long)]
    pub device: Option<String>,
    /// Endpoint.
    #[arg(long, default_value_t = 1)]
    pub endpoint: u8,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum ControllerCommand {
    /// Commission a device: at --address, or found on mDNS by its
    /// discriminator (--discriminator or the QR string).
    Commission {
        /// Device address: host:port, 192.0.2.7:8443, [2001:db8::7]:8443 or
        /// [fe80::7%eth0]:8443. Without it the device is found on mDNS.
        #[arg(long)]
        address: Option<String>,
        /// The 8-digit setup code.
        #[arg(long, conflicts_with = "qr")]
        setup_code: Option<String>,
        /// The QR string, e.g. MASH:1:1234:20202021.
        #[arg(long)]
        qr: Option<String>,
        /// The device's discriminator (0-4095, from its label), to find it
        /// on mDNS; the QR string carries it too.
        #[arg(long, conflicts_with_all = ["qr", "address"])]
        discriminator: Option<u16>,
        /// How long to look for the device on mDNS, e.g. 30s, 1h. If it does
        /// not answer within --browse-timeout, a pairing request asks it to
        /// open its commissioning window.
        #[arg(long, default_value = "1h", value_parser = args::duration)]
        deadline: Duration,
        /// How long to browse before announcing a pairing request.
        #[arg(long, default_value = "10s", value_parser = args::duration)]
        browse_timeout: Duration,
    },
    /// List the devices of this zone.
    Devices,
    /// Read attributes (all when none is named).
    Read {
        #[command(flatten)]
        target: Target_,
        /// Feature: name (energy-control, measurement, ...) or number.
        #[arg(long)]
        feature: String,
        /// Attribute name or ID; repeat for several.
        #[arg(long = "attr")]
        attrs: Vec<String>,
    },
    /// Write attributes.
    Write {
        #[command(flatten)]
        target: Target_,
        /// Feature name or number.
        #[arg(long)]
        feature: String,
        /// attribute=value (null, true, false, an integer, or text); repeat for several.
        #[arg(long = "set", required = true)]
        values: Vec<String>,
    },
    /// Invoke a command.
    Invoke {
        #[command(flatten)]
        target: Target_,
        /// Feature name or number.
        #[arg(long)]
        feature: String,
        /// Command name or number.
        #[arg(long)]
        command: String,
        /// parameter=value; repeat for several.
        #[arg(long = "param")]
        params: Vec<String>,
    },
    /// Subscribe and print the priming report and every notification until Ctrl-C.
    Subscribe {
        #[command(flatten)]
        target: Target_,
        /// Feature name or number.
        #[arg(long)]
        feature: String,
        /// Attribute name or ID; repeat for several (all when none).
        #[arg(long = "attr")]
        attrs: Vec<String>,
        /// Minimum time between reports.
        #[arg(long, default_value = "1s", value_parser = args::duration)]
        min: Duration,
        /// Maximum time without a report (heartbeat).
        #[arg(long, default_value = "60s", value_parser = args::duration)]
        max: Duration,
    },
    /// Set or clear this zone's power limit.
    Limit {
        #[command(subcommand)]
        action: LimitAction,
    },
    /// What the device does and who decides it, in a sentence.
    Status {
        #[command(flatten)]
        target: Target_,
    },
    /// Stay connected to every device of this zone and print a status line
    /// whenever control changes (what the zone's app would show). Keeps the
    /// zone connected, so the devices do not fall back to failsafe.
    Watch {
        /// Endpoint with EnergyControl.
        #[arg(long, default_value_t = 1)]
        endpoint: u8,
    },
    /// Remove this zone from the device.
    Remove {
        #[command(flatten)]
        target: Target_,
    },
    /// Delegated commissioning (an SMGW without a user interface): fetch
    /// the QR codes users upload through the utility's app from the grid
    /// operator's backend, commission each device, report the result; and
    /// stay connected to the zone's devices, printing a line whenever
    /// control changes (as `watch` does). Runs until Ctrl-C.
    Serve(crate::serve::ServeArgs),
}

/// `limit set` / `limit clear`.
#[derive(Debug, Subcommand)]
pub enum LimitAction {
    /// Set a consumption and/or production limit.
    Set {
        #[command(flatten)]
        target: Target_,
        /// Consumption limit, e.g. 3.7kW.
        #[arg(long, value_parser = args::power_mw)]
        consumption: Option<i64>,
        /// Production (feed-in) limit.
        #[arg(long, value_parser = args::power_mw)]
        production: Option<i64>,
        /// How long it holds (until cleared if left out), e.g. 30m.
        #[arg(long, value_parser = args::duration)]
        duration: Option<Duration>,
        /// Why: grid-emergency, grid-optimization, local-protection, local-optimization, user-preference.
        #[arg(long, default_value = "local-optimization")]
        cause: String,
    },
    /// Clear this zone's limits.
    Clear {
        #[command(flatten)]
        target: Target_,
        /// consumption or production; both when left out.
        #[arg(long)]
        direction: Option<String>,
    },
}

async fn open(
    args: &ControllerArgs,
    discovery: Option<DiscoveryConfig>,
) -> Result<Controller<TlsDialer>, String> {
    let zone_type = match args.zone_type {
        ZoneKind::Local => ZoneType::Local,
        ZoneKind::Grid => ZoneType::Grid,
    };
    let mut config = ControllerConfig::new(&args.state_dir, zone_type, &args.zone_name);
    config.discovery = discovery;
    let dialer = TlsDialer::new().map_err(|e| e.to_string())?;
    Controller::open(config, dialer)
        .await
        .map_err(|e| e.to_string())
}

async fn connect(c: &Controller<TlsDialer>, t: &Target_) -> Result<DeviceHandle, String> {
    let id: DeviceId = match &t.device {
        Some(d) => d
            .parse()
            .map_err(|_| format!("--device: `{d}` is not a 16-hex device ID"))?,
        None => match c.devices().as_slice() {
            [one] => one.device_id,
            [] => return Err("no device commissioned yet (mash controller commission ...)".into()),
            _ => return Err("several devices: say which with --device".into()),
        },
    };
    let handle = c.connect(id).map_err(|e| e.to_string())?;
    handle
        .wait_connected(Duration::from_secs(15))
        .await
        .map_err(|e| format!("cannot reach {id}: {e}"))?;
    Ok(handle)
}

fn cause(s: &str) -> Result<LimitCause, String> {
    LimitCause::from_spec_name(&s.replace('-', "_").to_ascii_uppercase())
        .ok_or_else(|| format!("unknown cause `{s}`"))
}

fn direction(s: &str) -> Result<Direction, String> {
    Direction::from_spec_name(&s.to_ascii_uppercase())
        .ok_or_else(|| format!("unknown direction `{s}`"))
}

/// The mDNS settings for this command (INTEROP.md §9). Named interfaces
/// are used as given. Without names, the host's single usable interface
/// is used; if there is none or several, commissioning by discriminator
/// fails with the reason, and other commands go on without mDNS (they then
/// cannot follow a device that moved).
fn discovery(args: &ControllerArgs) -> Result<Option<DiscoveryConfig>, String> {
    if matches!(args.command, ControllerCommand::Devices) {
        // Lists the registry; reaches no device.
        return Ok(None);
    }
    let needed = match &args.command {
        ControllerCommand::Commission { address, .. } => address.is_none(),
        ControllerCommand::Serve(serve) => serve.address.is_none(),
        _ => false,
    };
    let mut config = if args.mdns_interfaces.is_empty() {
        let fits = mash_discovery::interfaces::host_interfaces()
            .map_err(|e| e.to_string())
            .and_then(|all| {
                InterfaceConfig::default()
                    .select(&all)
                    .map(drop)
                    .map_err(|e| e.to_string())
            });
        match fits {
            Ok(()) => DiscoveryConfig::default(),
            Err(why) if needed => return Err(format!("mDNS: {why} (use --mdns-interface)")),
            Err(why) => {
                tracing::debug!(%why, "mDNS off");
                return Ok(None);
            }
        }
    } else {
        DiscoveryConfig::on_interfaces(args.mdns_interfaces.clone())
    };
    config.mdns.host_name.clone_from(&args.mdns_host_name);
    if let ControllerCommand::Commission { browse_timeout, .. } = &args.command {
        config.browse_timeout = *browse_timeout;
    }
    Ok(Some(config))
}

/// Runs one controller command.
pub async fn run(args: ControllerArgs, out: Output) -> Result<(), String> {
    let c = open(&args, discovery(&args)?).await?;
    let result = dispatch(&c, &args.command, out).await;
    c.shutdown().await;
    result
}

async fn dispatch(
    c: &Controller<TlsDialer>,
    command: &ControllerCommand,
    out: Output,
) -> Result<(), String> {
    let err = |e: mash_controller::Error| e.to_string();
    match command {
        ControllerCommand::Commission {
            address,
            setup_code,
            qr,
            discriminator,
            deadline,
            browse_timeout: _,
        } => {
            let code = setup_code
                .as_deref()
                .map(SetupCode::parse)
                .transpose()
                .map_err(|e| format!("--setup-code: {e}"))?;
            let done = match (address, code, qr, discriminator) {
                (Some(address), code, qr, _) => {
                    let target: Target = address.parse().map_err(|e| format!("--address: {e}"))?;
                    match (code, qr) {
                        (Some(code), _) => c.commission(&target, code).await,
                        (None, Some(qr)) => c.commission_qr(&target, qr).await,
                        (None, None) => return Err("give --setup-code or --qr".into()),
                    }
                }
                (None, _, Some(qr), _) => c.commission_qr_discovered(qr, *deadline).await,
                (None, Some(code), None, Some(d)) => {
                    let d = Discriminator::new(*d)
                        .ok_or_else(|| format!("--discriminator: {d} is not 0-4095"))?;
                    out.event(&format!(
                        "looking for the device with discriminator {} on mDNS",
                        d.value()
                    ));
                    c.commission_discovered(d, code, *deadline).await
                }
                (None, Some(_), None, None) => {
                    return Err("give --address or --discriminator".into());
                }
                (None, None, None, _) => return Err("give --setup-code or --qr".into()),
            }
            .map_err(err)?;
            out.banner(
                "commissioned",
                &[
                    ("device", done.device_id().to_string()),
                    ("zone", done.zone_id().to_string()),
                    ("address", done.record.address.to_string()),
                ],
            );
        }
        ControllerCommand::Devices => {
            let list: Vec<_> = c
                .devices()
                .iter()
                .map(|d| json!({ "device": d.device_id.to_string(), "zone": d.zone_id.to_string(), "address": d.address.to_string() }))
                .collect();
            out.value(&json!(list));
        }
        ControllerCommand::Read {
            target,
            feature,
            attrs,
        } => {
            let def = values::feature(feature)?;
            let ids = attrs
                .iter()
                .map(|a| values::attribute(def, a).map(|d| d.id))
                .collect::<Result<Vec<_>, _>>()?;
            let h = connect(c, target).await?;
            let m = if ids.is_empty() {
                h.read_all(target.endpoint, def.id).await
            } else {
                h.read(target.endpoint, def.id, &ids).await
            };
            out.value(&values::map_json(&m.map_err(err)?, Some(def)));
        }
        ControllerCommand::Write {
            target,
            feature,
            values: items,
        } => {
            let def = values::feature(feature)?;
            let mut m = Map::new();
            for (name, v) in values::pairs(items)? {
                m.insert(values::attribute(def, &name)?.id, v);
            }
            let h = connect(c, target).await?;
            out.value(&values::map_json(
                &h.write(target.endpoint, def.id, m).await.map_err(err)?,
                Some(def),
            ));
        }
        ControllerCommand::Invoke {
            target,
            feature,
            command,
            params,
        } => {
            let def = values::feature(feature)?;
            let cmd = values::command(def, command)?;
            let p: Map = values::pairs(params)?.into_iter().collect();
            let h = connect(c, target).await?;
            out.value(&values::map_json(
                &h.invoke(target.endpoint, def.id, cmd, p)
                    .await
                    .map_err(err)?,
                None,
            ));
        }
        ControllerCommand::Subscribe {
            target,
            feature,
            attrs,
            min,
            max,
        } => {
            let def = values::feature(feature)?;
            let attributes = attrs
                .iter()
                .map(|a| values::attribute(def, a).map(|d| d.id))
                .collect::<Result<Vec<_>, _>>()?;
            let h = connect(c, target).await?;
            let payload = SubscribePayload {
                attributes,
                min_interval: *min,
                max_interval: *max,
            };
            let mut sub = h
                .subscribe(target.endpoint, def.id, payload)
                .await
                .map_err(err)?;
            out.value(&json!({ "priming": values::map_json(sub.priming(), Some(def)) }));
            loop {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => break,
                    ev = sub.next() => match ev {
                        Some(SubscriptionEvent::Report(m)) => out.value(&json!({ "report": values::map_json(&m, Some(def)) })),
                        Some(SubscriptionEvent::Resubscribed(m)) => out.value(&json!({ "resubscribed": values::map_json(&m, Some(def)) })),
                        Some(SubscriptionEvent::Interrupted) => out.event("connection lost; resubscribing when it is back"),
                        Some(_) => {}
                        None => break,
                    },
                }
            }
        }
        ControllerCommand::Limit {
            action:
                LimitAction::Set {
                    target,
                    consumption,
                    production,
                    duration,
                    cause: why,
                },
        } => {
            let h = connect(c, target).await?;
            let limit = SetLimit {
                consumption: *consumption,
                production: *production,
                duration: *duration,
                cause: cause(why)?,
            };
            let r = h.set_limit(target.endpoint, limit).await.map_err(err)?;
            out.value(&json!({
                "applied": r.applied,
                "controlState": format!("{:?}", r.control_state),
                "effectiveConsumptionLimit": r.effective_consumption,
                "effectiveProductionLimit": r.effective_production,
                "rejectReason": r.reject_reason.map(|r| format!("{r:?}")),
            }));
        }
        ControllerCommand::Limit {
            action:
                LimitAction::Clear {
                    target,
                    direction: dir,
                },
        } => {
            let dir = dir.as_deref().map(direction).transpose()?;
            let h = connect(c, target).await?;
            let ok = h.clear_limit(target.endpoint, dir).await.map_err(err)?;
            out.value(&json!({ "success": ok }));
        }
        ControllerCommand::Status { target } => {
            let h = connect(c, target).await?;
            let status = h.energy_status(target.endpoint).await.map_err(err)?;
            let text = status.display(UnixTime::system_now()).to_string();
            if out.json {
                out.value(&json!({
                    "text": text,
                    "controlState": format!("{:?}", status.control_state),
                    "effectiveConsumptionLimit": status.effective_consumption_limit,
                    "myConsumptionLimit": status.my_consumption_limit,
                }));
            } else {
                println!("{text}");
            }
        }
        ControllerCommand::Watch { endpoint } => watch::run(c, *endpoint, out).await?,
        ControllerCommand::Serve(serve) => crate::serve::run(c, serve, out).await?,
        ControllerCommand::Remove { target } => {
            let h = connect(c, target).await?;
            h.remove_zone().await.map_err(err)?;
            out.banner("zone removed", &[("device", h.device_id().to_string())]);
        }
    }
    Ok(())
}
