//! An in-memory network: devices registered at addresses, connections as
//! relayed in-memory pipes that can be cut, partitioned or slowed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mash_core::ids::ZoneId;
use mash_device::DeviceHandle;
use mash_transport::{Connection, ConnectionConfig, FramedStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::watch;

/// Why a simulated dial failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    /// Nothing listens at the address (or it is partitioned away).
    Unreachable(SocketAddr),
    /// The device refuses `mash-comm/1`: its window is closed.
    CommissioningClosed,
    /// No zone of the device trusts the controller's Zone CA.
    UnknownZone,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(a) => write!(f, "{a} unreachable"),
            Self::CommissioningClosed => f.write_str("commissioning window closed"),
            Self::UnknownZone => f.write_str("client certificate matches no zone"),
        }
    }
}

impl std::error::Error for SimError {}

/// The state of one link, shared by its two relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct LinkState {
    cut: bool,
    partitioned: bool,
    latency: Duration,
}

struct Link {
    /// Who dialed it (a controller's name), if known.
    owner: Option<String>,
    state: watch::Sender<LinkState>,
}

#[derive(Default)]
struct Host {
    device: Option<DeviceHandle>,
    links: Vec<Link>,
    partitioned: bool,
    latency: Duration,
}

#[derive(Default)]
struct Net {
    hosts: HashMap<SocketAddr, Host>,
    /// Controllers cut off from the network, and how.
    isolated: HashMap<String, Isolation>,
}

/// How a controller is cut off by [`SimNet::isolate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Its connections close at once (both ends notice); new dials fail.
    Cut,
    /// Its traffic is held, nothing closes: only keep-alive notices. New
    /// dials fail.
    Partition,
}

/// The simulated network. Cheap to clone.
#[derive(Clone, Default)]
pub struct SimNet {
    inner: Arc<Mutex<Net>>,
}

impl std::fmt::Debug for SimNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimNet").finish_non_exhaustive()
    }
}

