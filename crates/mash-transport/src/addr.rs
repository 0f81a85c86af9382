//! Dial targets: `host:port`, `1.2.3.4:8443`, `[2001:db8::1]:8443` and
//! link-local `[fe80::1%eth0]:8443` (connection-establishment.md §6.4).
//!
//! A link-local address needs the interface it is reachable on. The scope
//! may be numeric (`%2`) or an interface name, resolved to its index
//! through `/sys/class/net/<name>/ifindex` (Linux). Without a port, 8443 is
//! used. Names are resolved at dial time, IPv6 addresses first
//! (transport.md §2.1).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::str::FromStr;

use crate::DEFAULT_PORT;
use crate::error::{Error, Misuse};

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A literal socket address (with scope ID for link-local IPv6).
    Addr(SocketAddr),
    /// A host name to resolve, and a port.
    Name(String, u16),
}

impl Target {
    /// Every address to try, IPv6 first, in resolver order otherwise.
    pub async fn resolve(&self) -> Result<Vec<SocketAddr>, Error> {
        match self {
            Self::Addr(a) => Ok(vec![*a]),
            Self::Name(host, port) => {
                let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), *port))
                    .await?
                    .collect();
                // Stable: keeps the resolver's order within each family.
                addrs.sort_by_key(|a| !a.is_ipv6());
                addrs.dedup();
                Ok(addrs)
            }
        }
    }
}

impl From<SocketAddr> for Target {
    fn from(a: SocketAddr) -> Self {
        Self::Addr(a)
    }
}

impl FromStr for Target {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        parse(s).map_err(|()| Misuse::InvalidTarget(s.to_owned()))?
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Addr(a) => write!(f, "{a}"),
            Self::Name(h, p) => write!(f, "{h}:{p}"),
        }
    }
}

/// Outer `Err(())` = syntax error; inner error = unknown interface.
fn parse(s: &str) -> Result<Result<Target, Error>, ()> {
    if let Some(rest) = s.strip_prefix('[') {
        // [v6(%scope)?](:port)?
        let (inside, after) = rest.split_once(']').ok_or(())?;
        let port = match after {
            "" => DEFAULT_PORT,
            p => parse_port(p.strip_prefix(':').ok_or(())?)?,
        };
        return ipv6(inside, port);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Ok(Target::Addr(SocketAddr::new(ip, DEFAULT_PORT))));
    }
    if s.matches(':').count() >= 2 {
        // A bare IPv6 address, perhaps with a scope; no port possible.
        return ipv6(s, DEFAULT_PORT);
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, parse_port(p)?),
        None => (s, DEFAULT_PORT),
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Ok(Target::Addr(SocketAddr::new(ip, port))));
    }
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    {
        return Err(());
    }
    Ok(Ok(Target::Name(host.to_owned(), port)))
}

fn parse_port(p: &str) -> Result<u16, ()> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(()),
        Ok(port) => Ok(port),
    }
}

/// `v6` or `v6%scope`.
fn ipv6(s: &str, port: u16) -> Result<Result<Target, Error>, ()> {
    let (ip, scope) = match s.split_once('%') {
        Some((ip, scope)) => (ip, Some(scope)),
        None => (s, None),
    };
    let ip: Ipv6Addr = ip.parse().map_err(|_| ())?;
    let scope_id = match scope {
        None => 0,
        Some("") => return Err(()),
        Some(scope) => match scope_index(scope) {
            Ok(id) => id,
            Err(e) => return Ok(Err(e)),
        },
    };
    Ok(Ok(Target::Addr(SocketAddr::V6(SocketAddrV6::new(
        ip, port, 0, scope_id,
    )))))
}

/// A numeric scope, or the index of the named interface.
pub fn scope_index(scope: &str) -> Result<u32, Error> {
    if let Ok(n) = scope.parse::<u32>() {
        return Ok(n);
    }
    let unknown = || Error::from(Misuse::UnknownInterface(scope.to_owned()));
    // Interface names are at most 15 bytes and never contain a path.
    if scope.len() > 15 || scope.contains(['/', '\0']) || scope.starts_with('.') {
        return Err(unknown());
    }
    let text = std::fs::read_to_string(format!("/sys/class/net/{scope}/ifindex"))
        .map_err(|_| unknown())?;
    text.trim().parse().map_err(|_| unknown())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        s.parse().unwrap()
    }

    #[test]
    fn parses_ipv4_ipv6_and_names() {
        assert_eq!(
            t("1.2.3.4:8443"),
            Target::Addr("1.2.3.4:8443".parse().unwrap())
        );
        assert_eq!(t("1.2.3.4"), Target::Addr("1.2.3.4:8443".parse().unwrap()));
        assert_eq!(
            t("[2001:db8::1]:9000"),
            Target::Addr("[2001:db8::1]:9000".parse().unwrap())
        );
        assert_eq!(
            t("[2001:db8::1]"),
            Target::Addr("[2001:db8::1]:8443".parse().unwrap())
        );
        assert_eq!(
            t("2001:db8::1"),
            Target::Addr("[2001:db8::1]:8443".parse().unwrap())
        );
        assert_eq!(
            t("evse-1.local:8443"),
            Target::Name("evse-1.local".into(), 8443)
        );
        assert_eq!(t("localhost"), Target::Name("localhost".into(), 8443));
    }

    #[test]
    fn parses_link_local_with_numeric_scope() {
        let Target::Addr(SocketAddr::V6(a)) = t("[fe80::1%7]:8443") else {
            panic!()
        };
        assert_eq!(*a.ip(), "fe80::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!((a.port(), a.scope_id()), (8443, 7));
        let Target::Addr(SocketAddr::V6(a)) = t("fe80::1%3") else {
            panic!()
        };
        assert_eq!((a.port(), a.scope_id()), (8443, 3));
    }

    #[test]
    fn parses_link_local_with_interface_name() {
        let Ok(index) = std::fs::read_to_string("/sys/class/net/lo/ifindex") else {
            return; // not Linux
        };
        let index: u32 = index.trim().parse().unwrap();
        let Target::Addr(SocketAddr::V6(a)) = t("[fe80::1%lo]:8443") else {
            panic!()
        };
        assert_eq!(a.scope_id(), index);
        assert!(matches!(
            "[fe80::1%nosuchif0]:8443".parse::<Target>(),
            Err(Error::Misuse(Misuse::UnknownInterface(_)))
        ));
        assert!(matches!(
            "[fe80::1%../lo]:8443".parse::<Target>(),
            Err(Error::Misuse(Misuse::UnknownInterface(_)))
        ));
    }

    #[test]
    fn refuses_malformed_targets() {
        for bad in [
            "",
            "[::1",
            "[::1]8443",
            "[::1]:",
            "[::1]:0",
            "[::1]:70000",
            "host:",
            "host:x",
            "[fe80::1%]:1",
            "[nothex]:1",
            "a b:1",
            ":8443",
        ] {
            assert!(
                matches!(
                    bad.parse::<Target>(),
                    Err(Error::Misuse(Misuse::InvalidTarget(_)))
                ),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn names_resolve_ipv6_first() {
        let addrs = Target::Name("localhost".into(), 8443)
            .resolve()
            .await
            .unwrap();
        assert!(!addrs.is_empty());
        let first_v4 = addrs
            .iter()
            .position(SocketAddr::is_ipv4)
            .unwrap_or(addrs.len());
        assert!(addrs.iter().skip(first_v4).all(SocketAddr::is_ipv4));
    }
}
