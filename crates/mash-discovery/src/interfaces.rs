//! Which network interfaces mDNS runs on.
//!
//! mdns-sd joins the multicast group on every interface by default. On a
//! multi-homed box, such as a smart meter gateway with a WAN, a LAN and a
//! management interface, that announces devices and zone IDs to networks
//! that must not see them. So we choose:
//!
//! - [`InterfacePolicy::Named`]: exactly the interfaces the caller lists
//!   (loopback only if listed). This is what a gateway should configure.
//! - [`InterfacePolicy::SingleAuto`] (the default): if the host has exactly
//!   one interface that is up, not loopback and not point-to-point, use it;
//!   if it has none or several, fail with [`InterfaceError`] and ask for
//!   configuration. A single-homed device works out of the box; a
//!   multi-homed one never guesses.
//! - [`InterfacePolicy::AllNonLoopback`]: every such interface, including
//!   ones that appear later. Explicit opt-in only.
//!
//! [`IpFamilies`] further limits the chosen interfaces to IPv4 or IPv6.
//! The choice is enforced with mdns-sd's `disable_interface(All)` followed
//! by `enable_interface(..)`; mdns-sd applies selections in order.

use core::fmt;
use std::io;

use mdns_sd::{IfKind, IfPredicate, ServiceDaemon};

/// How interfaces are chosen; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum InterfacePolicy {
    /// Exactly these interface names (e.g. `eth0`). An interface that does
    /// not exist yet is used once it appears.
    Named(Vec<String>),
    /// The single up, non-loopback, non-point-to-point interface; an error
    /// if there is none or more than one.
    #[default]
    SingleAuto,
    /// Every up, non-loopback interface, now and later.
    AllNonLoopback,
}

/// Which IP families mDNS uses on the chosen interfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpFamilies {
    /// IPv4 and IPv6 (default).
    #[default]
    Both,
    /// IPv4 only.
    V4Only,
    /// IPv6 only.
    V6Only,
}

impl IpFamilies {
    fn ipv4(self) -> bool {
        self != Self::V6Only
    }

    fn ipv6(self) -> bool {
        self != Self::V4Only
    }
}

/// Interface configuration of an [`Mdns`](crate::Mdns) instance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceConfig {
    /// How interfaces are chosen.
    pub policy: InterfacePolicy,
    /// Which IP families are used on them.
    pub families: IpFamilies,
}

impl InterfaceConfig {
    /// Use exactly the named interfaces, both IP families.
    pub fn named<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            policy: InterfacePolicy::Named(names.into_iter().map(Into::into).collect()),
            families: IpFamilies::Both,
        }
    }

    /// The same policy, limited to `families`.
    pub fn with_families(mut self, families: IpFamilies) -> Self {
        self.families = families;
        self
    }

    /// Decides, without I/O, which interfaces to use given what the host
    /// has.
    pub fn select(&self, available: &[NetInterface]) -> Result<Selection, InterfaceError> {
        let selected = match &self.policy {
            InterfacePolicy::Named(names) => {
                if names.is_empty() || names.iter().any(String::is_empty) {
                    return Err(InterfaceError::EmptyName);
                }
                for name in names {
                    if !available.iter().any(|i| &i.name == name) {
                        tracing::warn!(interface = %name, "configured mDNS interface not present yet");
                    }
                }
                Selected::Names(names.clone())
            }
            InterfacePolicy::SingleAuto => {
                let candidates: Vec<String> = available
                    .iter()
                    .filter(|i| i.is_candidate(self.families))
                    .map(|i| i.name.clone())
                    .collect();
                match candidates.as_slice() {
                    [] => return Err(InterfaceError::NoCandidate),
                    [one] => Selected::Names(vec![one.clone()]),
                    _ => return Err(InterfaceError::Ambiguous(candidates)),
                }
            }
            InterfacePolicy::AllNonLoopback => Selected::AllNonLoopback,
        };
        Ok(Selection {
            selected,
            families: self.families,
        })
    }
}

/// One host interface, as far as selection cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInterface {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// Loopback interface.
    pub loopback: bool,
    /// Operationally up.
    pub up: bool,
    /// Point-to-point link (VPN tunnels and the like).
    pub point_to_point: bool,
    /// Has an IPv4 address.
    pub ipv4: bool,
    /// Has an IPv6 address.
    pub ipv6: bool,
}

impl NetInterface {
    fn is_candidate(&self, families: IpFamilies) -> bool {
        self.up
            && !self.loopback
            && !self.point_to_point
            && ((families.ipv4() && self.ipv4) || (families.ipv6() && self.ipv6))
    }
}

/// Lists the host's interfaces with at least one address, one entry per
/// name.
pub fn host_interfaces() -> io::Result<Vec<NetInterface>> {
    let mut out: Vec<NetInterface> = Vec::new();
    for ifa in if_addrs::get_if_addrs()? {
        let v4 = ifa.ip().is_ipv4();
        if let Some(entry) = out.iter_mut().find(|i| i.name == ifa.name) {
            entry.ipv4 |= v4;
            entry.ipv6 |= !v4;
            continue;
        }
        out.push(NetInterface {
            loopback: ifa.is_loopback(),
            up: ifa.is_oper_up(),
            point_to_point: ifa.is_p2p(),
            ipv4: v4,
            ipv6: !v4,
            name: ifa.name,
        });
    }
    Ok(out)
}

