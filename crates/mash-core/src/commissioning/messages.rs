//! Commissioning, PASE and certificate-renewal messages (INTEROP.md §5.1).
//!
//! Every message is a CBOR map with unsigned keys; key 1 is the type.
//! Encoding is byte-identical to the reference (`cbor.Marshal` of its
//! structs): fields in ascending key order, shortest integer heads, and
//! the reference's presence rules — `retryAfter` (255/4), `errorCode`
//! (4/3) and `sequence` (32/3) are always written, `zoneCA` (30/3),
//! `nonceHash` (31/3) and the error `message` (255/3) are omitted when
//! empty. Decoding is lenient in the same way as the reference's decoders
//! (see [`CommissioningMessage::decode`]).

use alloc::string::String;
use alloc::vec::Vec;

use crate::cbor::Writer;
use crate::macros::wire_enum;

wire_enum! {
    /// The message type (key 1), INTEROP.md §5.1.
    pub enum MessageType: u8 {
        /// C→D, carries pA.
        PaseRequest = 0x01 => "PASERequest",
        /// D→C, carries pB.
        PaseResponse = 0x02 => "PASEResponse",
        /// C→D, carries cA.
        PaseConfirm = 0x03 => "PASEConfirm",
        /// D→C, carries cB and an error code.
        PaseComplete = 0x04 => "PASEComplete",
        /// Defined by the reference, never sent.
        CsrRequest = 0x0a => "CSRRequest",
        /// Defined by the reference, never sent.
        CsrResponse = 0x0b => "CSRResponse",
        /// Defined by the reference, never sent.
        CertInstall = 0x0c => "CertInstall",
        /// Defined by the reference, never sent.
        CertInstallResponse = 0x0d => "CertInstallResponse",
        /// Defined by the reference, never sent.
        CommissioningComplete = 0x14 => "CommissioningComplete",
        /// C→D: nonce, and the Zone CA during commissioning.
        CertRenewalRequest = 0x1e => "CertRenewalRequest",
        /// D→C: the CSR, and the nonce hash during renewal.
        CertRenewalCsr = 0x1f => "CertRenewalCSR",
        /// C→D: the signed certificate and its sequence number.
        CertRenewalInstall = 0x20 => "CertRenewalInstall",
        /// D→C: install status and active sequence.
        CertRenewalAck = 0x21 => "CertRenewalAck",
        /// D→C: the commissioning attempt is refused.
        CommissioningError = 0xff => "CommissioningError",
    }
}

wire_enum! {
    /// Commissioning error codes (PASEComplete key 3, CommissioningError
    /// key 2), INTEROP.md §5.1.
    pub enum ErrorCode: u8 {
        /// No error.
        Success = 0x00 => "SUCCESS",
        /// Authentication failed; also sent for an invalid pA.
        AuthFailed = 0x01 => "AUTH_FAILED",
        /// cA did not match: the code the reference sends on a wrong setup
        /// code (in PASEComplete).
        ConfirmFailed = 0x02 => "CONFIRM_FAILED",
        /// The device could not produce a CSR.
        CsrFailed = 0x03 => "CSR_FAILED",
        /// The device could not install the certificate.
        CertInstallFailed = 0x04 => "CERT_INSTALL_FAILED",
        /// The device cannot commission now; see retryAfter.
        Busy = 0x05 => "DEVICE_BUSY",
        /// The device already has a zone of this type.
        ZoneTypeExists = 0x0a => "ZONE_TYPE_EXISTS",
        /// Anything else.
        Internal = 0xff => "INTERNAL_ERROR",
    }
}

wire_enum! {
    /// Certificate-renewal status (CertRenewalAck key 2), INTEROP.md §5.1,
    /// §5.8.
    pub enum RenewalStatus: u8 {
        /// The certificate is installed.
        Success = 0x00 => "SUCCESS",
        /// The device could not produce a CSR.
        CsrFailed = 0x01 => "CSR_FAILED",
        /// No renewal is pending.
        InstallFailed = 0x02 => "INSTALL_FAILED",
        /// The certificate does not parse or is not ECDSA.
        InvalidCert = 0x03 => "INVALID_CERT",
        /// The certificate's key is not the pending one (nonce binding).
        InvalidNonce = 0x04 => "INVALID_NONCE",
    }
}

/// INTEROP.md §5.1 type 1.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaseRequest {
    /// 2: pA, 65 bytes uncompressed.
    pub public_value: Vec<u8>,
    /// 3: the client identity (ignored by devices).
    pub client_identity: Vec<u8>,
}

