//! Advertiser and browser over real multicast, between two private network
//! namespaces joined by a veth pair (see `netns_support`). Namespace A
//! plays the device (or the controller announcing a pairing request),
//! namespace B the other side. Each test builds its own pair, so the tests
//! run in parallel with each other and with the rest of the workspace.
//!
//! Every role runs in a child process: this binary re-executed by
//! `ip netns exec` with `child_role` selected and the role in
//! `MASH_NETNS_ROLE`. Children talk to the test through `MASHNS ...` lines
//! on stdout and commands on stdin; they assert what they see themselves
//! and exit non-zero (with their stderr shown by the test) on failure.

mod netns_support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mash_core::ids::{DeviceId, ZoneId};
use mash_core::time::Instant;
use mash_discovery::{
    BrowseEvent, CommissionableInfo, DeviceCategory, DeviceState, DiscoveryConfig, Discriminator,
    InterfaceConfig, Mdns, OperationalFilter, OperationalInfo, PairingDecision,
    PairingRequestFilter, PairingRequestInfo, VendorProduct,
};
use netns_support::{
    IF_A, IF_B, NetnsPair, ROLE_ENV, SpawnRole, V4_A, V6_A, assert_in_private_netns, netns_pair,
    report, skip_or_fail,
};
use tokio::sync::mpsc;

/// Bound for every single expected event (they normally take < 2 s).
const STEP: Duration = Duration::from_secs(10);

const ZONE: &str = "2859a7266ff2c1f0";
const DEVICE: &str = "70f882f4e2f7dd79";
const D_DEVICE: u16 = 42;
const D_DECOY: u16 = 7;
const D_PAIRING: u16 = 77;
const D_PAIRING_OTHER: u16 = 78;

fn with_pair(test: impl FnOnce(&NetnsPair)) {
    match netns_pair() {
        Ok(pair) => test(&pair),
        Err(reason) => skip_or_fail(&reason),
    }
}

// ---- tests (run in the caller's namespace; they only run `ip`) ----

#[test]
fn commissionable_is_found_by_txt_discriminator_and_dialled_on_every_address() {
    with_pair(|net| {
        let mut device = net.spawn(&net.a, "device", &[]);
        device.expect("ready", STEP);
        let mut controller = net.spawn(&net.b, "find-commissionable", &[]);
        let found = controller.expect("found", STEP);
        assert!(found.contains("instance=MASH-0042"), "{found}");
        controller.expect("dialled-all", STEP);
        controller.wait_success(STEP);
        device.expect("accepted", STEP);
        device.send("stop");
        device.expect("stopped", STEP);
    });
}

#[test]
fn operational_record_follows_a_readvertise_on_another_port() {
    with_pair(|net| {
        let mut device = net.spawn(&net.a, "device", &[]);
        device.expect("ready", STEP);
        device.send("operational 1111");
        device.expect("advertised-operational 1111", STEP);
        let mut controller = net.spawn(&net.b, "watch-operational", &[]);
        controller.expect("resolved port=1111", STEP);
        device.send("operational 2222");
        device.expect("advertised-operational 2222", STEP);
        controller.expect("resolved port=2222", STEP);
        // A fresh daemon (empty cache) finds the new port too.
        controller.expect("fresh port=2222", STEP);
        controller.wait_success(STEP);
        device.send("stop");
        device.expect("stopped", STEP);
    });
}

#[test]
fn pairing_request_is_seen_by_the_device_and_opens_the_window() {
    with_pair(|net| {
        let mut controller = net.spawn(&net.a, "announce-pairing", &[]);
        controller.expect("ready", STEP);
        let mut device = net.spawn(&net.b, "listen-pairing", &[]);
        let seen = device.expect("pairing", STEP);
        assert!(
            seen.contains(&format!("instance={ZONE}-{D_PAIRING}")),
            "{seen}"
        );
        assert!(seen.contains("decision=OpenWindow"), "{seen}");
        device.wait_success(STEP);
        controller.send("stop");
        controller.expect("stopped", STEP);
    });
}

#[test]
fn goodbye_on_shutdown_removes_the_record() {
    with_pair(|net| {
        let mut device = net.spawn(&net.a, "device", &[]);
        device.expect("ready", STEP);
        let mut controller = net.spawn(&net.b, "watch-commissionable", &[]);
        controller.expect("resolved MASH-0042", STEP);
        controller.expect("late-subscriber-saw MASH-0007,MASH-0042", STEP);
        device.send("stop");
        device.expect("stopped", STEP);
        // Well before the 120 s TTL: only the goodbye can explain this.
        controller.expect("removed MASH-0042", Duration::from_secs(5));
        controller.wait_success(STEP);
    });
}

// ---- child side ----

