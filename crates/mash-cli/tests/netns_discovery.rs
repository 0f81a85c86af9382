//! Discovery end to end (INTEROP.md §9, DEC-042): a real `mash device` in
//! one private network namespace, real `mash controller` commands in
//! another, multicast flowing over the veth pair between them (see
//! `support`). Nothing is given an address: the controller finds the
//! device by its discriminator on `_mash-comm._tcp`, asks for it with a
//! pairing request `_mashp._udp` when its window is closed, and finds it
//! again by its operational record `_mash._tcp` when it moves.
//!
//! Each test builds its own namespace pair, so they run in parallel with
//! each other and with the rest of the workspace. Timing comes from flags
//! (`--browse-timeout`, `--deadline`), never from sleeps. Without the
//! right to create namespaces each test prints why it skipped (or fails if
//! `MASH_REQUIRE_NETNS=1`).

mod support;

use std::path::Path;
use std::time::Duration;

use support::{IF_A, IF_B, MashNet, NetnsPair, Proc, with_netns};

/// Bound for each expected step (they normally take 1-3 s).
const STEP: Duration = Duration::from_secs(20);
const CODE: &str = "20202021";
const D: &str = "1234";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// `mash device` in namespace A (an EV charger with D=1234), started and
/// listening.
fn device(net: &NetnsPair, state: &Path, extra: &[&str]) -> Proc {
    let mut args = vec![
        "device",
        "--setup-code",
        CODE,
        "--discriminator",
        D,
        "--state-dir",
        s(state),
        "--mdns-interface",
        IF_A,
        "--mdns-host-name",
        "evse-a",
    ];
    args.extend_from_slice(extra);
    let mut p = net.mash(&net.a, "device", &args);
    p.expect_message("evse listening", STEP);
    p
}

/// A `mash controller` command in namespace B for the zone kept in `state`.
fn controller(net: &NetnsPair, state: &Path, zone: &str, command: &[&str]) -> Proc {
    let (zone_type, name, host) = match zone {
        "grid" => ("grid", "Grid Operator", "smgw-b"),
        _ => ("local", "Home EMS", "ems-b"),
    };
    let mut args = vec![
        "controller",
        "--state-dir",
        s(state),
        "--zone-type",
        zone_type,
        "--zone-name",
        name,
    ];
    args.extend_from_slice(command);
    args.extend_from_slice(&["--mdns-interface", IF_B, "--mdns-host-name", host]);
    net.mash(&net.b, zone, &args)
}

/// `commission --discriminator 1234` (no address), browsing `browse` first.
fn commission_by_discriminator(
    net: &NetnsPair,
    state: &Path,
    zone: &str,
    browse: &str,
    deadline: &str,
) -> Proc {
    controller(
        net,
        state,
        zone,
        &[
            "commission",
            "--discriminator",
            D,
            "--setup-code",
            CODE,
            "--browse-timeout",
            browse,
            "--deadline",
            deadline,
        ],
    )
}

/// (a) by discriminator only; (b) a device whose slots are full is not
/// commissionable, even with its window open, and ignores pairing requests.
#[test]
fn commissions_by_discriminator_and_a_full_device_is_not_found() {
    with_netns(|net| {
        let dir = tempfile::tempdir().unwrap();
        let dev_state = dir.path().join("device");
        let mut dev = device(net, &dev_state, &["--max-zones", "1"]);

        let mut ems =
            commission_by_discriminator(net, &dir.path().join("ems"), "local", "5s", "20s");
        let done = ems.expect_message("commissioned", STEP);
        ems.wait_success(STEP);
        // IPv6 first: the device's link-local address, scoped to the
        // controller's interface.
        let address = done["address"].as_str().unwrap();
        assert!(address.starts_with("[fe80::a%"), "{address}");
        assert!(address.ends_with("]:8443"), "{address}");
        // The window was open: found by browsing, no pairing request.
        assert!(!ems.logs().contains("announcing a pairing request"));
        dev.expect_event("ZoneAdded", STEP);

        // Same device, window open, its only slot taken.
        dev.interrupt();
        dev.wait_success(STEP);
        let mut dev = device(net, &dev_state, &["--max-zones", "1", "--open-window"]);
        let mut smgw =
            commission_by_discriminator(net, &dir.path().join("smgw"), "grid", "1s", "3s");
        let status = smgw.wait(STEP);
        let logs = smgw.logs();
        assert!(!status.success(), "{logs}");
        assert!(
            logs.contains(
                "no commissionable device with discriminator 1234 found within 3 s \
                 (a pairing request was announced)"
            ),
            "{logs}"
        );
        // The device saw the request and left its window to itself.
        dev.expect_log("pairing request seen", STEP);
        assert!(!dev.logs().contains("opening the commissioning window"));
        dev.interrupt();
        dev.wait_success(STEP);
    });
}

