//! Plumbing for end-to-end tests where multicast really flows, without
//! touching the machine's network: two fresh network namespaces joined by a
//! veth pair, and real `mash` processes (`mash device`, `mash controller`)
//! started inside them with `ip netns exec`.
//!
//! Needs Linux, iproute2 (`ip`) and the right to create namespaces (root,
//! or CAP_SYS_ADMIN + CAP_NET_ADMIN). Without them a test prints why and
//! returns early, unless `MASH_REQUIRE_NETNS=1` turns that into a failure.
//!
//! Links: IPv4 link-local 169.254.77.{1,2}/16 and IPv6 link-local
//! fe80::{a,b}/64 (no DAD, no automatic addresses); interface `mashA` in
//! namespace A, `mashB` in B. Loopback stays down. Every process is given
//! its interface explicitly (`--mdns-interface`), which exists only inside
//! its namespace.
//!
//! The same approach as `mash-discovery/tests/netns_support`, which
//! re-executes its test binary instead of running `mash`.
//!
//! [`Proc::host`] starts `mash` on the host instead, for tests on
//! loopback that need no multicast.

#![allow(dead_code)] // not every test uses every helper

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The log filter of every `mash` process: enough to see discovery
/// decisions on both sides.
pub const LOG: &str = "info,mash_device::service::mdns=debug,mash_controller=debug";

/// Prefix of every namespace these tests create.
const NS_PREFIX: &str = "mashcli-";

/// Interface and addresses inside each namespace.
pub const IF_A: &str = "mashA";
pub const IF_B: &str = "mashB";
pub const V4_A: &str = "169.254.77.1";
pub const V4_B: &str = "169.254.77.2";
pub const V6_A: &str = "fe80::a";
pub const V6_B: &str = "fe80::b";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Two namespaces joined by a veth pair; deleted on drop.
pub struct NetnsPair {
    pub a: String,
    pub b: String,
}

/// Runs `test` on a fresh namespace pair, or reports why it cannot.
pub fn with_netns(test: impl FnOnce(&NetnsPair)) {
    match netns_pair() {
        Ok(pair) => test(&pair),
        Err(reason) => skip_or_fail(&reason),
    }
}

/// Either a namespace pair, or the reason the environment cannot make one.
pub fn netns_pair() -> Result<NetnsPair, String> {
    if !cfg!(target_os = "linux") {
        return Err("network namespaces need Linux".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => return Err(format!("`ip -V` failed: {}", text(&out.stderr))),
        Err(e) => return Err(format!("iproute2 `ip` not found ({e}); install iproute2")),
    }
    remove_stale_namespaces();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let a = format!("{NS_PREFIX}{pid}-{n}a");
    let b = format!("{NS_PREFIX}{pid}-{n}b");
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

    /// Starts `mash --json --log <LOG> <args>` inside `ns`.
    pub fn mash(&self, ns: &str, name: &str, args: &[&str]) -> Proc {
        Proc::spawn(Some(ns), name, args)
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
fn remove_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(rest) = name.strip_prefix(NS_PREFIX) else {
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

/// Removes terminal colour codes (the log formatter writes them even into
/// a pipe).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A `mash` process, inside a namespace or on the host. Its stdout is read as JSON lines
/// (`--json`), its stderr (logs) kept for assertions and failure reports.
/// Killed on drop.
pub struct Proc {
    name: String,
    child: Child,
    lines: Receiver<Value>,
    seen: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Proc {
    /// Starts `mash --json --log <LOG> <args>` on the host (loopback
    /// tests that need no multicast).
    pub fn host(name: &str, args: &[&str]) -> Self {
        Self::spawn(None, name, args)
    }

    fn spawn(ns: Option<&str>, name: &str, args: &[&str]) -> Self {
        let mut command = match ns {
            // `ip netns exec` execs the command: the child's PID is mash's.
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, env!("CARGO_BIN_EXE_mash")]);
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_mash")),
        };
        let mut child = command
            .args(["--json", "--log", LOG])
            .args(args)
            .env_remove("MASH_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ip netns exec mash");
        let (tx, lines) = mpsc::channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let log = Arc::clone(&seen);
        let out_reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                log.lock().unwrap().push(line.clone());
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut pipe = child.stderr.take().expect("piped stderr");
        let err_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let chunk = strip_ansi(&String::from_utf8_lossy(&buf[..n]));
                sink.lock().unwrap().push_str(&chunk);
            }
        });
        Self {
            name: format!("{name}@{}", ns.unwrap_or("host")),
            child,
            lines,
            seen,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    /// The next stdout JSON line for which `matches` holds (earlier ones
    /// are skipped), waiting at most `timeout`.
    pub fn expect(
        &mut self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if matches(&v) => return v,
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no {what} within {timeout:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("exited before printing {what}"))
                }
            }
        }
    }

    /// The next `{"message": ...}` line starting with `prefix`.
    pub fn expect_message(&mut self, prefix: &str, timeout: Duration) -> Value {
        self.expect(&format!("message {prefix:?}"), timeout, |v| {
            v["message"].as_str().is_some_and(|m| m.starts_with(prefix))
        })
    }

    /// The next `{"event": ...}` line starting with `prefix`.
    pub fn expect_event(&mut self, prefix: &str, timeout: Duration) -> Value {
        self.expect(&format!("event {prefix:?}"), timeout, |v| {
            v["event"].as_str().is_some_and(|m| m.starts_with(prefix))
        })
    }

    /// Waits (bounded) until the logs contain `needle`.
    pub fn expect_log(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.logs().contains(needle) {
            if Instant::now() > deadline {
                self.fail(&format!("no log line with {needle:?} within {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything logged on stderr so far, without colour codes.
    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGINT (what Ctrl-C sends; `mash` shuts down gracefully).
    pub fn interrupt(&mut self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "{}: kill -INT failed", self.name);
    }

    /// Waits (bounded) for the process to exit and returns its status.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait().expect("wait child") {
                Some(status) => {
                    // The pipes close with the process: collect the rest.
                    for r in self.readers.drain(..) {
                        let _ = r.join();
                    }
                    return status;
                }
                None if Instant::now() > deadline => self.fail("did not exit"),
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Waits (bounded) for a successful exit.
    pub fn wait_success(&mut self, timeout: Duration) {
        let status = self.wait(timeout);
        if !status.success() {
            self.fail(&format!("exited with {status}"));
        }
    }

    /// Kills the process and panics with what it printed.
    pub fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        let stdout = self.seen.lock().unwrap().join("\n");
        panic!(
            "{}: {what}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
            self.name,
            self.logs()
        );
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
