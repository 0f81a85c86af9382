//! Which of a discovered device's addresses to dial, and in which order
//! (pure; no I/O).
//!
//! A browse yields every address of the device's host with the SRV port
//! (`mash_discovery::Discovered::addresses`). The controller dials IPv6
//! before IPv4 (routable, then link-local with the scope ID of the
//! interface it was learned on), as the transport does for resolved names.

use std::net::SocketAddr;

use mash_transport::Target;

/// `addresses` in dial order: routable IPv6, link-local IPv6, then IPv4;
/// duplicates dropped, order within a group kept.
pub(crate) fn dial_order(addresses: &[SocketAddr]) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = Vec::with_capacity(addresses.len());
    for a in addresses {
        if !out.contains(a) {
            out.push(*a);
        }
    }
    out.sort_by_key(rank);
    out
}

fn rank(a: &SocketAddr) -> u8 {
    match a {
        SocketAddr::V6(v6) if !is_link_local(v6.ip()) => 0,
        SocketAddr::V6(_) => 1,
        SocketAddr::V4(_) => 2,
    }
}

fn is_link_local(ip: &std::net::Ipv6Addr) -> bool {
    ip.segments().first().is_some_and(|s| s & 0xffc0 == 0xfe80)
}

/// Where to dial next, after dialling `current` failed and the device's
/// operational record (`_mash._tcp`, INTEROP.md §9) shows `found`:
///
/// - `current` is not among them (new port or new address): the first in
///   dial order;
/// - it is, and the record lists others: the next one after it (another
///   address of the same device may work where this one does not);
/// - it is the only one: `None` (nothing new; keep waiting for a change).
pub(crate) fn next_target(current: &Target, found: &[SocketAddr]) -> Option<Target> {
    let order = dial_order(found);
    let position = match current {
        Target::Addr(addr) => order.iter().position(|a| a == addr),
        Target::Name(..) => None,
    };
    let next = match position {
        None => order.first(),
        Some(_) if order.len() < 2 => None,
        Some(i) => order.get((i + 1) % order.len()),
    };
    next.map(|a| Target::Addr(*a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn target(s: &str) -> Target {
        Target::Addr(s.parse().unwrap())
    }

    #[test]
    fn ipv6_goes_first_and_link_local_keeps_its_scope() {
        let order = dial_order(&addrs(&[
            "192.0.2.7:8443",
            "[fe80::7%3]:8443",
            "[2001:db8::7]:8443",
            "192.0.2.7:8443",
        ]));
        assert_eq!(
            order,
            addrs(&["[2001:db8::7]:8443", "[fe80::7%3]:8443", "192.0.2.7:8443"])
        );
        let SocketAddr::V6(ll) = order[1] else {
            panic!("not v6")
        };
        assert_eq!(ll.scope_id(), 3);
    }

    #[test]
    fn a_moved_device_is_dialled_at_its_new_port() {
        let found = addrs(&["192.0.2.7:9443", "[fe80::7%3]:9443"]);
        assert_eq!(
            next_target(&target("192.0.2.7:8443"), &found),
            Some(target("[fe80::7%3]:9443"))
        );
    }

    #[test]
    fn an_unchanged_record_cycles_through_the_other_addresses() {
        let found = addrs(&["192.0.2.7:8443", "[fe80::7%3]:8443"]);
        assert_eq!(
            next_target(&target("[fe80::7%3]:8443"), &found),
            Some(target("192.0.2.7:8443"))
        );
        assert_eq!(
            next_target(&target("192.0.2.7:8443"), &found),
            Some(target("[fe80::7%3]:8443"))
        );
        assert_eq!(
            next_target(&target("192.0.2.7:8443"), &addrs(&["192.0.2.7:8443"])),
            None
        );
    }

    #[test]
    fn names_are_replaced_by_what_was_found() {
        let found = addrs(&["192.0.2.7:8443"]);
        let name = Target::Name("evse.local".into(), 8443);
        assert_eq!(next_target(&name, &found), Some(target("192.0.2.7:8443")));
        assert_eq!(next_target(&name, &[]), None);
    }
}
