//! Writes and signs an X.509 v3 certificate in the layout of the Go
//! reference (INTEROP.md §4): ecdsa-with-SHA256, a random serial in
//! `[0, 2^128)`, notBefore = now, and the extensions in Go's order
//! keyUsage, extKeyUsage, basicConstraints, subjectKeyIdentifier,
//! authorityKeyIdentifier, subjectAltName.

use core::time::Duration;

use crate::cert::Certificate;
use crate::der;
use crate::error::PkiError;
use crate::key::KeyPair;
use crate::oid;
use crate::unix_time::UnixTime;

/// One day.
pub(crate) const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// What goes into one certificate.
pub(crate) struct Profile<'a> {
    /// Issuer Name DER (the CA subject, copied byte for byte; the
    /// subject itself for a self-signed certificate).
    pub(crate) issuer: &'a [u8],
    /// Subject Name DER.
    pub(crate) subject: &'a [u8],
    /// Subject public key, SubjectPublicKeyInfo DER.
    pub(crate) spki: &'a [u8],
    pub(crate) not_before: UnixTime,
    pub(crate) lifetime: Duration,
    /// KeyUsage bits, always written as critical.
    pub(crate) key_usage: u16,
    /// Extended key usages in order; empty = no extension.
    pub(crate) ext_key_usage: &'a [&'a [u8]],
    /// CA:TRUE with pathLen 0, or CA:FALSE; always critical.
    pub(crate) ca: bool,
    pub(crate) subject_key_id: Option<&'a [u8]>,
    pub(crate) authority_key_id: Option<&'a [u8]>,
    /// DNS subjectAltNames; empty = no extension.
    pub(crate) dns_names: &'a [&'a str],
}

/// Encodes `profile`, signs it with `signer` and parses the result back.
pub(crate) fn issue(profile: &Profile<'_>, signer: &KeyPair) -> Result<Certificate, PkiError> {
    let tbs = tbs_certificate(profile)?;
    let signature = signer.sign(&tbs)?;
    let cert = der::sequence(&[&tbs, &signature_algorithm(), &der::bit_string(&signature)]);
    Certificate::from_der(cert)
}

/// `AlgorithmIdentifier { ecdsa-with-SHA256 }` (no parameters, RFC 5758).
pub(crate) fn signature_algorithm() -> Vec<u8> {
    der::sequence(&[&der::oid(oid::ECDSA_WITH_SHA256)])
}

fn tbs_certificate(p: &Profile<'_>) -> Result<Vec<u8>, PkiError> {
    let not_before = p.not_before.to_datetime()?;
    let not_after = p.not_before.saturating_add(p.lifetime).to_datetime()?;
    let validity = der::sequence(&[&der::time(not_before)?, &der::time(not_after)?]);
    Ok(der::sequence(&[
        &der::explicit(0, &der::small_integer(2)), // v3
        &der::unsigned_integer(&random_serial()?),
        &signature_algorithm(),
        p.issuer,
        &validity,
        p.subject,
        p.spki,
        &der::explicit(3, &extensions(p)),
    ]))
}

/// A serial drawn uniformly from `[1, 2^128)`: Go draws from `[0, 2^128)`;
/// zero is redrawn because RFC 5280 asks for a positive serial.
fn random_serial() -> Result<[u8; 16], PkiError> {
    loop {
        let mut serial = [0u8; 16];
        getrandom::fill(&mut serial).map_err(|err| PkiError::Crypto(err.to_string()))?;
        if serial.iter().any(|b| *b != 0) {
            return Ok(serial);
        }
    }
}

fn extensions(p: &Profile<'_>) -> Vec<u8> {
    let mut list: Vec<Vec<u8>> = Vec::new();
    list.push(extension(
        oid::KEY_USAGE,
        true,
        &der::named_bits(p.key_usage),
    ));
    if !p.ext_key_usage.is_empty() {
        let oids: Vec<Vec<u8>> = p.ext_key_usage.iter().map(|o| der::oid(o)).collect();
        list.push(extension(
            oid::EXT_KEY_USAGE,
            false,
            &der::tlv(der::tag::SEQUENCE, &oids.concat()),
        ));
    }
    let basic = if p.ca {
        der::sequence(&[&der::boolean_true(), &der::small_integer(0)])
    } else {
        der::sequence(&[])
    };
    list.push(extension(oid::BASIC_CONSTRAINTS, true, &basic));
    if let Some(ski) = p.subject_key_id {
        list.push(extension(
            oid::SUBJECT_KEY_ID,
            false,
            &der::octet_string(ski),
        ));
    }
    if let Some(aki) = p.authority_key_id {
        // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
        list.push(extension(
            oid::AUTHORITY_KEY_ID,
            false,
            &der::sequence(&[&der::tlv(0x80, aki)]),
        ));
    }
    if !p.dns_names.is_empty() {
        // GeneralName dNSName is [2] IMPLICIT IA5String.
        let names: Vec<Vec<u8>> = p
            .dns_names
            .iter()
            .map(|n| der::tlv(0x82, n.as_bytes()))
            .collect();
        list.push(extension(
            oid::SUBJECT_ALT_NAME,
            false,
            &der::tlv(der::tag::SEQUENCE, &names.concat()),
        ));
    }
    der::tlv(der::tag::SEQUENCE, &list.concat())
}

/// `Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`.
fn extension(id: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let oid = der::oid(id);
    let value = der::octet_string(value);
    if critical {
        der::sequence(&[&oid, &der::boolean_true(), &value])
    } else {
        der::sequence(&[&oid, &value])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_random_positive_and_at_most_128_bits() {
        let a = random_serial().unwrap();
        let b = random_serial().unwrap();
        assert_ne!(a, b);
        let encoded = der::unsigned_integer(&a);
        // 02 len [00] 16 bytes at most.
        assert!(encoded.len() <= 2 + 17);
        assert_eq!(encoded.get(2).map(|b| b & 0x80), Some(0), "positive");
    }
}
