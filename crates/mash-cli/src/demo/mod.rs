//! `mash demo`: the multi-controller scenario, end to end, on a simulated
//! network and clock — an EV charger, the home EMS (LOCAL) and the grid
//! operator's SMGW (GRID), running the real device and controller code;
//! the SMGW is commissioned through the grid operator's backend (real
//! HTTP on loopback, see [`backend`]). Two and a half simulated hours
//! take about a second.

mod backend;

use std::time::Duration;

use mash_controller::{DeviceHandle, JobEvent, JobRunner, Locate, SetLimit};
use mash_core::cbor::Value;
use mash_core::commissioning::QrPayload;
use mash_core::model::FeatureType;
use mash_core::model::features::energy_control::LimitCause;
use mash_core::model::features::measurement;
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_sim::{House, Isolation, SimController};
use mash_transport::Target;
use serde_json::json;

use crate::output::Output;
use backend::GridBackend;

type DemoResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

struct Story {
    out: Output,
    start: tokio::time::Instant,
}

impl Story {
    fn clock(&self) -> String {
        let s = self.start.elapsed().as_secs();
        format!("T+{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    }

    fn say(&self, who: &str, text: &str) {
        if self.out.json {
            println!(
                "{}",
                json!({ "t": self.start.elapsed().as_secs(), "who": who, "text": text })
            );
        } else {
            println!("{}  {who:<12} {text}", self.clock());
        }
    }

    /// What the user sees in an app: the charger's power and, in one
    /// sentence, who limits it and why.
    async fn app(&self, app: &str, ctl: &SimController, h: &DeviceHandle) -> DemoResult {
        let status = h.energy_status(1).await?;
        let power = h
            .read(
                1,
                FeatureType::Measurement,
                &[measurement::attr::AC_ACTIVE_POWER],
            )
            .await?;
        let kw = power
            .get_uint(measurement::attr::AC_ACTIVE_POWER.into())
            .and_then(Value::as_i64)
            .map_or(0.0, |mw| mw as f64 / 1e6);
        let text = format!(
            "EV charger: {kw:.1} kW — {} [{:?}]",
            status.display(ctl.now()),
            status.control_state
        );
        self.say(app, &text);
        Ok(())
    }
}

/// Runs the demo on its own runtime with a paused clock, and the grid
/// operator's backend on another with a real one.
pub fn run(out: Output) -> Result<(), String> {
    let grid = GridBackend::start()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    let told = rt.block_on(story(out, &grid)).map_err(|e| e.to_string());
    drop(rt);
    grid.stop()?;
    told
}

async fn story(out: Output, grid: &GridBackend) -> DemoResult {
    let story = Story {
        out,
        start: tokio::time::Instant::now(),
    };
    let mut house = House::new()?;
    let config = house.device_config("ev-charger", DeviceKind::Evse, 20202021, 1234)?;
    let qr = QrPayload::new(config.discriminator, config.setup_code);
    let charger = house.add_device(config)?;
    let target = charger.target();
    story.say(
        "installer",
        &format!("mounts an 11 kW EV charger; its label reads {qr}"),
    );

    let ems = house
        .add_controller(house.controller_config("home-ems", ZoneType::Local))
        .await?;
    let smgw = house
        .add_controller(house.controller_config("smgw", ZoneType::Grid))
        .await?;

    story.say("user", "scans the QR code with the EMS app");
    let ems_dev = ems.commission_qr(&target, &qr.to_string()).await?.handle;
    story.say(
        "EMS",
        &format!(
            "commissioned (SPAKE2+, zone LOCAL, device ID {})",
            ems_dev.device_id()
        ),
    );

    story.say(
        "user",
        "presses the charger's pairing button and scans the same QR code with the utility app",
    );
    charger.handle.open_window(None).await;
    let app = grid.app()?;
    let uploaded = app.upload(&qr.to_string()).await?.registration;
    story.say(
        "utility app",
        &format!(
            "uploaded it to the grid operator's backend ({}): registration {}, {}",
            grid.url(),
            uploaded.id,
            uploaded.state
        ),
    );
    let smgw_dev = smgw_fetches_and_commissions(&story, &smgw, grid, target.clone()).await?;
    let seen = app.status(uploaded.id).await?;
    story.say("utility app", &crate::app::sentence(&seen));
    if seen.device_id != Some(smgw_dev.device_id().to_string()) {
        return Err("the backend reports another device than the SMGW commissioned".into());
    }
    story.say(
        "charger",
        &format!(
            "belongs to {} zones: GRID (priority 1) and LOCAL (priority 2)",
            charger.handle.snapshot().zones.len()
        ),
    );

    tokio::time::sleep(Duration::from_secs(5)).await;
    story.app("EMS app", &ems, &ems_dev).await?;

    ems_dev
        .set_limit(
            1,
            SetLimit {
                consumption: Some(11_000_000),
                production: None,
                duration: None,
                cause: LimitCause::LocalOptimization,
            },
        )
        .await?;
    story.say(
        "EMS",
        "optimizes for solar: limit 11 kW (LOCAL_OPTIMIZATION)",
    );
    tokio::time::sleep(Duration::from_secs(60)).await;

    story.say(
        "SMGW",
        "grid emergency: limit 3.7 kW for 30 min (GRID_EMERGENCY)",
    );
    let r = smgw_dev
        .set_limit(
            1,
            SetLimit {
                consumption: Some(3_700_000),
                production: None,
                duration: Some(Duration::from_secs(1800)),
                cause: LimitCause::GridEmergency,
            },
        )
        .await?;
    story.say(
        "charger",
        &format!(
            "effective limit {}, state {:?} — limits stack, the most restrictive wins",
            r.effective_consumption.map_or_else(
                || "none".to_owned(),
                |mw| format!("{:.1} kW", mw as f64 / 1e6)
            ),
            r.control_state
        ),
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    story.app("EMS app", &ems, &ems_dev).await?;
    story.app("utility app", &smgw, &smgw_dev).await?;

    tokio::time::sleep(Duration::from_secs(1800)).await;
    story.say("charger", "the grid limit ran out by itself");
    story.app("EMS app", &ems, &ems_dev).await?;

    story.say("SMGW", "loses its connection (cut)");
    house.net.isolate("smgw", Some(Isolation::Cut));
    tokio::time::sleep(Duration::from_secs(2)).await;
    story.app("EMS app", &ems, &ems_dev).await?;
    story.say("charger", "FAILSAFE: the grid operator's failsafe limit (4.2 kW, §14a EnWG) holds for failsafeDuration (2 h)");

    tokio::time::sleep(Duration::from_secs(2 * 3600)).await;
    story.app("EMS app", &ems, &ems_dev).await?;
    story.say(
        "charger",
        "failsafe over: autonomous towards the grid, still within the EMS's limit",
    );

    house.net.isolate("smgw", None);
    smgw_dev.wait_connected(Duration::from_secs(120)).await?;
    story.say("SMGW", "back online and reconnected");
    story.app("utility app", &smgw, &smgw_dev).await?;
    Ok(())
}

/// The SMGW's job runner, one round: it long-polls the backend, gets the
/// uploaded QR code, commissions the charger on the (simulated) local
/// network and reports back.
async fn smgw_fetches_and_commissions(
    story: &Story,
    smgw: &SimController,
    grid: &GridBackend,
    charger: Target,
) -> Result<DeviceHandle, Box<dyn std::error::Error + Send + Sync>> {
    let mut runner = JobRunner::new(smgw.clone(), grid.jobs()?, Locate::Address(charger))
        .with_poll_wait(Duration::from_secs(5));
    let mut commissioned = None;
    runner
        .poll_once(&mut |event| match event {
            JobEvent::Received { job } => story.say(
                "SMGW",
                &format!("fetched job {job} from the backend; commissioning (SPAKE2+) on the local network"),
            ),
            JobEvent::Commissioned { device, .. } => {
                story.say(
                    "SMGW",
                    &format!(
                        "commissioned with nobody touching the charger (zone GRID, device ID {})",
                        device.device_id()
                    ),
                );
                commissioned = Some(device.handle);
            }
            JobEvent::Failed { job, reason } => {
                story.say("SMGW", &format!("job {job} failed: {reason}"));
            }
            JobEvent::Reported { job } => {
                story.say("SMGW", &format!("reported job {job} to the backend"));
            }
            _ => {}
        })
        .await?;
    commissioned.ok_or_else(|| "the SMGW did not commission the charger".into())
}
