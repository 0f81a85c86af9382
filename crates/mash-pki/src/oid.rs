//! Object identifiers MASH certificates use, as pre-encoded DER content
//! bytes (the part after the `06 len` header).

/// id-ecPublicKey, 1.2.840.10045.2.1.
pub(crate) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 / secp256r1, 1.2.840.10045.3.1.7.
pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// ecdsa-with-SHA256, 1.2.840.10045.4.3.2.
pub(crate) const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

/// countryName, 2.5.4.6.
pub(crate) const COUNTRY: &[u8] = &[0x55, 0x04, 0x06];
/// stateOrProvinceName, 2.5.4.8.
pub(crate) const PROVINCE: &[u8] = &[0x55, 0x04, 0x08];
/// localityName, 2.5.4.7.
pub(crate) const LOCALITY: &[u8] = &[0x55, 0x04, 0x07];
/// streetAddress, 2.5.4.9.
pub(crate) const STREET: &[u8] = &[0x55, 0x04, 0x09];
/// postalCode, 2.5.4.17.
pub(crate) const POSTAL_CODE: &[u8] = &[0x55, 0x04, 0x11];
/// organizationName, 2.5.4.10.
pub(crate) const ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
/// organizationalUnitName, 2.5.4.11.
pub(crate) const ORGANIZATIONAL_UNIT: &[u8] = &[0x55, 0x04, 0x0b];
/// commonName, 2.5.4.3.
pub(crate) const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// serialNumber, 2.5.4.5.
pub(crate) const SERIAL_NUMBER: &[u8] = &[0x55, 0x04, 0x05];

/// subjectKeyIdentifier, 2.5.29.14.
pub(crate) const SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
/// keyUsage, 2.5.29.15.
pub(crate) const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
/// subjectAltName, 2.5.29.17.
pub(crate) const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
/// basicConstraints, 2.5.29.19.
pub(crate) const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// authorityKeyIdentifier, 2.5.29.35.
pub(crate) const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
/// extKeyUsage, 2.5.29.37.
pub(crate) const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];

/// id-kp-serverAuth, 1.3.6.1.5.5.7.3.1.
pub(crate) const KP_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// id-kp-clientAuth, 1.3.6.1.5.5.7.3.2.
pub(crate) const KP_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
