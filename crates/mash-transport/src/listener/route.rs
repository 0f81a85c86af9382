//! ALPN routing on the ClientHello and the TLS handshake (INTEROP.md §3.2,
//! DEC-067).

use std::fmt;
use std::sync::{Arc, LazyLock};

use mash_core::ids::ZoneId;
use rustls::ServerConfig;
use rustls::server::{Acceptor, ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::version::TLS13;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::{LazyConfigAcceptor, StartHandshake};

use super::TlsPolicy;
use crate::error::{Error, PeerError};
use crate::tls::{ALPN_COMMISSIONING, ALPN_OPERATIONAL, PeerCertificate, provider};

/// A completed handshake, by path.
pub(crate) enum Routed {
    Commissioning(TlsStream<TcpStream>),
    Operational {
        stream: TlsStream<TcpStream>,
        peer: PeerCertificate,
        zones: Vec<ZoneId>,
    },
}

/// Why a connection did not get through; logged, never returned.
#[derive(Debug)]
pub(crate) enum Refusal {
    CommissioningClosed,
    NoZone,
    NoMashAlpn,
    Timeout,
    Reaped,
    Shutdown,
    Failed(Error),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CommissioningClosed => {
                f.write_str("mash-comm/1 offered but the commissioning window is closed")
            }
            Self::NoZone => f.write_str("mash/1 offered but no zone exists"),
            Self::NoMashAlpn => f.write_str("neither mash/1 nor mash-comm/1 offered"),
            Self::Timeout => f.write_str("tls handshake timed out"),
            Self::Reaped => f.write_str("stale pre-operational connection (DEC-064)"),
            Self::Shutdown => f.write_str("listener shutting down"),
            Self::Failed(e) => write!(f, "{e}"),
        }
    }
}

impl From<std::io::Error> for Refusal {
    fn from(e: std::io::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<PeerError> for Refusal {
    fn from(e: PeerError) -> Self {
        Self::Failed(e.into())
    }
}

/// Reads the ClientHello, picks the path by ALPN, and completes the
/// handshake with the configuration the policy currently offers.
pub(crate) async fn handshake(tcp: TcpStream, policy: &dyn TlsPolicy) -> Result<Routed, Refusal> {
    let start = LazyConfigAcceptor::new(Acceptor::default(), tcp).await?;
    let hello = start.client_hello();
    let (commissioning, operational) = offered(&hello);
    let any_alpn = hello.alpn().is_some_and(|mut p| p.next().is_some());
    // INTEROP.md §3.2: `mash-comm/1` anywhere in the list wins.
    if commissioning {
        let Some(config) = policy.commissioning() else {
            return Err(refuse(start, Refusal::CommissioningClosed).await);
        };
        let stream = start.into_stream(config.rustls().clone()).await?;
        check_alpn(&stream, ALPN_COMMISSIONING)?;
        return Ok(Routed::Commissioning(stream));
    }
    if !operational {
        // The reference hands every other hello to its operational
        // configuration (INTEROP.md §3.2), whose ALPN check answers a list
        // without `mash/1` with `no_application_protocol` (tls-profile.md
        // §12.3, TC-TLS-ALPN-2); rustls does the same here.
        if let Some(config) = policy.operational().filter(|_| any_alpn) {
            let _ = start.into_stream(config.rustls().clone()).await;
            return Err(Refusal::NoMashAlpn);
        }
        return Err(refuse(start, Refusal::NoMashAlpn).await);
    }
    let Some(config) = policy.operational() else {
        return Err(refuse(start, Refusal::NoZone).await);
    };
    let stream = start.into_stream(config.rustls().clone()).await?;
    check_alpn(&stream, ALPN_OPERATIONAL)?;
    let chain = stream
        .get_ref()
        .1
        .peer_certificates()
        .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
        .unwrap_or_default();
    let peer = PeerCertificate::parse(chain)?;
    let zones = peer
        .authority_key_id
        .as_deref()
        .map(|aki| config.zones_for(aki))
        .unwrap_or_default();
    Ok(Routed::Operational {
        stream,
        peer,
        zones,
    })
}

/// (offers `mash-comm/1`, offers `mash/1`)
fn offered(hello: &ClientHello<'_>) -> (bool, bool) {
    let mut found = (false, false);
    for p in hello.alpn().into_iter().flatten() {
        found.0 |= p == ALPN_COMMISSIONING;
        found.1 |= p == ALPN_OPERATIONAL;
    }
    found
}

/// After the handshake the negotiated protocol must be the path's.
fn check_alpn(stream: &TlsStream<TcpStream>, expected: &[u8]) -> Result<(), PeerError> {
    match stream.get_ref().1.alpn_protocol() {
        Some(p) if p == expected => Ok(()),
        other => Err(PeerError::Alpn(other.map(<[u8]>::to_vec))),
    }
}

/// Aborts the handshake with a fatal `access_denied` alert, so the client
/// learns it was refused (the reference fails GetConfigForClient, which
/// also alerts), instead of a bare EOF.
async fn refuse(start: StartHandshake<TcpStream>, why: Refusal) -> Refusal {
    static REFUSER: LazyLock<Option<Arc<ServerConfig>>> = LazyLock::new(|| {
        let config = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&TLS13])
            .ok()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(NoCertificate));
        Some(Arc::new(config))
    });
    if let Some(config) = REFUSER.as_ref() {
        // Fails by design once the alert is written.
        let _ = start.into_stream(config.clone()).await;
    }
    why
}

/// Resolves no certificate: rustls then aborts with `access_denied`.
#[derive(Debug)]
struct NoCertificate;

impl ResolvesServerCert for NoCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        None
    }
}
