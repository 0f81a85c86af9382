//! The controller's side: connecting to a device (connection-
//! establishment.md §6.5.2, tls-profile.md §13.1, INTEROP.md §3.3-§3.4).
//!
//! Every address of the target is tried in turn, IPv6 first, each with its
//! own connect and handshake timeouts; a TLS failure on one address moves
//! on to the next (connection-establishment.md §6.5.5). The last error is
//! returned when all fail.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tracing::debug;

use crate::addr::Target;
use crate::connection::{Connection, ConnectionConfig};
use crate::error::{Error, Misuse, PeerError};
use crate::framing::FramedStream;
use crate::tls::{
    ALPN_COMMISSIONING, ALPN_OPERATIONAL, CommissioningClientConfig, OperationalClientConfig,
    PeerCertificate,
};

/// The TLS stream of a dialled connection.
pub type ClientStream = tokio_rustls::client::TlsStream<TcpStream>;

/// Dial timeouts; [`Default`] gives tls-profile.md §13.1's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialOptions {
    /// Per address (5 s).
    pub connect_timeout: Duration,
    /// Per TLS handshake (15 s).
    pub handshake_timeout: Duration,
}

impl Default for DialOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(15),
        }
    }
}

/// A connection to a device after a successful handshake.
#[derive(Debug)]
pub struct ClientConn {
    /// The address that answered.
    pub remote: SocketAddr,
    /// The device's certificate: its operational certificate, or the
    /// self-signed commissioning certificate (CN `MASH-<discriminator>`).
    pub peer: PeerCertificate,
    /// The framed TLS stream.
    pub stream: FramedStream<ClientStream>,
}

impl ClientConn {
    /// Starts the operational [`Connection`] driver on this stream.
    pub fn start(self, config: ConnectionConfig) -> Connection {
        Connection::new(self.stream, config)
    }
}

/// Opens an operational connection (ALPN `mash/1`) to the device whose ID
/// is `device_id`; the device certificate must chain to the zone CA of
/// `config` and carry `device_id` as CN or DNS SAN. SNI is `device_id`.
pub async fn dial_operational(
    target: &Target,
    config: &OperationalClientConfig,
    device_id: &str,
    options: &DialOptions,
) -> Result<ClientConn, Error> {
    let invalid = || Misuse::InvalidDeviceId(device_id.to_owned());
    let name = ServerName::try_from(device_id.to_owned()).map_err(|_| invalid())?;
    if !matches!(name, ServerName::DnsName(_)) {
        return Err(invalid().into());
    }
    dial(target, config.rustls(), name, ALPN_OPERATIONAL, options).await
}

/// Opens a commissioning connection (ALPN `mash-comm/1`); the device
/// certificate is not verified, PASE authenticates the device.
pub async fn dial_commissioning(
    target: &Target,
    config: &CommissioningClientConfig,
    options: &DialOptions,
) -> Result<ClientConn, Error> {
    // Required by the API; not sent (SNI is off) and not verified.
    let name = ServerName::try_from("mash-device")
        .map_err(|_| Misuse::InvalidDeviceId("mash-device".into()))?;
    dial(target, config.rustls(), name, ALPN_COMMISSIONING, options).await
}

async fn dial(
    target: &Target,
    config: &Arc<ClientConfig>,
    name: ServerName<'static>,
    alpn: &[u8],
    options: &DialOptions,
) -> Result<ClientConn, Error> {
    let mut last = None;
    for addr in target.resolve().await? {
        match attempt(addr, config, name.clone(), alpn, options).await {
            Ok(conn) => return Ok(conn),
            Err(e) => {
                debug!(%addr, error = %e, "dial attempt failed");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, format!("no address for {target}")).into()
    }))
}

async fn attempt(
    addr: SocketAddr,
    config: &Arc<ClientConfig>,
    name: ServerName<'static>,
    alpn: &[u8],
    options: &DialOptions,
) -> Result<ClientConn, Error> {
    let tcp = tokio::time::timeout(options.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| Error::ConnectTimeout)??;
    tcp.set_nodelay(true)?;
    let tls = tokio::time::timeout(
        options.handshake_timeout,
        TlsConnector::from(config.clone()).connect(name, tcp),
    )
    .await
    .map_err(|_| Error::HandshakeTimeout)??;
    let conn = tls.get_ref().1;
    match conn.alpn_protocol() {
        Some(p) if p == alpn => {}
        other => return Err(PeerError::Alpn(other.map(<[u8]>::to_vec)).into()),
    }
    let chain = conn
        .peer_certificates()
        .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
        .unwrap_or_default();
    let peer = PeerCertificate::parse(chain)?;
    Ok(ClientConn {
        remote: addr,
        peer,
        stream: FramedStream::new(tls),
    })
}
