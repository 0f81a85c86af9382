//! Test PKI made with rcgen after INTEROP.md §4's profiles, and a device
//! listener harness.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mash_core::ids::ZoneId;
use mash_transport::{
    ClockOffset, CommissioningServerConfig, DeviceListener, Identity, Incoming, ListenerConfig,
    OperationalClientConfig, OperationalServerConfig, SharedPolicy, ZoneCa,
};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

fn key() -> KeyPair {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap()
}

fn identity(cert: CertificateDer<'static>, key: &KeyPair) -> Identity {
    Identity::new(
        vec![cert],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

fn serial() -> SerialNumber {
    let mut s: [u8; 16] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
    s[0] &= 0x7f;
    let nanos = OffsetDateTime::now_utc()
        .unix_timestamp_nanos()
        .to_be_bytes();
    for (a, b) in s.iter_mut().skip(4).zip(nanos.iter().rev()) {
        *a ^= b;
    }
    SerialNumber::from_slice(&s)
}

/// A Zone CA (INTEROP.md §4, first column).
pub struct Ca {
    pub zone_id: ZoneId,
    pub cert: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

pub fn zone_ca(zone_type: &str, zone_id: &str) -> Ca {
    let now = OffsetDateTime::now_utc();
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "MASH Zone");
    dn.push(DnType::OrganizationalUnitName, zone_type);
    dn.push(DnType::OrganizationalUnitName, zone_id);
    dn.push(DnType::CommonName, format!("MASH Zone CA - {zone_id}"));
    p.distinguished_name = dn;
    p.not_before = now;
    p.not_after = now + time::Duration::days(20 * 365);
    p.serial_number = Some(serial());
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = key();
    let cert = p.self_signed(&key).unwrap().der().clone();
    Ca {
        zone_id: zone_id.parse().unwrap(),
        cert,
        issuer: Issuer::new(p, key),
    }
}

/// What a leaf looks like; [`Leaf::device`] and [`Leaf::controller`] give
/// the reference profiles.
#[derive(Clone)]
pub struct Leaf {
    pub cn: Option<String>,
    pub dns: Option<String>,
    pub org: &'static str,
    pub eku: Vec<ExtendedKeyUsagePurpose>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub is_ca: bool,
    pub include_ca: bool,
}

impl Leaf {
    fn base(cn: &str, org: &'static str) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            cn: Some(cn.into()),
            dns: Some(cn.into()),
            org,
            eku: vec![
                ExtendedKeyUsagePurpose::ClientAuth,
                ExtendedKeyUsagePurpose::ServerAuth,
            ],
            not_before: now,
            not_after: now + time::Duration::days(365),
            is_ca: false,
            include_ca: false,
        }
    }

    pub fn device(device_id: &str) -> Self {
        Self::base(device_id, "MASH Device")
    }

    pub fn controller(zone_id: &str) -> Self {
        Self::base(&format!("controller-{zone_id}"), "MASH Controller")
    }
}

impl Ca {
    pub fn issue(&self, leaf: Leaf) -> Identity {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, leaf.org);
        if let Some(cn) = &leaf.cn {
            dn.push(DnType::CommonName, cn.as_str());
        }
        p.distinguished_name = dn;
        p.subject_alt_names = leaf
            .dns
            .iter()
            .map(|d| SanType::DnsName(d.as_str().try_into().unwrap()))
            .collect();
        p.not_before = leaf.not_before;
        p.not_after = leaf.not_after;
        p.serial_number = Some(serial());
        p.is_ca = if leaf.is_ca {
            IsCa::Ca(BasicConstraints::Unconstrained)
        } else {
            IsCa::ExplicitNoCa
        };
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = leaf.eku;
        p.use_authority_key_identifier_extension = true;
        let key = key();
        let cert = p.signed_by(&key, &self.issuer).unwrap().der().clone();
        let mut id = identity(cert, &key);
        if leaf.include_ca {
            id.chain.push(self.cert.clone());
        }
        id
    }

    pub fn device(&self, device_id: &str) -> Identity {
        self.issue(Leaf::device(device_id))
    }

    pub fn controller(&self) -> Identity {
        self.issue(Leaf::controller(&self.zone_id.to_string()))
    }

    pub fn zone(&self) -> ZoneCa {
        ZoneCa {
            zone_id: self.zone_id,
            cert: self.cert.clone(),
        }
    }

    /// The controller-side configuration for this zone.
    pub fn client_config(&self, id: &Identity) -> OperationalClientConfig {
        OperationalClientConfig::new(&self.cert, id).unwrap()
    }
}

/// The device's stable self-signed commissioning certificate (DEC-067).
pub fn commissioning_identity(discriminator: u16) -> Identity {
    let now = OffsetDateTime::now_utc();
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("MASH-{discriminator}"));
    dn.push(DnType::OrganizationName, "MASH");
    p.distinguished_name = dn;
    p.not_before = now;
    p.not_after = now + time::Duration::days(7300);
    p.serial_number = Some(serial());
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = key();
    identity(p.self_signed(&key).unwrap().der().clone(), &key)
}

pub const DEVICE_A: &str = "a1b2c3d4e5f60718";
pub const DEVICE_B: &str = "0f1e2d3c4b5a6978";
pub const ZONE_A: &str = "1111111111111111";
pub const ZONE_B: &str = "2222222222222222";

/// A device listener on loopback with a [`SharedPolicy`].
pub struct Device {
    pub listener: DeviceListener,
    pub policy: Arc<SharedPolicy>,
    pub addr: SocketAddr,
    pub clock: ClockOffset,
}

impl Device {
    pub async fn start(config: ListenerConfig) -> Self {
        let policy = Arc::new(SharedPolicy::new());
        let listener = DeviceListener::bind(config, policy.clone()).await.unwrap();
        let addr = listener.local_addr();
        Self {
            listener,
            policy,
            addr,
            clock: ClockOffset::new(),
        }
    }

    pub async fn loopback() -> Self {
        Self::start(ListenerConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        })
        .await
    }

    /// Installs zones `(ca, device ID)`; each zone gets its own device cert.
    pub fn set_zones(&self, zones: &[(&Ca, &str)]) {
        let certs: Vec<_> = zones.iter().map(|(ca, id)| ca.device(id)).collect();
        let cas: Vec<_> = zones.iter().map(|(ca, _)| ca.zone()).collect();
        let cfg = OperationalServerConfig::new(&certs, &cas, &self.clock).unwrap();
        self.policy.set_operational(Some(cfg));
    }

    pub fn open_commissioning(&self, discriminator: u16) {
        let cfg = CommissioningServerConfig::new(&commissioning_identity(discriminator)).unwrap();
        self.policy.set_commissioning(Some(cfg));
    }

    /// The next accepted connection, failing after 5 s.
    pub async fn accept(&mut self) -> Incoming {
        tokio::time::timeout(Duration::from_secs(5), self.listener.accept())
            .await
            .expect("no connection accepted")
            .expect("listener stopped")
    }
}
