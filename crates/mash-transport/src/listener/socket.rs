//! Binding the device's listening socket, dual-stack where possible.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tracing::{debug, warn};

const BACKLOG: i32 = 128;

/// Binds `addr`. For the IPv6 wildcard `[::]` the socket accepts IPv4 too
/// (IPV6_V6ONLY off); if IPv6 is unavailable it falls back to `0.0.0.0`.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    match addr {
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => match bind_socket(addr, true) {
            Ok(l) => Ok(l),
            Err(e) => {
                warn!(error = %e, "ipv6 wildcard bind failed, falling back to ipv4");
                bind_socket(
                    SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), addr.port()),
                    false,
                )
            }
        },
        _ => bind_socket(addr, false),
    }
}

fn bind_socket(addr: SocketAddr, dual_stack: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if dual_stack {
        if let Err(e) = socket.set_only_v6(false) {
            debug!(error = %e, "cannot clear IPV6_V6ONLY, listening on ipv6 only");
        }
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    TcpListener::from_std(socket.into())
}
