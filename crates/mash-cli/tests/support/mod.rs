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
//! The namespaces come from the `mash-netns` test-support crate, shared
//! with `mash-discovery/tests/netns_support`, which re-executes its test
//! binary instead of running `mash`.
//!
//! [`Proc::host`] starts `mash` on the host instead, for tests on
//! loopback that need no multicast.

#![allow(dead_code)] // not every test uses every helper

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The log filter of every `mash` process: enough to see discovery
/// decisions on both sides.
pub const LOG: &str = "info,mash_device::service::mdns=debug,mash_controller=debug";

/// Prefix of every namespace these tests create.
const NS_PREFIX: &str = "mashcli-";

#[allow(unused_imports)] // not every test binary uses every name
pub use mash_netns::{IF_A, IF_B, NetnsPair};

/// Runs `test` on a fresh namespace pair, or reports why it cannot.
pub fn with_netns(test: impl FnOnce(&NetnsPair)) {
    mash_netns::with_netns(NS_PREFIX, test);
}

/// Starting `mash` inside one of the pair's namespaces.
pub trait MashNet {
    /// Starts `mash --json --log <LOG> <args>` inside `ns`.
    fn mash(&self, ns: &str, name: &str, args: &[&str]) -> Proc;
}

impl MashNet for NetnsPair {
    fn mash(&self, ns: &str, name: &str, args: &[&str]) -> Proc {
        Proc::spawn(Some(ns), name, args)
    }
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
