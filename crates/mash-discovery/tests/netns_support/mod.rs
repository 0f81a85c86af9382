//! Plumbing for tests where multicast really flows, without touching the
//! machine's network: two fresh network namespaces joined by a veth pair,
//! and children of this test binary re-executed inside them with
//! `ip netns exec`.
//!
//! Needs Linux, iproute2 (`ip`) and the right to create namespaces (root or
//! CAP_SYS_ADMIN + CAP_NET_ADMIN). Without them the tests print why and
//! return early, unless `MASH_REQUIRE_NETNS=1` turns that into a failure.
//!
//! The namespaces and their link come from the `mash-netns` test-support
//! crate (shared with mash-cli's end-to-end tests).

#![allow(dead_code)] // each test binary uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Prefix of protocol lines a child prints on stdout.
pub const LINE_PREFIX: &str = "MASHNS ";
/// Environment variable naming the role a re-executed child plays.
pub const ROLE_ENV: &str = "MASH_NETNS_ROLE";
/// Prefix of all namespaces these tests create.
const NS_PREFIX: &str = "mashdisc-";

pub use mash_netns::{IF_A, IF_B, NetnsPair, V4_A, V6_A, skip_or_fail};

/// Either a namespace pair, or the reason the environment cannot make one.
pub fn netns_pair() -> Result<NetnsPair, String> {
    mash_netns::netns_pair(NS_PREFIX)
}

/// Re-executing this test binary inside one of the pair's namespaces.
pub trait SpawnRole {
    /// Runs this test binary's `child_role` test inside `ns` as `role`.
    fn spawn(&self, ns: &str, role: &str, env: &[(&str, String)]) -> Node;
}

impl SpawnRole for NetnsPair {
    fn spawn(&self, ns: &str, role: &str, env: &[(&str, String)]) -> Node {
        Node::spawn(ns, role, env)
    }
}

fn stderr_text(bytes: &[u8]) -> String {
    mash_netns::text(bytes)
}

/// A child process playing one role inside a namespace.
pub struct Node {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<JoinHandle<()>>,
}

impl Node {
    fn spawn(ns: &str, role: &str, env: &[(&str, String)]) -> Self {
        let exe = std::env::current_exe().expect("test binary path");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns])
            .arg(exe)
            .args(["child_role", "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads=1"])
            .env(ROLE_ENV, role)
            .env("MASH_NETNS_NAME", ns)
            .env("MASH_PARENT_NETNS", own_netns())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn ip netns exec");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest may have printed "test child_role ... " without a
                // newline before our first line: look for the prefix anywhere.
                if let Some(pos) = line.find(LINE_PREFIX) {
                    let _ = tx.send(line[pos + LINE_PREFIX.len()..].to_owned());
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self {
            name: format!("{role}@{ns}"),
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// The next protocol line starting with `prefix` (earlier lines with
    /// other prefixes are skipped), waiting at most `timeout`.
    pub fn expect(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no {prefix:?} line within {timeout:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("exited before printing {prefix:?}"))
                }
            }
        }
    }

    /// Sends one command line to the child.
    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .expect("write to child");
    }

    /// Waits (bounded) for a clean exit: first for stdout to close, then
    /// for the exit status.
    pub fn wait_success(&mut self, timeout: Duration) {
        self.stdin.take();
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(_) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => self.fail("did not exit"),
            }
        }
        match self.child.wait().expect("wait child") {
            status if status.success() => {}
            status => self.fail(&format!("exited with {status}")),
        }
    }

    fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The child is gone, so its stderr is closed: drain it completely.
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let stderr = self.stderr.lock().unwrap().clone();
        panic!("{}: {what}\n--- child stderr ---\n{stderr}", self.name);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn own_netns() -> String {
    std::fs::read_link("/proc/self/ns/net")
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// In a child: refuses to run outside a fresh network namespace, so a role
/// can never touch the machine's real network. The parent passes its own
/// namespace; the child must be somewhere else.
pub fn assert_in_private_netns() {
    let own = own_netns();
    let parent = std::env::var("MASH_PARENT_NETNS").unwrap_or_default();
    assert!(
        !own.is_empty() && !parent.is_empty() && own != parent,
        "child role not in a private network namespace (own {own:?}, parent {parent:?})"
    );
    assert!(
        std::env::var("MASH_NETNS_NAME").is_ok_and(|n| n.starts_with(NS_PREFIX)),
        "child role started without a test namespace"
    );
}

/// In a child: prints a protocol line for the parent.
pub fn report(line: &str) {
    println!("{LINE_PREFIX}{line}");
}