#[test]
#[ignore = "helper: started by the tests above inside a private network namespace"]
fn child_role() {
    let Ok(role) = std::env::var(ROLE_ENV) else {
        return;
    };
    assert_in_private_netns();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        match role.as_str() {
            "device" => device().await,
            "find-commissionable" => find_commissionable().await,
            "watch-operational" => watch_operational().await,
            "watch-commissionable" => watch_commissionable().await,
            "announce-pairing" => announce_pairing().await,
            "listen-pairing" => listen_pairing().await,
            other => panic!("unknown role {other}"),
        }
    });
}

fn zone() -> ZoneId {
    ZONE.parse().unwrap()
}

fn device_id() -> DeviceId {
    DEVICE.parse().unwrap()
}

fn d(value: u16) -> Discriminator {
    Discriminator::new(value).unwrap()
}

fn wallbox(discriminator: u16) -> CommissionableInfo {
    CommissionableInfo {
        discriminator: d(discriminator),
        categories: vec![DeviceCategory::E_MOBILITY],
        serial: format!("EVSE-{discriminator}"),
        brand: "ACME".into(),
        model: "Wallbox 22".into(),
        device_name: Some("Garage Wallbox".into()),
    }
}

fn operational_info() -> OperationalInfo {
    OperationalInfo {
        zone_id: zone(),
        device_id: device_id(),
        vendor_product: Some(VendorProduct {
            vendor_id: 0x1234,
            product_id: 1,
        }),
        firmware: None,
        endpoint_count: 2,
    }
}

/// Default interface policy: the namespace's only non-loopback interface.
fn mdns_default(host: &str) -> Mdns {
    let mdns = Mdns::new(&DiscoveryConfig {
        host_name: Some(host.into()),
        ..DiscoveryConfig::default()
    })
    .expect("mdns");
    let ifname = std::env::var("MASH_NETNS_NAME").unwrap();
    let expected = if ifname.ends_with('a') { IF_A } else { IF_B };
    assert_eq!(mdns.selection().names(), Some(&[expected.to_string()][..]));
    mdns
}

/// Lines from stdin, read on a plain thread (tokio's stdin is not enabled
/// in the workspace).
fn commands() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Namespace A: a device with an open window (D=42, plus a decoy D=7 from
/// a second advertiser) and a TCP listener on the advertised port.
async fn device() {
    let mdns = mdns_default("device-a");
    let listener = tokio::net::TcpListener::bind("[::]:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((_, peer)) = listener.accept().await {
            report(&format!("accepted from={peer}"));
        }
    });
    let adv = mdns.advertiser();
    adv.advertise_commissionable(&wallbox(D_DEVICE), port)
        .unwrap();
    let decoy = mdns.advertiser();
    decoy
        .advertise_commissionable(&wallbox(D_DECOY), port)
        .unwrap();
    report(&format!("ready port={port}"));

    let mut commands = commands();
    while let Some(cmd) = commands.recv().await {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        match words.as_slice() {
            ["operational", port] => {
                adv.advertise_operational(&operational_info(), port.parse().unwrap())
                    .unwrap();
                report(&format!("advertised-operational {port}"));
            }
            ["stop"] => {
                decoy.shutdown().await;
                adv.shutdown().await;
                report("stopped");
                return;
            }
            other => panic!("unknown command {other:?}"),
        }
    }
}

