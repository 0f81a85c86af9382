//! Negative and edge-case tests for the certificate checks. They need
//! leaves that our issuing API never produces (missing serverAuth, odd
//! names), so they build them with the crate-internal certificate builder.

use core::time::Duration;

use mash_core::zone::ZoneType;

use super::*;
use crate::builder::{self, DAY, Profile};
use crate::cert::key_usage;
use crate::csr::{PendingCsr, VerifiedCsr};
use crate::ident::key_id_from_spki;
use crate::key::KeyPair;
use crate::name::GoName;
use crate::oid;
use crate::zone_ca::ZoneCa;

const NOW: UnixTime = UnixTime::from_secs(1_796_315_590);
const BOTH: &[&[u8]] = &[oid::KP_CLIENT_AUTH, oid::KP_SERVER_AUTH];

struct Leaf<'a> {
    eku: &'a [&'a [u8]],
    cn: &'a str,
    dns: &'a [&'a str],
    not_before: UnixTime,
    lifetime: Duration,
}

impl Default for Leaf<'_> {
    fn default() -> Self {
        Self {
            eku: BOTH,
            cn: "0011223344556677",
            dns: &[],
            not_before: NOW,
            lifetime: 365 * DAY,
        }
    }
}

fn issue(ca: &ZoneCa, leaf: Leaf<'_>) -> Certificate {
    let key = KeyPair::generate().unwrap();
    let subject = GoName {
        organization: vec!["MASH Device".into()],
        common_name: leaf.cn.into(),
        ..GoName::default()
    }
    .to_der();
    let ski = key_id_from_spki(key.spki_der());
    let profile = Profile {
        issuer: ca.certificate().subject_der(),
        subject: &subject,
        spki: key.spki_der(),
        not_before: leaf.not_before,
        lifetime: leaf.lifetime,
        key_usage: key_usage::DIGITAL_SIGNATURE | key_usage::KEY_ENCIPHERMENT,
        ext_key_usage: leaf.eku,
        ca: false,
        subject_key_id: Some(&ski),
        authority_key_id: Some(ca.key_id()),
        dns_names: leaf.dns,
    };
    builder::issue(&profile, ca.signing_key()).unwrap()
}

fn zone(label: &str) -> ZoneCa {
    ZoneCa::generate(ZoneType::Local, label, NOW).unwrap()
}

fn device_cert(ca: &ZoneCa) -> (Certificate, DeviceId) {
    let csr = VerifiedCsr::verify(PendingCsr::commissioning(4660, 1).unwrap().csr_der()).unwrap();
    let issued = ca.issue_device_cert(&csr, NOW).unwrap();
    (issued.cert, issued.device_id)
}

#[test]
fn a_certificate_from_another_zone_is_refused() {
    let home = zone("home");
    let (cert, _) = device_cert(&home);
    // Different subject.
    let other = zone("elsewhere");
    let err = verify_leaf(&cert, other.certificate(), NOW, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(matches!(err, PkiError::WrongIssuer), "{err}");
    // Same subject, different key: the AKI tells them apart.
    let twin = zone("home");
    assert_eq!(
        twin.certificate().subject_der(),
        home.certificate().subject_der()
    );
    let err = verify_leaf(&cert, twin.certificate(), NOW, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(matches!(err, PkiError::WrongIssuer), "{err}");
}

#[test]
fn a_tampered_signature_is_refused() {
    let ca = zone("home");
    let (cert, _) = device_cert(&ca);
    let mut der = cert.into_der();
    // The last byte belongs to the ECDSA `s` integer; flipping it keeps the
    // DER well-formed but breaks the signature.
    *der.last_mut().unwrap() ^= 0x01;
    let cert = Certificate::from_der(der).unwrap();
    let err = verify_leaf(&cert, ca.certificate(), NOW, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::BadSignature {
                what: Artifact::Certificate
            }
        ),
        "{err}"
    );
}

#[test]
fn expired_and_not_yet_valid_leaves_are_refused() {
    let ca = zone("home");
    let (cert, _) = device_cert(&ca);
    let after = cert.not_after().saturating_add(Duration::from_secs(1));
    let err = verify_leaf(&cert, ca.certificate(), after, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::Expired {
                role: CertRole::Leaf,
                ..
            }
        ),
        "{err}"
    );

    let before = NOW.saturating_sub(Duration::from_secs(1));
    let err = verify_leaf(&cert, ca.certificate(), before, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::NotYetValid {
                role: CertRole::Leaf,
                ..
            }
        ),
        "{err}"
    );

    // The boundaries themselves are inside the window.
    let _ = verify_leaf(
        &cert,
        ca.certificate(),
        cert.not_after(),
        LeafPolicy::DEVICE_CERT,
    )
    .unwrap();
    let _ = verify_leaf(&cert, ca.certificate(), NOW, LeafPolicy::DEVICE_CERT).unwrap();
}

#[test]
fn tolerance_widens_the_window_on_both_ends() {
    let ca = zone("home");
    let (cert, _) = device_cert(&ca);
    let policy = LeafPolicy {
        tolerance: Duration::from_secs(300),
        ..LeafPolicy::DEVICE_CERT
    };
    let early = NOW.saturating_sub(Duration::from_secs(299));
    let late = cert.not_after().saturating_add(Duration::from_secs(300));
    let _ = verify_leaf(&cert, ca.certificate(), early, policy).unwrap();
    let _ = verify_leaf(&cert, ca.certificate(), late, policy).unwrap();
    let too_early = NOW.saturating_sub(Duration::from_secs(301));
    assert!(matches!(
        verify_leaf(&cert, ca.certificate(), too_early, policy),
        Err(PkiError::NotYetValid { .. })
    ));
}

