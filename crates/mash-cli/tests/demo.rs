//! The main job: `mash demo` tells the whole scenario and ends well.

use std::process::Command;

#[test]
fn the_demo_runs_the_scenario_end_to_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_mash"))
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("not built yet"), "{text}");
    for expected in [
        "utility app  uploaded it to the grid operator's backend (http://127.0.0.1:",
        "SMGW         fetched job 1 from the backend",
        "utility app  commissioned by the grid operator's SMGW (device ID ",
        "Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — 30 min left [LIMITED]",
        "the grid limit ran out by itself",
        "failsafe — 2 h left [FAILSAFE]",
        "SMGW         back online and reconnected",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn every_flag_is_explained() {
    for sub in [
        &["device", "--help"][..],
        &["controller", "--help"],
        &["controller", "limit", "set", "--help"],
        &["controller", "serve", "--help"],
        &["backend", "--help"],
        &["app", "upload", "--help"],
        &["app", "status", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mash"))
            .args(sub)
            .output()
            .unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        // Every option line is followed by its explanation.
        let lines: Vec<&str> = help.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.trim_start().starts_with("--") && !l.contains("--help") && !l.contains("--version")
            {
                let next = lines.get(i + 1).map_or("", |n| n.trim());
                let inline = l.trim().split_once("  ").is_some();
                assert!(
                    inline || !next.is_empty() && !next.starts_with("--"),
                    "{sub:?}: no help for {l}"
                );
            }
        }
    }
}
