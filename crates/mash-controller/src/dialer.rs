//! How the controller reaches devices: the [`Dialer`] trait, its TLS
//! implementation on `mash-transport`, and the credentials it dials with.
//!
//! The controller never opens sockets itself. Everything above the byte
//! stream — PASE, the certificate exchange, the interaction model,
//! keep-alive through [`mash_transport::Connection`] — runs on whatever
//! stream a [`Dialer`] returns, so a simulation can hand it one end of a
//! `tokio::io::duplex` pipe and run the whole controller under
//! `tokio::time::pause()`.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;

use mash_core::ids::DeviceId;
use mash_transport::{
    CertificateDer, CommissioningClientConfig, DialOptions, FramedStream, Identity,
    OperationalClientConfig, Target,
};
use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream to a device, as a [`Dialer`] returns it.
#[derive(Debug)]
pub struct Dialed<Io> {
    /// Frames over the connection (INTEROP.md §2.1).
    pub stream: FramedStream<Io>,
    /// The address that answered, if the transport has one.
    pub remote: Option<SocketAddr>,
    /// The device's leaf certificate (DER) on operational connections.
    ///
    /// When present the controller checks it again with `mash-pki`
    /// (chain to the zone CA, validity, CN or DNS SAN = device ID;
    /// INTEROP.md §3.3) and watches its expiry for renewal. A dialer that
    /// returns `None` must have authenticated the device itself; expiry
    /// then comes from the registry.
    pub peer_certificate: Option<Vec<u8>>,
}

/// What the controller dials operational connections with: its zone CA
/// (to check the device) and its own certificate (for the device to
/// check). Rebuilt when the controller renews its certificate.
pub struct OperationalCredentials {
    /// The zone CA certificate.
    pub zone_ca: CertificateDer<'static>,
    /// The controller's operational certificate and key.
    pub identity: Identity,
    /// The TLS client configuration built from the two.
    pub tls: OperationalClientConfig,
}

impl OperationalCredentials {
    /// Builds the TLS configuration for `zone_ca` and `identity`.
    pub fn new(
        zone_ca: CertificateDer<'static>,
        identity: Identity,
    ) -> Result<Self, mash_transport::Error> {
        let tls = OperationalClientConfig::new(&zone_ca, &identity)?;
        Ok(Self {
            zone_ca,
            identity,
            tls,
        })
    }
}

impl fmt::Debug for OperationalCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationalCredentials")
            .finish_non_exhaustive()
    }
}

/// Opens connections to devices.
///
/// Implement it to put the controller on another transport; the TLS 1.3
/// implementation is [`TlsDialer`]. Both methods return a framed byte
/// stream; the controller runs the protocol on it.
pub trait Dialer: Send + Sync + 'static {
    /// The byte stream.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Opens a commissioning connection (ALPN `mash-comm/1`, no
    /// certificate checks: PASE authenticates, INTEROP.md §3.4).
    fn dial_commissioning(
        &self,
        target: &Target,
    ) -> impl Future<Output = Result<Dialed<Self::Io>, mash_transport::Error>> + Send;

    /// Opens an operational connection (ALPN `mash/1`, SNI = device ID,
    /// client certificate from `credentials`; the device certificate must
    /// chain to `credentials.zone_ca` and name `device_id`, INTEROP.md
    /// §3.3).
    fn dial_operational(
        &self,
        target: &Target,
        device_id: DeviceId,
        credentials: &OperationalCredentials,
    ) -> impl Future<Output = Result<Dialed<Self::Io>, mash_transport::Error>> + Send;
}

/// The real transport: TCP and TLS 1.3 through `mash-transport`.
#[derive(Debug, Clone)]
pub struct TlsDialer {
    commissioning: CommissioningClientConfig,
    options: DialOptions,
}

impl TlsDialer {
    /// A dialer with the spec's timeouts (5 s connect, 15 s handshake).
    pub fn new() -> Result<Self, mash_transport::Error> {
        Self::with_options(DialOptions::default())
    }

    /// A dialer with other timeouts.
    pub fn with_options(options: DialOptions) -> Result<Self, mash_transport::Error> {
        Ok(Self {
            commissioning: CommissioningClientConfig::new()?,
            options,
        })
    }
}

impl Dialer for TlsDialer {
    type Io = mash_transport::dial::ClientStream;

    async fn dial_commissioning(
        &self,
        target: &Target,
    ) -> Result<Dialed<Self::Io>, mash_transport::Error> {
        let conn =
            mash_transport::dial_commissioning(target, &self.commissioning, &self.options).await?;
        Ok(Dialed {
            stream: conn.stream,
            remote: Some(conn.remote),
            peer_certificate: None,
        })
    }

    async fn dial_operational(
        &self,
        target: &Target,
        device_id: DeviceId,
        credentials: &OperationalCredentials,
    ) -> Result<Dialed<Self::Io>, mash_transport::Error> {
        let id = device_id.to_string();
        let conn =
            mash_transport::dial_operational(target, &credentials.tls, &id, &self.options).await?;
        let leaf = conn.peer.leaf().map(|c| c.as_ref().to_vec());
        Ok(Dialed {
            stream: conn.stream,
            remote: Some(conn.remote),
            peer_certificate: leaf,
        })
    }
}