/// The outcome of [`InterfaceConfig::select`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    selected: Selected,
    families: IpFamilies,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Selected {
    Names(Vec<String>),
    AllNonLoopback,
}

impl Selection {
    /// The chosen interface names; `None` for "all non-loopback".
    pub fn names(&self) -> Option<&[String]> {
        match &self.selected {
            Selected::Names(names) => Some(names),
            Selected::AllNonLoopback => None,
        }
    }

    /// The IP families in use.
    pub fn families(&self) -> IpFamilies {
        self.families
    }

    /// Restricts `daemon` to this selection. Call before registering or
    /// browsing: mdns-sd handles commands in order.
    pub(crate) fn apply(&self, daemon: &ServiceDaemon) -> mdns_sd::Result<()> {
        daemon.disable_interface(IfKind::All)?;
        match &self.selected {
            Selected::Names(names) => {
                let kinds: Vec<IfKind> = names.iter().map(|n| IfKind::Name(n.clone())).collect();
                daemon.enable_interface(kinds)?;
            }
            Selected::AllNonLoopback => {
                let pred = IfPredicate::new(|i: &if_addrs::Interface| !i.is_loopback());
                daemon.enable_interface(IfKind::Predicate(pred))?;
            }
        }
        if !self.families.ipv4() {
            daemon.disable_interface(IfKind::IPv4)?;
        }
        if !self.families.ipv6() {
            daemon.disable_interface(IfKind::IPv6)?;
        }
        Ok(())
    }
}

/// The interface configuration cannot be applied.
#[derive(Debug)]
#[non_exhaustive]
pub enum InterfaceError {
    /// `SingleAuto` found no usable interface.
    NoCandidate,
    /// `SingleAuto` found several; the caller must name the ones to use.
    Ambiguous(Vec<String>),
    /// `Named` with no names, or an empty name.
    EmptyName,
    /// The host's interfaces could not be listed.
    List(io::Error),
}

impl fmt::Display for InterfaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCandidate => {
                f.write_str("no usable network interface (up, not loopback); name one explicitly")
            }
            Self::Ambiguous(names) => write!(
                f,
                "several network interfaces ({}); configure which ones mDNS may use",
                names.join(", ")
            ),
            Self::EmptyName => f.write_str("interface list is empty or has an empty name"),
            Self::List(e) => write!(f, "cannot list network interfaces: {e}"),
        }
    }
}

impl std::error::Error for InterfaceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::List(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intf(name: &str, loopback: bool, up: bool, ipv4: bool, ipv6: bool) -> NetInterface {
        NetInterface {
            name: name.into(),
            loopback,
            up,
            point_to_point: false,
            ipv4,
            ipv6,
        }
    }

    #[test]
    fn single_auto_picks_the_only_non_loopback_interface() {
        let host = [
            intf("lo", true, true, true, true),
            intf("eth0", false, true, true, true),
            intf("eth1", false, false, true, false), // down
        ];
        let sel = InterfaceConfig::default().select(&host).unwrap();
        assert_eq!(sel.names(), Some(&["eth0".to_string()][..]));
    }

    #[test]
    fn single_auto_refuses_to_guess_on_a_multi_homed_host() {
        let host = [
            intf("lo", true, true, true, true),
            intf("wan0", false, true, true, true),
            intf("lan0", false, true, true, true),
        ];
        match InterfaceConfig::default().select(&host) {
            Err(InterfaceError::Ambiguous(names)) => assert_eq!(names, ["wan0", "lan0"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn single_auto_never_falls_back_to_loopback() {
        let host = [intf("lo", true, true, true, true)];
        assert!(matches!(
            InterfaceConfig::default().select(&host),
            Err(InterfaceError::NoCandidate)
        ));
    }

    #[test]
    fn families_narrow_the_candidates() {
        let host = [
            intf("v4only", false, true, true, false),
            intf("v6only", false, true, false, true),
        ];
        let cfg = InterfaceConfig::default().with_families(IpFamilies::V6Only);
        let sel = cfg.select(&host).unwrap();
        assert_eq!(sel.names(), Some(&["v6only".to_string()][..]));
        assert_eq!(sel.families(), IpFamilies::V6Only);
    }

    #[test]
    fn named_interfaces_are_taken_as_given() {
        let sel = InterfaceConfig::named(["lan0", "lo"]).select(&[]).unwrap();
        assert_eq!(sel.names().unwrap(), ["lan0", "lo"]);
        assert!(matches!(
            InterfaceConfig::named(Vec::<String>::new()).select(&[]),
            Err(InterfaceError::EmptyName)
        ));
    }

    #[test]
    fn all_non_loopback_is_opt_in() {
        let cfg = InterfaceConfig {
            policy: InterfacePolicy::AllNonLoopback,
            families: IpFamilies::Both,
        };
        assert_eq!(cfg.select(&[]).unwrap().names(), None);
    }
}
