//! The device's two server configurations (INTEROP.md §3.2-§3.4,
//! tls-profile.md §19).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mash_core::ids::ZoneId;
use rustls::ServerConfig;
use rustls::server::{ClientHello, NoServerSessionStorage, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::version::TLS13;

use super::cert_info::LeafFields;
use super::verify::{ZoneClientVerifier, trust_anchors};
use super::{
    ALPN_COMMISSIONING, ALPN_OPERATIONAL, CLIENT_CERT_TOLERANCE_SECS, ClockOffset, Identity,
    ZoneCa, bad_material, provider,
};
use crate::error::Error;

/// TLS 1.3 only, no tickets, no resumption, no early data.
fn harden(mut config: ServerConfig, alpn: &[u8]) -> ServerConfig {
    config.alpn_protocols = vec![alpn.to_vec()];
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.max_early_data_size = 0;
    config
}

fn certified_key(identity: &Identity) -> Result<CertifiedKey, Error> {
    if identity.chain.is_empty() {
        return Err(bad_material("empty certificate chain"));
    }
    let key = provider()
        .key_provider
        .load_private_key(identity.key.clone_key())
        .map_err(bad_material)?;
    let ck = CertifiedKey::new(identity.chain.clone(), key);
    ck.keys_match().map_err(bad_material)?;
    Ok(ck)
}

/// The device's commissioning configuration: ALPN `mash-comm/1`, the
/// stable self-signed commissioning certificate (DEC-067), no client
/// certificate (INTEROP.md §3.4).
///
/// Build it once at start-up and hand out clones; it never changes.
#[derive(Debug, Clone)]
pub struct CommissioningServerConfig(Arc<ServerConfig>);

impl CommissioningServerConfig {
    /// Builds the configuration around the commissioning certificate.
    pub fn new(identity: &Identity) -> Result<Self, Error> {
        // Validates the chain and that the key matches its leaf.
        certified_key(identity)?;
        let config = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&TLS13])?
            .with_no_client_auth()
            .with_single_cert(identity.chain.clone(), identity.key.clone_key())?;
        Ok(Self(Arc::new(harden(config, ALPN_COMMISSIONING))))
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<ServerConfig> {
        &self.0
    }
}

/// The device's operational configuration: ALPN `mash/1`, a client
/// certificate from one of the zone CAs required (INTEROP.md §3.3), and
/// the device certificate chosen by SNI.
///
/// Rebuild it whenever a zone or an operational certificate is added or
/// removed, and hand the new one to the listener through
/// [`TlsPolicy`](crate::TlsPolicy). Cheap to clone.
#[derive(Clone)]
pub struct OperationalServerConfig {
    tls: Arc<ServerConfig>,
    /// (zone, SubjectKeyIdentifier of its CA), in the order given.
    zones: Arc<[(ZoneId, Option<Vec<u8>>)]>,
}

impl OperationalServerConfig {
    /// Builds the configuration.
    ///
    /// `device_certs` are the device's operational identities, one per zone
    /// (each zone gives the device its own certificate and device ID);
    /// `zone_cas` the stored Zone CAs; `clock` the AdjustClock offset
    /// applied, with 300 s tolerance, when checking client certificates.
    pub fn new(
        device_certs: &[Identity],
        zone_cas: &[ZoneCa],
        clock: &ClockOffset,
    ) -> Result<Self, Error> {
        if zone_cas.is_empty() {
            return Err(bad_material("no zone ca"));
        }
        let resolver = SniResolver::new(device_certs)?;
        let anchors = trust_anchors(zone_cas.iter().map(|z| z.cert.as_ref()))?;
        let verifier = ZoneClientVerifier::new(
            anchors,
            clock.clone(),
            Duration::from_secs(CLIENT_CERT_TOLERANCE_SECS),
        );
        let config = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&TLS13])?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_cert_resolver(Arc::new(resolver));
        let zones = zone_cas
            .iter()
            .map(|z| {
                let ski = LeafFields::parse(&z.cert)
                    .map_err(bad_material)?
                    .subject_key_id;
                Ok((z.zone_id, ski))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Self {
            tls: Arc::new(harden(config, ALPN_OPERATIONAL)),
            zones: zones.into(),
        })
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<ServerConfig> {
        &self.tls
    }

    /// Zones whose CA SubjectKeyIdentifier equals `authority_key_id`, in
    /// the order the CAs were given (INTEROP.md §3.3 "Device identifies the
    /// zone"). Several zones can share one CA: the same controller
    /// commissioned twice gets two zone IDs.
    pub fn zones_for(&self, authority_key_id: &[u8]) -> Vec<ZoneId> {
        self.zones
            .iter()
            .filter(|(_, ski)| ski.as_deref() == Some(authority_key_id))
            .map(|(zone, _)| *zone)
            .collect()
    }
}

impl fmt::Debug for OperationalServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationalServerConfig")
            .field("zones", &self.zones.len())
            .finish()
    }
}

/// Picks the device certificate whose CN equals the SNI server name
/// (exact, then lowercase), else the newest (INTEROP.md §3.3).
#[derive(Debug)]
struct SniResolver {
    /// (CN, notBefore, key)
    certs: Vec<(Option<String>, i64, Arc<CertifiedKey>)>,
}

impl SniResolver {
    fn new(identities: &[Identity]) -> Result<Self, Error> {
        if identities.is_empty() {
            return Err(bad_material("no device certificate"));
        }
        let certs = identities
            .iter()
            .map(|id| {
                let leaf = id
                    .chain
                    .first()
                    .ok_or_else(|| bad_material("empty certificate chain"))?;
                let fields = LeafFields::parse(leaf).map_err(bad_material)?;
                Ok((
                    fields.common_name,
                    fields.not_before,
                    Arc::new(certified_key(id)?),
                ))
            })
            .collect::<Result<_, Error>>()?;
        Ok(Self { certs })
    }

    fn by_name(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let exact = self
            .certs
            .iter()
            .find(|(cn, ..)| cn.as_deref() == Some(name));
        let lower = || {
            let name = name.to_lowercase();
            self.certs
                .iter()
                .find(|(cn, ..)| cn.as_ref().is_some_and(|cn| cn.to_lowercase() == name))
        };
        exact.or_else(lower).map(|(.., key)| key.clone())
    }

    fn newest(&self) -> Option<Arc<CertifiedKey>> {
        // max_by_key returns the last maximum: later entries win ties.
        self.certs
            .iter()
            .max_by_key(|(_, not_before, _)| *not_before)
            .map(|(.., key)| key.clone())
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        hello
            .server_name()
            .and_then(|name| self.by_name(name))
            .or_else(|| self.newest())
    }
}
