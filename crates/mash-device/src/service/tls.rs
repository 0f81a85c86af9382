//! Builds the TLS policy from the core's zones and window.

use mash_transport::{
    CertificateDer, ClockOffset, CommissioningServerConfig, Identity, OperationalServerConfig,
    PrivateKeyDer, SharedPolicy, ZoneCa,
};
use tracing::warn;

use crate::core::TlsMaterial;

fn identity(cert_der: &[u8], key_der: &[u8]) -> Identity {
    Identity::new(
        vec![CertificateDer::from(cert_der.to_vec())],
        PrivateKeyDer::Pkcs8(key_der.to_vec().into()),
    )
}

/// Offers `mash-comm/1` while the window is open and `mash/1` while zones
/// exist (INTEROP.md §3.2).
pub(crate) fn apply(
    policy: &SharedPolicy,
    m: &TlsMaterial<'_>,
    commissioning: &Identity,
    clock: &ClockOffset,
) {
    let comm = if m.commissioning_open {
        CommissioningServerConfig::new(commissioning)
            .map_err(|e| warn!(error = %e, "commissioning TLS config"))
            .ok()
    } else {
        None
    };
    policy.set_commissioning(comm);
    let identities: Vec<Identity> = m
        .zones
        .iter()
        .map(|z| identity(&z.cert_der, &z.key_der))
        .collect();
    let cas: Vec<ZoneCa> = m
        .zones
        .iter()
        .filter_map(|z| {
            Some(ZoneCa {
                zone_id: z.id()?,
                cert: CertificateDer::from(z.zone_ca_der.clone()),
            })
        })
        .collect();
    let op = if cas.is_empty() {
        None
    } else {
        OperationalServerConfig::new(&identities, &cas, clock)
            .map_err(|e| warn!(error = %e, "operational TLS config"))
            .ok()
    };
    policy.set_operational(op);
}

/// The commissioning identity as the transport wants it.
pub(crate) fn commissioning_identity(cert_der: &[u8], key_der: &[u8]) -> Identity {
    identity(cert_der, key_der)
}
