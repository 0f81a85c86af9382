//! The controller's CSR check refuses what it must (INTEROP.md §4:
//! "The controller checks the CSR signature and requires an ECDSA key").

mod support;

use mash_pki::{Artifact, PendingCsr, PkiError, VerifiedCsr};
use rcgen::{CertificateParams, KeyPair as RcgenKeyPair, PKCS_ECDSA_P384_SHA384, PKCS_ED25519};
use support::{der_of, vectors};

/// Position of `needle` inside `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn a_csr_with_a_tampered_subject_is_refused() {
    let mut der = PendingCsr::commissioning(4660, 1)
        .unwrap()
        .csr_der()
        .to_vec();
    // "V4660" -> "V4661": still well-formed, no longer what was signed.
    let at = find(&der, b"V4660");
    der[at + 4] = b'1';
    let err = VerifiedCsr::verify(&der).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::BadSignature {
                what: Artifact::Csr
            }
        ),
        "{err}"
    );
}

#[test]
fn a_csr_with_a_tampered_signature_is_refused() {
    let mut der = PendingCsr::commissioning(4660, 1)
        .unwrap()
        .csr_der()
        .to_vec();
    *der.last_mut().unwrap() ^= 0x01;
    let err = VerifiedCsr::verify(&der).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::BadSignature {
                what: Artifact::Csr
            }
        ),
        "{err}"
    );
}

#[test]
fn the_go_csr_with_a_swapped_key_is_refused() {
    // Go's commissioning CSR, with its public key replaced by ours.
    let v = vectors();
    let mut der = der_of(&v["device_csr_commissioning"]);
    let go_spki = hex::decode(
        v["device_csr_commissioning"]["spki_der_hex"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let other = mash_pki::KeyPair::generate().unwrap();
    assert_eq!(other.spki_der().len(), go_spki.len());
    let at = find(&der, &go_spki);
    der[at..at + go_spki.len()].copy_from_slice(other.spki_der());
    let err = VerifiedCsr::verify(&der).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::BadSignature {
                what: Artifact::Csr
            }
        ),
        "{err}"
    );
}

#[test]
fn csrs_with_non_p256_keys_are_refused() {
    for alg in [&PKCS_ED25519, &PKCS_ECDSA_P384_SHA384] {
        let key = RcgenKeyPair::generate_for(alg).unwrap();
        let csr = CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .serialize_request(&key)
            .unwrap();
        let err = VerifiedCsr::verify(csr.der()).unwrap_err();
        assert!(
            matches!(
                err,
                PkiError::UnsupportedKey {
                    what: Artifact::Csr
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn garbage_is_malformed() {
    for der in [&b""[..], b"\x30\x03\x02\x01\x00", b"not a csr"] {
        let err = VerifiedCsr::verify(der).unwrap_err();
        assert!(
            matches!(
                err,
                PkiError::Malformed {
                    what: Artifact::Csr,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.is_peer_fault());
    }
}
