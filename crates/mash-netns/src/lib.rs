//! Test support for tests where multicast really flows, without touching
//! the machine's network: two fresh network namespaces joined by a veth
//! pair, deleted when the guard drops.
//!
//! Needs Linux, iproute2 (`ip`) and the right to create namespaces (root,
//! or CAP_SYS_ADMIN + CAP_NET_ADMIN). Without them [`with_netns`] prints
//! why and returns, unless `MASH_REQUIRE_NETNS=1` turns that into a
//! failure: a skip is never silent.
//!
//! Links: IPv4 link-local 169.254.77.{1,2}/16 and IPv6 link-local
//! fe80::{a,b}/64 (no DAD, no automatic addresses); interface `mashA` in
//! namespace A, `mashB` in B. Loopback stays down. The veth is created
//! inside A with its peer moved straight into B, so no interface ever
//! exists in the caller's namespace.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Interface in namespace A.
pub const IF_A: &str = "mashA";
/// Interface in namespace B.
pub const IF_B: &str = "mashB";
/// IPv4 link-local address in A.
pub const V4_A: &str = "169.254.77.1";
/// IPv4 link-local address in B.
pub const V4_B: &str = "169.254.77.2";
/// IPv6 link-local address in A.
pub const V6_A: &str = "fe80::a";
/// IPv6 link-local address in B.
pub const V6_B: &str = "fe80::b";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Two namespaces joined by a veth pair; deleted on drop.
pub struct NetnsPair {
    /// Namespace A (interface [`IF_A`]).
    pub a: String,
    /// Namespace B (interface [`IF_B`]).
    pub b: String,
}

/// Runs `test` on a fresh namespace pair, or reports why it cannot.
pub fn with_netns(prefix: &'static str, test: impl FnOnce(&NetnsPair)) {
    match netns_pair(prefix) {
        Ok(pair) => test(&pair),
        Err(reason) => skip_or_fail(&reason),
    }
}

/// Either a namespace pair named `<prefix><pid>-<n>{a,b}`, or the reason
/// the environment cannot make one. Namespaces with `prefix` left behind by
/// killed runs are removed first.
pub fn netns_pair(prefix: &'static str) -> Result<NetnsPair, String> {
    if !cfg!(target_os = "linux") {
        return Err("network namespaces need Linux".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => return Err(format!("`ip -V` failed: {}", text(&out.stderr))),
        Err(e) => return Err(format!("iproute2 `ip` not found ({e}); install iproute2")),
    }
    remove_stale_namespaces(prefix);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let a = format!("{prefix}{pid}-{n}a");
    let b = format!("{prefix}{pid}-{n}b");
    ip(&["netns", "add", &a]).map_err(|e| format!("cannot create a network namespace: {e}"))?;
    // The guard exists from here on: a failure below deletes `a`.
    let mut pair = NetnsPair {
        a,
        b: String::new(),
    };
    ip(&["netns", "add", &b]).map_err(|e| format!("cannot create a network namespace: {e}"))?;
    pair.b = b;
    pair.wire()
        .map_err(|e| format!("cannot set up the veth link: {e}"))?;
    Ok(pair)
}

/// Prints why a test cannot run (never silently), or fails it when
/// `MASH_REQUIRE_NETNS=1`.
pub fn skip_or_fail(reason: &str) {
    if std::env::var("MASH_REQUIRE_NETNS").is_ok_and(|v| v == "1") {
        panic!("network namespace test cannot run: {reason}");
    }
    // Straight to the process's stderr: libtest captures `eprintln!` of
    // passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {}: no multicast test network: {reason}",
        std::thread::current().name().unwrap_or("test")
    );
}

impl NetnsPair {
    fn wire(&self) -> Result<(), String> {
        let (a, b) = (self.a.as_str(), self.b.as_str());
        // Created inside A with its peer moved straight into B: no
        // interface ever exists in the caller's namespace.
        ip(&[
            "-n", a, "link", "add", IF_A, "type", "veth", "peer", "name", IF_B, "netns", b,
        ])?;
        for (ns, ifname, v4, v6) in [(a, IF_A, V4_A, V6_A), (b, IF_B, V4_B, V6_B)] {
            ip(&["-n", ns, "link", "set", ifname, "addrgenmode", "none"])?;
            ip(&["-n", ns, "addr", "add", &format!("{v4}/16"), "dev", ifname])?;
            let v6 = format!("{v6}/64");
            ip(&["-n", ns, "addr", "add", &v6, "dev", ifname, "nodad"])?;
            ip(&["-n", ns, "link", "set", ifname, "up"])?;
        }
        wait_link_up(a, IF_A)?;
        wait_link_up(b, IF_B)
    }
}

impl Drop for NetnsPair {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            if ns.is_empty() {
                continue;
            }
            if let Err(e) = ip(&["netns", "del", ns]) {
                eprintln!("cleanup of namespace {ns} failed: {e}");
            }
        }
    }
}

/// Waits (bounded) for a veth end to report carrier.
fn wait_link_up(ns: &str, ifname: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let out = Command::new("ip")
            .args(["-n", ns, "-o", "link", "show", ifname])
            .output()
            .map_err(|e| e.to_string())?;
        if String::from_utf8_lossy(&out.stdout).contains("LOWER_UP") {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{ifname} in {ns} never came up"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Deletes namespaces of earlier runs whose process is gone (a run killed
/// before its guards could drop).
fn remove_stale_namespaces(prefix: &str) {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), text(&out.stderr)))
    }
}

/// Trimmed text of a command's output.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}
