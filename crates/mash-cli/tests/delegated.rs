//! Delegated commissioning with real processes on loopback, as the
//! README's three terminals run it: `mash backend`, a `mash device`,
//! `mash controller ... serve` for the SMGW, and `mash app` uploading
//! the QR code and waiting for the result.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use support::Proc;

const STEP: Duration = Duration::from_secs(20);
const APP: &str = "app-token-0123456789";
const SMGW: &str = "smgw-token-0123456789";
const QR: &str = "MASH:1:1234:20202021";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Runs `mash --json <args>` to completion; its last stdout line as JSON.
fn mash(args: &[&str]) -> Result<Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_mash"))
        .arg("--json")
        .args(args)
        .env_remove("MASH_LOG")
        .env_remove("MASH_TOKEN")
        .env_remove("MASH_BACKEND")
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    if !out.status.success() {
        return Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    }
    serde_json::from_str(last).map_err(|e| format!("{e}: {stdout}"))
}

#[test]
fn the_three_terminals_commission_a_device_through_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("backend.json");
    let text = json!({
        "sites": [{ "id": "site-42", "smgw": "smgw-1" }],
        "app_tokens": [{ "name": "app", "token": APP, "sites": ["site-42"] }],
        "smgw_tokens": [{ "name": "smgw-1", "token": SMGW, "smgw": "smgw-1" }]
    });
    std::fs::write(&config, text.to_string()).unwrap();
    let db = format!("sqlite://{}", dir.path().join("backend.db").display());

    // Terminal 1: the backend.
    let mut backend = Proc::host(
        "backend",
        &[
            "backend",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db,
            "--config",
            s(&config),
        ],
    );
    let banner = backend.expect_message("backend listening on http://", STEP);
    let url = banner["message"].as_str().unwrap()["backend listening on ".len()..].to_owned();

    // The charger.
    let mut device = Proc::host(
        "device",
        &[
            "device",
            "--setup-code",
            "20202021",
            "--discriminator",
            "1234",
            "--listen",
            "127.0.0.1",
            "--port",
            "0",
            "--state-dir",
            s(&dir.path().join("charger")),
        ],
    );
    let address = device.expect_message("evse listening", STEP)["listen"]
        .as_str()
        .unwrap()
        .to_owned();

    // Terminal 2: the SMGW.
    let mut smgw = Proc::host(
        "smgw",
        &[
            "controller",
            "--zone-type",
            "grid",
            "--zone-name",
            "SMGW",
            "--state-dir",
            s(&dir.path().join("smgw")),
            "serve",
            "--backend",
            &url,
            "--smgw-id",
            "smgw-1",
            "--token",
            SMGW,
            "--address",
            &address,
        ],
    );
    smgw.expect_message("serving delegated commissioning", STEP);

    // Terminal 3: the utility app. A bad QR code is refused with its field.
    let bad = mash(&[
        "app",
        "upload",
        "--backend",
        &url,
        "--token",
        APP,
        "--site",
        "site-42",
        "--qr",
        "MASH:1:1234:2020202",
    ])
    .unwrap_err();
    assert!(bad.contains("invalid qr code: invalid setup code"), "{bad}");
    let up = mash(&[
        "app",
        "upload",
        "--backend",
        &url,
        "--token",
        APP,
        "--site",
        "site-42",
        "--qr",
        QR,
    ])
    .unwrap();
    assert_eq!(up["created"], true, "{up}");
    let id = up["registration"]["id"].as_u64().unwrap().to_string();
    let done = mash(&[
        "app",
        "status",
        "--backend",
        &url,
        "--token",
        APP,
        "--id",
        &id,
        "--wait",
        "--timeout",
        "30s",
    ])
    .unwrap();
    assert_eq!(done["state"], "commissioned", "{done}");
    let device_id = done["device_id"].as_str().unwrap();

    // The SMGW says the same, and reported it.
    let line = smgw.expect_event(&format!("job {id}: commissioned device {device_id}"), STEP);
    assert!(line["event"].as_str().unwrap().contains("into zone"));
    smgw.expect_event(&format!("job {id}: reported to the backend"), STEP);
    // The setup code never shows up in the backend's or the SMGW's logs.
    assert!(!backend.logs().contains("20202021"));
    assert!(!smgw.logs().contains("20202021"));

    smgw.interrupt();
    smgw.wait_success(STEP);
    backend.interrupt();
    backend.wait_success(STEP);
    device.interrupt();
    device.wait(STEP);
}