/// INTEROP.md §5.1 type 2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaseResponse {
    /// 2: pB, 65 bytes uncompressed.
    pub public_value: Vec<u8>,
}

/// INTEROP.md §5.1 type 3.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaseConfirm {
    /// 2: cA, 32 bytes.
    pub confirmation: Vec<u8>,
}

/// INTEROP.md §5.1 type 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaseComplete {
    /// 2: cB, 32 bytes (also sent on failure).
    pub confirmation: Vec<u8>,
    /// 3: always present.
    pub error_code: ErrorCode,
}

/// INTEROP.md §5.1 type 10 (defined, unused).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsrRequest {
    /// 2.
    pub nonce: Vec<u8>,
}

/// INTEROP.md §5.1 type 11 (defined, unused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrResponse {
    /// 2.
    pub csr: Vec<u8>,
    /// 3.
    pub error_code: ErrorCode,
}

/// INTEROP.md §5.1 type 12 (defined, unused).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertInstall {
    /// 2.
    pub operational_cert: Vec<u8>,
    /// 3.
    pub ca_cert: Vec<u8>,
    /// 4.
    pub zone_type: u8,
    /// 5.
    pub zone_priority: u8,
}

/// INTEROP.md §5.1 type 13 (defined, unused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInstallResponse {
    /// 2.
    pub error_code: ErrorCode,
}

/// INTEROP.md §5.1 type 30.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertRenewalRequest {
    /// 2: 32 random bytes.
    pub nonce: Vec<u8>,
    /// 3: Zone CA DER; mandatory during commissioning, omitted when empty.
    pub zone_ca: Vec<u8>,
}

/// INTEROP.md §5.1 type 31.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertRenewalCsr {
    /// 2: PKCS#10 DER.
    pub csr: Vec<u8>,
    /// 3: SHA-256(nonce)\[0:16\] during renewal; empty (omitted) during
    /// commissioning.
    pub nonce_hash: Vec<u8>,
}

/// INTEROP.md §5.1 type 32.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertRenewalInstall {
    /// 2: certificate DER.
    pub new_cert: Vec<u8>,
    /// 3: always present (2 for the initial install).
    pub sequence: u32,
}

/// INTEROP.md §5.1 type 33.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRenewalAck {
    /// 2.
    pub status: RenewalStatus,
    /// 3: the sequence now active.
    pub active_sequence: u32,
}

/// INTEROP.md §5.1 type 255.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissioningError {
    /// 2.
    pub error_code: ErrorCode,
    /// 3: diagnostics only; omitted when empty.
    pub message: String,
    /// 4: milliseconds; always present, 0 meaning "do not retry".
    pub retry_after_ms: u32,
}

/// Any commissioning-phase message (INTEROP.md §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommissioningMessage {
    /// Type 1.
    PaseRequest(PaseRequest),
    /// Type 2.
    PaseResponse(PaseResponse),
    /// Type 3.
    PaseConfirm(PaseConfirm),
    /// Type 4.
    PaseComplete(PaseComplete),
    /// Type 10 (unused).
    CsrRequest(CsrRequest),
    /// Type 11 (unused).
    CsrResponse(CsrResponse),
    /// Type 12 (unused).
    CertInstall(CertInstall),
    /// Type 13 (unused).
    CertInstallResponse(CertInstallResponse),
    /// Type 20 (unused, no fields).
    CommissioningComplete,
    /// Type 30.
    CertRenewalRequest(CertRenewalRequest),
    /// Type 31.
    CertRenewalCsr(CertRenewalCsr),
    /// Type 32.
    CertRenewalInstall(CertRenewalInstall),
    /// Type 33.
    CertRenewalAck(CertRenewalAck),
    /// Type 255.
    CommissioningError(CommissioningError),
}

impl CommissioningMessage {
    /// The type written at key 1.
    pub fn message_type(&self) -> MessageType {
        match self {
            Self::PaseRequest(_) => MessageType::PaseRequest,
            Self::PaseResponse(_) => MessageType::PaseResponse,
            Self::PaseConfirm(_) => MessageType::PaseConfirm,
            Self::PaseComplete(_) => MessageType::PaseComplete,
            Self::CsrRequest(_) => MessageType::CsrRequest,
            Self::CsrResponse(_) => MessageType::CsrResponse,
            Self::CertInstall(_) => MessageType::CertInstall,
            Self::CertInstallResponse(_) => MessageType::CertInstallResponse,
            Self::CommissioningComplete => MessageType::CommissioningComplete,
            Self::CertRenewalRequest(_) => MessageType::CertRenewalRequest,
            Self::CertRenewalCsr(_) => MessageType::CertRenewalCsr,
            Self::CertRenewalInstall(_) => MessageType::CertRenewalInstall,
            Self::CertRenewalAck(_) => MessageType::CertRenewalAck,
            Self::CommissioningError(_) => MessageType::CommissioningError,
        }
    }