#[test]
fn an_expired_zone_ca_is_refused_even_with_a_fresh_leaf() {
    let ca = zone("home");
    let late = ca.certificate().not_after().saturating_sub(10 * DAY);
    let cert = issue(
        &ca,
        Leaf {
            not_before: late,
            ..Leaf::default()
        },
    );
    let check_at = ca.certificate().not_after().saturating_add(DAY);
    let err = verify_leaf(&cert, ca.certificate(), check_at, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::Expired {
                role: CertRole::Issuer,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_leaf_without_server_auth_is_refused_where_server_auth_is_required() {
    let ca = zone("home");
    let cert = issue(
        &ca,
        Leaf {
            eku: &[oid::KP_CLIENT_AUTH],
            ..Leaf::default()
        },
    );
    let err = verify_leaf(
        &cert,
        ca.certificate(),
        NOW,
        LeafPolicy::INSTALLED_DEVICE_CERT,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::WrongKeyUsage {
                required: KeyPurpose::ServerAuth
            }
        ),
        "{err}"
    );
    // The same certificate is fine as a client certificate.
    let _ = verify_leaf(&cert, ca.certificate(), NOW, LeafPolicy::CONTROLLER_CERT).unwrap();
}

#[test]
fn a_leaf_without_client_auth_is_refused_as_controller_cert() {
    let ca = zone("home");
    let cert = issue(
        &ca,
        Leaf {
            eku: &[oid::KP_SERVER_AUTH],
            ..Leaf::default()
        },
    );
    let err = verify_leaf(&cert, ca.certificate(), NOW, LeafPolicy::CONTROLLER_CERT).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::WrongKeyUsage {
                required: KeyPurpose::ClientAuth
            }
        ),
        "{err}"
    );
}

#[test]
fn a_leaf_without_eku_permits_every_purpose_as_in_go() {
    let ca = zone("home");
    let cert = issue(
        &ca,
        Leaf {
            eku: &[],
            ..Leaf::default()
        },
    );
    let _ = verify_leaf(
        &cert,
        ca.certificate(),
        NOW,
        LeafPolicy::INSTALLED_DEVICE_CERT,
    )
    .unwrap();
    let _ = verify_leaf(&cert, ca.certificate(), NOW, LeafPolicy::CONTROLLER_CERT).unwrap();
}

#[test]
fn a_ca_certificate_is_refused_as_leaf() {
    let ca = zone("home");
    // The Zone CA chains to itself; only the leaf rule stops it.
    let err = verify_leaf(
        ca.certificate(),
        ca.certificate(),
        NOW,
        LeafPolicy::CONTROLLER_CERT,
    )
    .unwrap_err();
    assert!(matches!(err, PkiError::IsCa), "{err}");
}

#[test]
fn a_leaf_is_refused_as_issuer() {
    let ca = zone("home");
    let (a, _) = device_cert(&ca);
    let (b, _) = device_cert(&ca);
    let err = verify_leaf(&a, &b, NOW, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(matches!(err, PkiError::IssuerNotCa), "{err}");
}

#[test]
fn the_controller_checks_the_device_id_in_cn_or_san() {
    let ca = zone("home");
    let (cert, id) = device_cert(&ca);
    let _ = verify_device_cert(&cert, ca.certificate(), id, NOW).unwrap();

    let stranger: DeviceId = "ffffffffffffffff".parse().unwrap();
    let err = verify_device_cert(&cert, ca.certificate(), stranger, NOW).unwrap_err();
    assert!(
        matches!(&err, PkiError::NameMismatch { expected, found: Some(found) }
            if expected == "ffffffffffffffff" && *found == id.to_string()),
        "{err}"
    );

    // SAN alone is enough (INTEROP.md §3.3: CN == ID **or** a DNS SAN).
    let san_only = issue(
        &ca,
        Leaf {
            cn: "someone",
            dns: &["1122334455667788"],
            ..Leaf::default()
        },
    );
    let want: DeviceId = "1122334455667788".parse().unwrap();
    let _ = verify_device_cert(&san_only, ca.certificate(), want, NOW).unwrap();
}

#[test]
fn the_device_finds_the_zone_by_aki() {
    let grid = ZoneCa::generate(ZoneType::Grid, "grid", NOW).unwrap();
    let local = zone("home");
    let controller = local.issue_controller_identity(NOW).unwrap();
    let cas = [grid.certificate(), local.certificate()];
    assert_eq!(find_zone_ca(controller.certificate(), cas), Some(1));
    assert_eq!(
        find_zone_ca(controller.certificate(), [grid.certificate()]),
        None
    );
    assert!(local.is_authority_of(controller.certificate()));
    assert!(!grid.is_authority_of(controller.certificate()));
}

#[test]
fn an_unknown_critical_extension_is_refused() {
    let ca = zone("home");
    let (cert, _) = device_cert(&ca);
    let mut der = cert.into_der();
    // basicConstraints (2.5.29.19, critical) -> unknown 2.5.29.99, critical.
    let marker = [0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff];
    let at = der.windows(marker.len()).position(|w| w == marker).unwrap();
    der[at + 4] = 0x63;
    let cert = Certificate::from_der(der).unwrap();
    let err = verify_leaf(&cert, ca.certificate(), NOW, LeafPolicy::DEVICE_CERT).unwrap_err();
    assert!(
        matches!(&err, PkiError::UnhandledCriticalExtension { role: CertRole::Leaf, oid } if oid == "2.5.29.99"),
        "{err}"
    );
}