/// Relays bytes from `from` to `to` while the link allows it.
async fn relay(
    mut from: tokio::io::ReadHalf<DuplexStream>,
    mut to: tokio::io::WriteHalf<DuplexStream>,
    mut state: watch::Receiver<LinkState>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            r = from.read(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            changed = state.changed() => {
                if changed.is_err() || state.borrow().cut {
                    break;
                }
                continue;
            }
        };
        // Hold the bytes while partitioned, as a stalled TCP path would.
        loop {
            let s = *state.borrow();
            if s.cut {
                return;
            }
            if !s.partitioned {
                if !s.latency.is_zero() {
                    tokio::time::sleep(s.latency).await;
                }
                break;
            }
            if state.changed().await.is_err() {
                return;
            }
        }
        let Some(chunk) = buf.get(..n) else { break };
        if to.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl SimNet {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<SocketAddr, Host>) -> R) -> R {
        f(&mut self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .hosts)
    }

    fn with_net<R>(&self, f: impl FnOnce(&mut Net) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Cuts off (or, with `None`, reconnects) the controller called
    /// `owner`, leaving everyone else's links alone.
    pub fn isolate(&self, owner: &str, isolation: Option<Isolation>) {
        self.with_net(|net| {
            match isolation {
                Some(i) => net.isolated.insert(owner.to_owned(), i),
                None => net.isolated.remove(owner),
            };
            for host in net.hosts.values_mut() {
                host.links.retain(|l| !l.state.is_closed());
                for l in host
                    .links
                    .iter()
                    .filter(|l| l.owner.as_deref() == Some(owner))
                {
                    l.state.send_modify(|s| match isolation {
                        Some(Isolation::Cut) => s.cut = true,
                        Some(Isolation::Partition) => s.partitioned = true,
                        None => s.partitioned = false,
                    });
                }
            }
        });
    }

    fn check_owner(&self, owner: Option<&str>, addr: SocketAddr) -> Result<(), SimError> {
        let blocked = self.with_net(|net| owner.is_some_and(|o| net.isolated.contains_key(o)));
        if blocked {
            Err(SimError::Unreachable(addr))
        } else {
            Ok(())
        }
    }

    /// Places a device at `addr`.
    pub fn add_device(&self, addr: SocketAddr, device: DeviceHandle) {
        self.with(|h| h.entry(addr).or_default().device = Some(device));
    }

    /// Takes the device at `addr` off the network (its links are cut).
    pub fn remove_device(&self, addr: SocketAddr) -> Option<DeviceHandle> {
        self.cut(addr);
        self.with(|h| h.get_mut(&addr).and_then(|host| host.device.take()))
    }

    /// Cuts every link to `addr` (both ends see the connection close).
    pub fn cut(&self, addr: SocketAddr) {
        self.with(|h| {
            if let Some(host) = h.get_mut(&addr) {
                for l in host.links.drain(..) {
                    l.state.send_modify(|s| s.cut = true);
                }
            }
        });
    }

    /// Partitions `addr` (traffic is held, nothing is closed: only
    /// keep-alive notices) or heals it. New dials fail while partitioned.
    pub fn partition(&self, addr: SocketAddr, partitioned: bool) {
        self.with(|h| {
            let host = h.entry(addr).or_default();
            host.partitioned = partitioned;
            host.links.retain(|l| !l.state.is_closed());
            for l in &host.links {
                l.state.send_modify(|s| s.partitioned = partitioned);
            }
        });
    }

    /// One-way latency of every link to `addr`.
    pub fn set_latency(&self, addr: SocketAddr, latency: Duration) {
        self.with(|h| {
            let host = h.entry(addr).or_default();
            host.latency = latency;
            for l in &host.links {
                l.state.send_modify(|s| s.latency = latency);
            }
        });
    }

    fn device(&self, addr: SocketAddr) -> Result<DeviceHandle, SimError> {
        self.with(|h| match h.get(&addr) {
            Some(host) if !host.partitioned => {
                host.device.clone().ok_or(SimError::Unreachable(addr))
            }
            _ => Err(SimError::Unreachable(addr)),
        })
    }

    /// A relayed pipe to `addr`: (controller end, device end).
    fn link(&self, addr: SocketAddr, owner: Option<&str>) -> (DuplexStream, DuplexStream) {
        let (ctl, ctl_far) = tokio::io::duplex(64 * 1024);
        let (dev, dev_far) = tokio::io::duplex(64 * 1024);
        let latency = self.with(|h| h.get(&addr).map_or(Duration::ZERO, |host| host.latency));
        let (tx, rx) = watch::channel(LinkState {
            latency,
            ..LinkState::default()
        });
        let (ctl_r, ctl_w) = tokio::io::split(ctl_far);
        let (dev_r, dev_w) = tokio::io::split(dev_far);
        tokio::spawn(relay(ctl_r, dev_w, rx.clone()));
        tokio::spawn(relay(dev_r, ctl_w, rx));
        let owner = owner.map(str::to_owned);
        self.with(|h| {
            h.entry(addr)
                .or_default()
                .links
                .push(Link { owner, state: tx })
        });
        (ctl, dev)
    }

    /// Dials the commissioning path (`mash-comm/1`) of the device at
    /// `addr`, refused while its window is closed (as its TLS policy
    /// would).
    pub fn dial_commissioning(
        &self,
        addr: SocketAddr,
        owner: Option<&str>,
    ) -> Result<FramedStream<DuplexStream>, SimError> {
        self.check_owner(owner, addr)?;
        let device = self.device(addr)?;
        if !device.snapshot().window_open {
            return Err(SimError::CommissioningClosed);
        }
        let (ctl, dev) = self.link(addr, owner);
        device.attach_commissioning(FramedStream::new(dev));
        Ok(FramedStream::new(ctl))
    }

    /// Dials the operational path (`mash/1`) with a client certificate
    /// issued by `zone_ca_der`; the device sees the zones whose CA that is,
    /// as TLS client authentication would tell it, and runs its side of
    /// the connection with `device_config`.
    pub fn dial_operational(
        &self,
        addr: SocketAddr,
        zone_ca_der: &[u8],
        device_config: ConnectionConfig,
        owner: Option<&str>,
    ) -> Result<FramedStream<DuplexStream>, SimError> {
        self.check_owner(owner, addr)?;
        let device = self.device(addr)?;
        let zones: Vec<ZoneId> = device
            .snapshot()
            .zones
            .iter()
            .filter(|z| z.zone_ca_der == zone_ca_der)
            .map(|z| z.zone_id)
            .collect();
        if zones.is_empty() {
            return Err(SimError::UnknownZone);
        }
        let (ctl, dev) = self.link(addr, owner);
        device.attach_operational(
            Connection::new(FramedStream::new(dev), device_config),
            zones,
        );
        Ok(FramedStream::new(ctl))
    }
}
