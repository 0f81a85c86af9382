//! The controller's two client configurations (INTEROP.md §3.3-§3.4).

use std::fmt;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::client::Resumption;
use rustls::pki_types::CertificateDer;
use rustls::version::TLS13;

use super::verify::{AnyServerCert, DeviceServerVerifier, trust_anchors};
use super::{ALPN_COMMISSIONING, ALPN_OPERATIONAL, Identity, bad_material, provider};
use crate::error::Error;

/// No resumption, no early data, exactly one ALPN value (INTEROP.md §3.2:
/// reference controllers offer exactly one).
fn harden(mut config: ClientConfig, alpn: &[u8]) -> ClientConfig {
    config.alpn_protocols = vec![alpn.to_vec()];
    config.resumption = Resumption::disabled();
    config.enable_early_data = false;
    config
}

/// The controller's commissioning configuration: ALPN `mash-comm/1`, the
/// device certificate is not verified (security comes from PASE), no
/// client certificate (INTEROP.md §3.4). Cheap to clone.
#[derive(Debug, Clone)]
pub struct CommissioningClientConfig(Arc<ClientConfig>);

impl CommissioningClientConfig {
    /// Builds the configuration.
    pub fn new() -> Result<Self, Error> {
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServerCert))
            .with_no_client_auth();
        // There is no name to verify; do not leak one.
        config.enable_sni = false;
        Ok(Self(Arc::new(harden(config, ALPN_COMMISSIONING))))
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<ClientConfig> {
        &self.0
    }
}

/// The controller's operational configuration for one zone: ALPN
/// `mash/1`, its operational certificate as client certificate, and the
/// device certificate checked against the zone CA, the current time, EKU
/// serverAuth/clientAuth and the expected device ID (INTEROP.md §3.3).
///
/// One configuration serves every device of the zone: the expected device
/// ID is given per dial and travels as SNI. Cheap to clone.
#[derive(Clone)]
pub struct OperationalClientConfig(Arc<ClientConfig>);

impl OperationalClientConfig {
    /// Builds the configuration for the zone whose CA is `zone_ca`.
    pub fn new(zone_ca: &CertificateDer<'_>, identity: &Identity) -> Result<Self, Error> {
        if identity.chain.is_empty() {
            return Err(bad_material("empty certificate chain"));
        }
        let anchors = trust_anchors([zone_ca.as_ref()])?;
        let config = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(DeviceServerVerifier::new(anchors)))
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())?;
        Ok(Self(Arc::new(harden(config, ALPN_OPERATIONAL))))
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<ClientConfig> {
        &self.0
    }
}

impl fmt::Debug for OperationalClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationalClientConfig")
            .finish_non_exhaustive()
    }
}
