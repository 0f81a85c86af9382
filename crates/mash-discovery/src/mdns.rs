//! The shared mDNS responder/querier: one mdns-sd daemon per [`Mdns`],
//! restricted to the configured interfaces, used by the [`Advertiser`] and
//! [`Browser`] made from it.

use std::sync::{Arc, Mutex};

use mdns_sd::{DaemonEvent, ServiceDaemon};

use crate::advertiser::Advertiser;
use crate::browser::Browser;
use crate::browser::hub::Hubs;
use crate::error::Error;
use crate::interfaces::{InterfaceConfig, Selection, host_interfaces};

/// Configuration of an [`Mdns`] instance.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryConfig {
    /// Which interfaces and IP families to use; the default refuses to
    /// guess on multi-homed hosts (see [`crate::interfaces`]).
    pub interfaces: InterfaceConfig,
    /// The host label for SRV and address records (`<label>.local.`). A
    /// trailing `.local` / `.local.` is accepted. Default: the OS host
    /// name, cut to its first label and made DNS-safe, else `mash`.
    pub host_name: Option<String>,
}

/// A running mDNS daemon (one thread, port 5353) bound to the selected
/// interfaces. Cheap to clone; the daemon stops, after sending goodbyes
/// for anything still registered, when the last clone (including every
/// [`Advertiser`], [`Browser`] and browse stream made from it) is dropped.
#[derive(Clone)]
pub struct Mdns {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) daemon: ServiceDaemon,
    pub(crate) host: String,
    pub(crate) hubs: Arc<Mutex<Hubs>>,
    selection: Selection,
}

impl Mdns {
    /// Starts a daemon restricted to the interfaces `config` selects.
    pub fn new(config: &DiscoveryConfig) -> Result<Self, Error> {
        let host = host_fqdn(config.host_name.as_deref())?;
        let available = host_interfaces().map_err(crate::interfaces::InterfaceError::List)?;
        let selection = config.interfaces.select(&available)?;
        let daemon = ServiceDaemon::new()?;
        // Selections go first: the daemon handles commands in order, so no
        // record or query leaves on an interface that is not selected.
        if let Err(e) = selection.apply(&daemon) {
            let _ = daemon.shutdown();
            return Err(e.into());
        }
        spawn_monitor(&daemon);
        tracing::debug!(%host, ?selection, "mDNS daemon started");
        Ok(Self {
            inner: Arc::new(Inner {
                daemon,
                host,
                hubs: Arc::default(),
                selection,
            }),
        })
    }

    /// An advertiser publishing through this daemon.
    pub fn advertiser(&self) -> Advertiser {
        Advertiser::from_mdns(self.clone())
    }

    /// A browser querying through this daemon.
    pub fn browser(&self) -> Browser {
        Browser::from_mdns(self.clone())
    }

    /// The host name used in SRV records, e.g. `evse-1.local.`.
    pub fn host_name(&self) -> &str {
        &self.inner.host
    }

    /// The interfaces in use.
    pub fn selection(&self) -> &Selection {
        &self.inner.selection
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // mdns-sd sends goodbyes for every registered service on shutdown.
        if let Err(e) = self.daemon.shutdown() {
            tracing::debug!(error = %e, "mDNS daemon shutdown");
        }
    }
}

/// Logs what the daemon reports on its own (socket errors, renames after
/// a name conflict). The thread ends when the daemon does.
fn spawn_monitor(daemon: &ServiceDaemon) {
    let events = match daemon.monitor() {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, "cannot monitor mDNS daemon");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("mash-mdns-monitor".into())
        .spawn(move || {
            while let Ok(event) = events.recv() {
                match event {
                    DaemonEvent::Error(e) => tracing::warn!(error = %e, "mDNS daemon error"),
                    DaemonEvent::NameChange(c) => tracing::warn!(
                        original = %c.original,
                        new_name = %c.new_name,
                        "mDNS name conflict resolved by renaming"
                    ),
                    other => tracing::trace!(event = ?other, "mDNS daemon event"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot spawn mDNS monitor thread");
    }
}

/// `<label>.local.` from the configured or OS host name.
fn host_fqdn(configured: Option<&str>) -> Result<String, Error> {
    let label = match configured {
        Some(name) => {
            let label = name
                .strip_suffix(".local.")
                .or_else(|| name.strip_suffix(".local"))
                .unwrap_or(name);
            if !is_dns_label(label) {
                return Err(Error::InvalidHostName(name.to_owned()));
            }
            label.to_owned()
        }
        None => os_host_label(),
    };
    Ok(format!("{label}.local."))
}

/// Letters, digits and inner hyphens, 1..=63 bytes (RFC 1123 host label).
fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

fn os_host_label() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    sanitize_label(raw.trim())
}

/// The first label of `name`, with anything but letters, digits and `-`
/// turned into `-`; `mash` if nothing usable is left.
fn sanitize_label(name: &str) -> String {
    let first = name.split('.').next().unwrap_or_default();
    let mapped: String = first
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(63)
        .collect();
    let trimmed = mapped.trim_matches('-');
    if trimmed.is_empty() {
        "mash".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_host_names_are_validated() {
        assert_eq!(host_fqdn(Some("evse-1")).unwrap(), "evse-1.local.");
        assert_eq!(host_fqdn(Some("evse-1.local.")).unwrap(), "evse-1.local.");
        assert_eq!(host_fqdn(Some("evse-1.local")).unwrap(), "evse-1.local.");
        for bad in ["", "-x", "x-", "a b", "a.b", &"x".repeat(64)] {
            assert!(host_fqdn(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn os_host_names_are_made_dns_safe() {
        assert_eq!(sanitize_label("gateway.example.org"), "gateway");
        assert_eq!(sanitize_label("my_box"), "my-box");
        assert_eq!(sanitize_label("__"), "mash");
        assert_eq!(sanitize_label(""), "mash");
        assert!(is_dns_label(&sanitize_label(&"é".repeat(100))));
    }
}
