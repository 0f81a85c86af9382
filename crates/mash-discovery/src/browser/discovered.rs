//! What a browse yields: a validated record plus where to reach it.

use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use mdns_sd::{ResolvedService, ScopedIp, ServiceEvent};

use crate::records::ServiceKind;
use crate::txt::TxtRecord;

/// A resolved, validated record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered<R> {
    /// The decoded TXT record.
    pub record: R,
    /// The instance name (the first DNS label, unescaped), e.g. `MASH-0042`.
    pub instance: String,
    /// The SRV target host, e.g. `evse-1.local.`.
    pub host: String,
    /// The SRV port.
    pub port: u16,
    /// Every address of the host with the SRV port: IPv4 first, then
    /// routable IPv6, then link-local IPv6. Link-local IPv6 addresses carry
    /// the index of the interface they were learned on as `scope_id`, so
    /// connecting to them reaches the right link (`fe80::1%eth0`).
    pub addresses: Vec<SocketAddr>,
}

/// A daemon event reduced to what the typed streams need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawEvent {
    Resolved(RawService),
    Removed { instance: String },
}

/// A resolved service before its TXT record is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawService {
    pub(crate) instance: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) addresses: Vec<SocketAddr>,
    pub(crate) txt: TxtRecord,
}

impl RawEvent {
    /// `None` for events that carry no record (search started/stopped,
    /// found-but-unresolved) and for names outside `kind`.
    pub(crate) fn from_daemon(kind: ServiceKind, event: &ServiceEvent) -> Option<Self> {
        match event {
            ServiceEvent::ServiceResolved(service) => {
                RawService::from_resolved(kind, service).map(Self::Resolved)
            }
            ServiceEvent::ServiceRemoved(_, fullname) => {
                instance_from_fullname(fullname, kind.ty_domain())
                    .map(|instance| Self::Removed { instance })
            }
            _ => None,
        }
    }
}

impl RawService {
    fn from_resolved(kind: ServiceKind, service: &ResolvedService) -> Option<Self> {
        let instance = instance_from_fullname(service.get_fullname(), kind.ty_domain())?;
        let port = service.get_port();
        let addresses = service
            .get_addresses()
            .iter()
            .filter_map(|ip| scoped_socket_addr(ip, port))
            .collect();
        Some(Self {
            instance,
            host: service.get_hostname().to_owned(),
            port,
            addresses: sorted_addresses(addresses),
            txt: TxtRecord::from_properties(service.get_properties()),
        })
    }
}

/// IPv4 first, then routable IPv6, then link-local IPv6; duplicates removed.
pub(crate) fn sorted_addresses(mut addresses: Vec<SocketAddr>) -> Vec<SocketAddr> {
    addresses.sort_by_key(|a| (address_rank(a), *a));
    addresses.dedup();
    addresses
}

fn scoped_socket_addr(ip: &ScopedIp, port: u16) -> Option<SocketAddr> {
    match ip {
        ScopedIp::V4(v4) => Some(socket_addr(IpAddr::V4(*v4.addr()), 0, port)),
        ScopedIp::V6(v6) => Some(socket_addr(
            IpAddr::V6(*v6.addr()),
            v6.scope_id().index,
            port,
        )),
        _ => None,
    }
}

/// A socket address for `ip`; `scope` (an interface index) is kept only
/// where it means something, on link-local IPv6.
pub(crate) fn socket_addr(ip: IpAddr, scope: u32, port: u16) -> SocketAddr {
    match ip {
        IpAddr::V4(v4) => SocketAddr::V4(SocketAddrV4::new(v4, port)),
        IpAddr::V6(v6) => {
            let scope = if is_link_local(&v6) { scope } else { 0 };
            SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope))
        }
    }
}

fn is_link_local(ip: &Ipv6Addr) -> bool {
    ip.segments().first().is_some_and(|s| s & 0xffc0 == 0xfe80)
}

fn address_rank(addr: &SocketAddr) -> u8 {
    match addr {
        SocketAddr::V4(_) => 0,
        SocketAddr::V6(v6) if !is_link_local(v6.ip()) => 1,
        SocketAddr::V6(_) => 2,
    }
}

/// The instance label of `<instance>.<ty_domain>`, with mdns-sd's escapes
/// (`\.`, `\\`) undone.
pub(crate) fn instance_from_fullname(fullname: &str, ty_domain: &str) -> Option<String> {
    let cut = fullname.len().checked_sub(ty_domain.len() + 1)?;
    let (instance, rest) = (fullname.get(..cut)?, fullname.get(cut..)?);
    let suffix = rest.strip_prefix('.')?;
    if !suffix.eq_ignore_ascii_case(ty_domain) || instance.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(instance.len());
    let mut chars = instance.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('.' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_local_ipv6_keeps_its_scope_and_others_drop_it() {
        let ll: IpAddr = "fe80::1".parse().unwrap();
        let global: IpAddr = "2001:db8::1".parse().unwrap();
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(socket_addr(ll, 3, 8443).to_string(), "[fe80::1%3]:8443");
        assert_eq!(
            socket_addr(global, 3, 8443).to_string(),
            "[2001:db8::1]:8443"
        );
        assert_eq!(socket_addr(v4, 3, 8443).to_string(), "192.0.2.1:8443");
    }

    #[test]
    fn addresses_sort_v4_then_routable_v6_then_link_local() {
        let ll = socket_addr("fe80::1".parse().unwrap(), 2, 1);
        let addrs = sorted_addresses(vec![
            ll,
            socket_addr("2001:db8::1".parse().unwrap(), 0, 1),
            socket_addr("192.0.2.1".parse().unwrap(), 0, 1),
            ll,
        ]);
        assert_eq!(addrs.len(), 3);
        assert!(addrs[0].is_ipv4());
        assert_eq!(address_rank(&addrs[1]), 1);
        assert_eq!(address_rank(&addrs[2]), 2);
    }

    #[test]
    fn instance_names_are_cut_from_full_names_and_unescaped() {
        let ty = "_mashd._udp.local.";
        assert_eq!(
            instance_from_fullname("Home Energy._mashd._udp.local.", ty).as_deref(),
            Some("Home Energy")
        );
        assert_eq!(
            instance_from_fullname("a\\.b\\\\c._MASHD._udp.local.", ty).as_deref(),
            Some("a.b\\c")
        );
        assert_eq!(instance_from_fullname("x._mash._tcp.local.", ty), None);
        assert_eq!(instance_from_fullname("._mashd._udp.local.", ty), None);
        assert_eq!(instance_from_fullname("_mashd._udp.local.", ty), None);
    }
}