    /// Appends the CBOR encoding (no frame prefix) to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        let mut w = Writer::new(buf);
        let ty = u64::from(self.message_type().value());
        match self {
            Self::PaseRequest(m) => {
                w.map(3).uint(1).uint(ty);
                w.uint(2)
                    .bytes(&m.public_value)
                    .uint(3)
                    .bytes(&m.client_identity);
            }
            Self::PaseResponse(m) => {
                w.map(2).uint(1).uint(ty).uint(2).bytes(&m.public_value);
            }
            Self::PaseConfirm(m) => {
                w.map(2).uint(1).uint(ty).uint(2).bytes(&m.confirmation);
            }
            Self::PaseComplete(m) => {
                w.map(3).uint(1).uint(ty);
                w.uint(2)
                    .bytes(&m.confirmation)
                    .uint(3)
                    .uint(m.error_code.value().into());
            }
            Self::CsrRequest(m) => {
                w.map(2).uint(1).uint(ty).uint(2).bytes(&m.nonce);
            }
            Self::CsrResponse(m) => {
                w.map(3).uint(1).uint(ty);
                w.uint(2)
                    .bytes(&m.csr)
                    .uint(3)
                    .uint(m.error_code.value().into());
            }
            Self::CertInstall(m) => {
                w.map(5).uint(1).uint(ty);
                w.uint(2)
                    .bytes(&m.operational_cert)
                    .uint(3)
                    .bytes(&m.ca_cert);
                w.uint(4)
                    .uint(m.zone_type.into())
                    .uint(5)
                    .uint(m.zone_priority.into());
            }
            Self::CertInstallResponse(m) => {
                w.map(2)
                    .uint(1)
                    .uint(ty)
                    .uint(2)
                    .uint(m.error_code.value().into());
            }
            Self::CommissioningComplete => {
                w.map(1).uint(1).uint(ty);
            }
            Self::CertRenewalRequest(m) => {
                w.map(2 + usize::from(!m.zone_ca.is_empty()))
                    .uint(1)
                    .uint(ty);
                w.uint(2).bytes(&m.nonce);
                if !m.zone_ca.is_empty() {
                    w.uint(3).bytes(&m.zone_ca);
                }
            }
            Self::CertRenewalCsr(m) => {
                w.map(2 + usize::from(!m.nonce_hash.is_empty()))
                    .uint(1)
                    .uint(ty);
                w.uint(2).bytes(&m.csr);
                if !m.nonce_hash.is_empty() {
                    w.uint(3).bytes(&m.nonce_hash);
                }
            }
            Self::CertRenewalInstall(m) => {
                w.map(3).uint(1).uint(ty);
                w.uint(2).bytes(&m.new_cert).uint(3).uint(m.sequence.into());
            }
            Self::CertRenewalAck(m) => {
                w.map(3).uint(1).uint(ty);
                w.uint(2)
                    .uint(m.status.value().into())
                    .uint(3)
                    .uint(m.active_sequence.into());
            }
            Self::CommissioningError(m) => {
                w.map(3 + usize::from(!m.message.is_empty()))
                    .uint(1)
                    .uint(ty);
                w.uint(2).uint(m.error_code.value().into());
                if !m.message.is_empty() {
                    w.uint(3).text(&m.message);
                }
                w.uint(4).uint(m.retry_after_ms.into());
            }
        }
    }

    /// The CBOR encoding as a new buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        self.encode(&mut buf);
        buf
    }
}

macro_rules! message_from {
    ($($variant:ident),* $(,)?) => {
        $(
            impl From<$variant> for CommissioningMessage {
                fn from(m: $variant) -> Self {
                    Self::$variant(m)
                }
            }
        )*
    };
}

message_from!(
    PaseRequest,
    PaseResponse,
    PaseConfirm,
    PaseComplete,
    CsrRequest,
    CsrResponse,
    CertInstall,
    CertInstallResponse,
    CertRenewalRequest,
    CertRenewalCsr,
    CertRenewalInstall,
    CertRenewalAck,
    CommissioningError,
);