/// (c) a pairing request opens a closed window: the second zone (an
/// SMGW) finds nothing, asks, and commissions the device that answered.
#[test]
fn a_pairing_request_opens_a_closed_window_and_the_device_is_commissioned() {
    with_netns(|net| {
        let dir = tempfile::tempdir().unwrap();
        let mut dev = device(net, &dir.path().join("device"), &[]);
        let mut ems =
            commission_by_discriminator(net, &dir.path().join("ems"), "local", "5s", "20s");
        ems.expect_message("commissioned", STEP);
        ems.wait_success(STEP);
        // Commissioning closes the window; one slot is left.
        dev.expect_event("WindowClosed", STEP);

        let mut smgw =
            commission_by_discriminator(net, &dir.path().join("smgw"), "grid", "1s", "20s");
        let done = smgw.expect_message("commissioned", STEP);
        smgw.wait_success(STEP);
        assert!(smgw.logs().contains("announcing a pairing request"));
        assert!(done["address"].as_str().unwrap().starts_with("[fe80::a%"));
        assert!(
            dev.logs()
                .contains("pairing request: opening the commissioning window")
        );
        dev.expect_event("WindowOpened", STEP);
        dev.expect_event("ZoneAdded { zone_id: ZoneId(", STEP);
        // The controller withdrew its request (a goodbye, not a timeout).
        dev.expect_log("pairing request withdrawn", STEP);
        dev.interrupt();
        dev.wait_success(STEP);
    });
}

/// (d) after the device restarts on another port, a running controller
/// finds its operational record and reconnects there; the registry keeps
/// the new address. Commissioned from the QR string alone.
#[test]
fn the_controller_follows_a_device_restarted_on_another_port() {
    with_netns(|net| {
        let dir = tempfile::tempdir().unwrap();
        let (dev_state, ems_state) = (dir.path().join("device"), dir.path().join("ems"));
        let mut dev = device(net, &dev_state, &["--port", "8443"]);
        let qr = format!("MASH:1:{D}:{CODE}");
        let mut ems = controller(
            net,
            &ems_state,
            "local",
            &[
                "commission",
                "--qr",
                &qr,
                "--browse-timeout",
                "5s",
                "--deadline",
                "20s",
            ],
        );
        let done = ems.expect_message("commissioned", STEP);
        ems.wait_success(STEP);
        assert!(done["address"].as_str().unwrap().ends_with(":8443"));

        let mut sub = controller(
            net,
            &ems_state,
            "local",
            &["subscribe", "--feature", "measurement", "--min", "1s"],
        );
        sub.expect("priming report", STEP, |v| v.get("priming").is_some());

        dev.interrupt();
        dev.wait_success(STEP);
        sub.expect_event("connection lost", STEP);
        let mut dev = device(net, &dev_state, &["--port", "9443"]);
        sub.expect("resubscription", STEP, |v| v.get("resubscribed").is_some());
        assert!(
            sub.logs()
                .contains("operational record found at another address")
        );
        sub.interrupt();
        sub.wait_success(STEP);

        let mut list = controller(net, &ems_state, "local", &["devices"]);
        let devices = list.expect("device list", STEP, serde_json::Value::is_array);
        list.wait_success(STEP);
        let address = devices[0]["address"].as_str().unwrap();
        assert!(address.ends_with(":9443"), "{address}");
        dev.interrupt();
        dev.wait_success(STEP);
    });
}

/// A pairing request that came while every slot was taken is honoured
/// once a slot frees up: the device keeps it pending until its controller
/// withdraws it (DEC-042; the controller keeps asking).
#[test]
fn a_pending_pairing_request_is_honoured_when_a_slot_frees_up() {
    with_netns(|net| {
        let dir = tempfile::tempdir().unwrap();
        let dev_state = dir.path().join("device");
        let mut dev = device(net, &dev_state, &[]);
        let mut ems =
            commission_by_discriminator(net, &dir.path().join("ems"), "local", "5s", "20s");
        ems.expect_message("commissioned", STEP);
        ems.wait_success(STEP);
        // The second slot is filled through an open window (the "button"),
        // not a pairing request: windows opened by pairing requests are
        // rate-limited to one a minute (security.md §11.6).
        dev.interrupt();
        dev.wait_success(STEP);
        let mut dev = device(net, &dev_state, &["--open-window"]);
        let old_grid = dir.path().join("grid-old");
        let mut smgw = commission_by_discriminator(net, &old_grid, "grid", "5s", "20s");
        smgw.expect_message("commissioned", STEP);
        smgw.wait_success(STEP);

        // Both slots taken: the new grid operator's request is seen and
        // left pending.
        let mut new_smgw =
            commission_by_discriminator(net, &dir.path().join("grid-new"), "grid", "1s", "40s");
        new_smgw.expect_log("announcing a pairing request", STEP);
        dev.expect_log("pairing request seen", STEP);
        assert!(!dev.logs().contains("opening the commissioning window"));

        // The old grid operator leaves: a slot is free, the pending
        // request opens the window and the new one commissions.
        let mut remove = controller(net, &old_grid, "grid", &["remove"]);
        remove.expect_message("zone removed", STEP);
        remove.wait_success(STEP);
        new_smgw.expect_message("commissioned", STEP);
        new_smgw.wait_success(STEP);
        assert!(dev.logs().contains("opening the commissioning window"));
        dev.interrupt();
        dev.wait_success(STEP);
    });
}