/// Namespace B: finds D=42 (not the decoy) and connects to every address,
/// including the link-local IPv6 one through its scope id.
async fn find_commissionable() {
    let browser = Mdns::new(&DiscoveryConfig {
        interfaces: InterfaceConfig::named([IF_B]),
        host_name: Some("controller-b".into()),
    })
    .unwrap()
    .browser();
    let found = browser
        .find_commissionable(d(D_DEVICE), STEP)
        .await
        .unwrap();
    report(&format!(
        "found instance={} host={} port={} addrs={:?}",
        found.instance, found.host, found.port, found.addresses
    ));
    assert_eq!(found.record, wallbox(D_DEVICE));
    assert_eq!(found.host, "device-a.local.");

    let scope: u32 = std::fs::read_to_string(format!("/sys/class/net/{IF_B}/ifindex"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let v4: IpAddr = V4_A.parse().unwrap();
    let v6: IpAddr = V6_A.parse().unwrap();
    assert!(
        found.addresses.contains(&SocketAddr::new(v4, found.port)),
        "{:?}",
        found.addresses
    );
    let link_local = found
        .addresses
        .iter()
        .find_map(|a| match a {
            SocketAddr::V6(a) if IpAddr::V6(*a.ip()) == v6 => Some(*a),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {v6} in {:?}", found.addresses));
    assert_eq!(
        link_local.scope_id(),
        scope,
        "link-local must carry {IF_B}'s index"
    );

    for addr in &found.addresses {
        tokio::time::timeout(STEP, tokio::net::TcpStream::connect(addr))
            .await
            .unwrap_or_else(|_| panic!("connect to {addr} timed out"))
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        report(&format!("dialled {addr}"));
    }
    report("dialled-all");
}

/// Namespace B: reports each port the operational record shows, then
/// checks a fresh daemon finds the latest port.
async fn watch_operational() {
    let browser = mdns_default("controller-b").browser();
    let filter = OperationalFilter {
        zone_id: Some(zone()),
        device_id: Some(device_id()),
    };
    let mut stream = browser.operational(filter).unwrap();
    let mut last_port = 0;
    while last_port != 2222 {
        let found = tokio::time::timeout(STEP, stream.next_resolved())
            .await
            .expect("operational record")
            .expect("stream open");
        assert_eq!(found.record, operational_info());
        assert_eq!(found.instance, format!("{ZONE}-{DEVICE}"));
        if found.port != last_port {
            last_port = found.port;
            report(&format!("resolved port={last_port}"));
        }
    }
    let fresh = mdns_default("controller-c").browser();
    let found = fresh
        .find_operational(zone(), device_id(), STEP)
        .await
        .unwrap();
    report(&format!("fresh port={}", found.port));
}

/// Namespace B: sees D=42 appear, then disappear.
async fn watch_commissionable() {
    let browser = mdns_default("controller-b").browser();
    let mut stream = browser.commissionable(Some(d(D_DEVICE))).unwrap();
    let mut resolved = false;
    loop {
        let event = tokio::time::timeout(STEP, stream.next())
            .await
            .expect("browse event")
            .expect("stream open");
        match event {
            BrowseEvent::Resolved(found) => {
                assert_eq!(found.record.discriminator, d(D_DEVICE));
                if !resolved {
                    resolved = true;
                    report(&format!("resolved {}", found.instance));
                    late_subscriber(&browser).await;
                }
            }
            BrowseEvent::Removed { instance } => {
                assert!(resolved, "removal before resolution");
                report(&format!("removed {instance}"));
                return;
            }
        }
    }
}

/// A second, unfiltered stream on the same daemon while the first is open:
/// it must catch up (cache replay) and see both devices, and dropping it
/// must not end the first stream.
async fn late_subscriber(browser: &mash_discovery::Browser) {
    let mut all = browser.commissionable(None).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 2 {
        let found = tokio::time::timeout(STEP, all.next_resolved())
            .await
            .expect("late subscriber event")
            .expect("stream open");
        seen.insert(found.instance);
    }
    let seen: Vec<String> = seen.into_iter().collect();
    report(&format!("late-subscriber-saw {}", seen.join(",")));
}

/// Namespace A: a controller asking for D=77, and another zone's request
/// for D=78 the device must not react to.
async fn announce_pairing() {
    let mdns = Mdns::new(&DiscoveryConfig {
        interfaces: InterfaceConfig::named([IF_A]),
        host_name: Some("controller-a".into()),
    })
    .unwrap();
    let adv = mdns.advertiser();
    adv.announce_pairing_request(&PairingRequestInfo {
        discriminator: d(D_PAIRING_OTHER),
        zone_id: "a1b2c3d4e5f60718".parse().unwrap(),
        zone_name: None,
    })
    .unwrap();
    adv.announce_pairing_request(&PairingRequestInfo {
        discriminator: d(D_PAIRING),
        zone_id: zone(),
        zone_name: Some("Home Energy".into()),
    })
    .unwrap();
    report("ready");
    let mut commands = commands();
    while let Some(cmd) = commands.recv().await {
        if cmd == "stop" {
            adv.shutdown().await;
            report("stopped");
            return;
        }
    }
}

/// Namespace B: a device with D=77 listening for pairing requests.
async fn listen_pairing() {
    let browser = mdns_default("device-b").browser();
    let mut filter = PairingRequestFilter::new(d(D_PAIRING));
    let state = DeviceState {
        window_open: false,
        non_test_zones: 0,
        max_zones: mash_discovery::DEFAULT_MAX_ZONES,
    };
    assert!(filter.should_listen(&state));
    let mut stream = browser.pairing_requests(Some(d(D_PAIRING))).unwrap();
    let found = tokio::time::timeout(STEP, stream.next_resolved())
        .await
        .expect("pairing request")
        .expect("stream open");
    assert_eq!(found.port, mash_discovery::records::PAIRING_REQUEST_PORT);
    assert_eq!(found.record.zone_id, zone());
    assert_eq!(found.record.zone_name.as_deref(), Some("Home Energy"));
    let decision = filter.handle_request(&found.record, &state, Instant::from_millis(0));
    assert_eq!(decision, PairingDecision::OpenWindow);
    report(&format!(
        "pairing instance={} decision={decision:?}",
        found.instance
    ));
}
