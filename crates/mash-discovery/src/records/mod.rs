//! The four MASH DNS-SD record kinds, pure and I/O-free (INTEROP.md §9).
//!
//! | kind | service type | instance | port | TXT |
//! |---|---|---|---|---|
//! | [`CommissionableInfo`] | `_mash-comm._tcp` | `MASH-%04d` | listen port | `D`, `cat`, `serial`, `brand`, `model`, `DN`? |
//! | [`OperationalInfo`] | `_mash._tcp` | `<zoneID>-<deviceID>` | listen port | `ZI`, `DI`, `VP`?, `EP`?, `FW`? |
//! | [`CommissionerInfo`] | `_mashd._udp` | zone name (≤ 63) | 8443 | `ZN`, `ZI`, `VP`?, `DN`?, `DC`? |
//! | [`PairingRequestInfo`] | `_mashp._udp` | `<zoneID>-<d>` | 1 | `D`, `ZI`, `ZN`? |
//!
//! Each kind implements [`Record`]: an instance name, a TXT encoder and a
//! TXT decoder that validates as the reference does.

mod commissionable;
mod commissioner;
pub mod instance;
mod operational;
mod pairing_request;
mod values;

use core::fmt;
use std::time::Duration;

use mash_core::ids::{DeviceId, ZoneId};

pub use commissionable::CommissionableInfo;
pub use commissioner::CommissionerInfo;
pub use operational::OperationalInfo;
pub use pairing_request::PairingRequestInfo;
pub use values::{DeviceCategory, Discriminator, VendorProduct};

use crate::error::DecodeError;
use crate::txt::TxtRecord;

/// The mDNS domain of every MASH record.
pub const DOMAIN: &str = "local";

/// Record TTL the reference uses for MASH services (INTEROP.md §9).
pub const RECORD_TTL: Duration = Duration::from_secs(120);

/// Port of the commissioner record, and the default listen port.
pub const DEFAULT_PORT: u16 = 8443;

/// SRV port of a pairing request: no connection is made to it, and the
/// reference's zeroconf refuses 0 (INTEROP.md §9, §11).
pub const PAIRING_REQUEST_PORT: u16 = 1;

/// Which MASH service type a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    /// `_mash-comm._tcp`: a device with an open commissioning window.
    Commissionable,
    /// `_mash._tcp`: a commissioned device, one instance per zone.
    Operational,
    /// `_mashd._udp`: a controller (commissioner), one instance per zone.
    Commissioner,
    /// `_mashp._udp`: a controller asking a device to open its window.
    PairingRequest,
}

impl ServiceKind {
    /// All kinds.
    pub const ALL: [Self; 4] = [
        Self::Commissionable,
        Self::Operational,
        Self::Commissioner,
        Self::PairingRequest,
    ];

    /// The service type without domain, e.g. `_mash-comm._tcp`.
    pub const fn service_type(self) -> &'static str {
        match self {
            Self::Commissionable => "_mash-comm._tcp",
            Self::Operational => "_mash._tcp",
            Self::Commissioner => "_mashd._udp",
            Self::PairingRequest => "_mashp._udp",
        }
    }

    /// The fully qualified type with domain, as mDNS uses it, e.g.
    /// `_mash-comm._tcp.local.`.
    pub const fn ty_domain(self) -> &'static str {
        match self {
            Self::Commissionable => "_mash-comm._tcp.local.",
            Self::Operational => "_mash._tcp.local.",
            Self::Commissioner => "_mashd._udp.local.",
            Self::PairingRequest => "_mashp._udp.local.",
        }
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.service_type())
    }
}

/// A MASH DNS-SD record: what goes into the instance name and TXT record.
///
/// The SRV port and host are not part of the record; the advertiser takes
/// the port as an argument and the browser reports both.
pub trait Record: Sized + Clone + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The service type this record is advertised under.
    const KIND: ServiceKind;

    /// The instance name, at most 63 bytes.
    fn instance_name(&self) -> String;

    /// The TXT record, in a fixed key order.
    fn encode_txt(&self) -> TxtRecord;

    /// Decodes and validates a received TXT record.
    fn decode_txt(txt: &TxtRecord) -> Result<Self, DecodeError>;
}

/// `ZI` as the reference reads it: a value that is not 16 bytes long counts
/// as missing; 16 non-hex characters are a format error.
pub(crate) fn decode_zone_id(txt: &TxtRecord) -> Result<ZoneId, DecodeError> {
    let value = txt.required("ZI")?;
    if value.len() != 16 {
        return Err(DecodeError::MissingField("ZI"));
    }
    value.parse().map_err(|_| DecodeError::InvalidZoneId)
}

/// `DI`, with the same rules as [`decode_zone_id`].
pub(crate) fn decode_device_id(txt: &TxtRecord) -> Result<DeviceId, DecodeError> {
    let value = txt.required("DI")?;
    if value.len() != 16 {
        return Err(DecodeError::MissingField("DI"));
    }
    value.parse().map_err(|_| DecodeError::InvalidDeviceId)
}

/// `VP`: optional, and the reference keeps it as opaque text, so a value
/// we cannot parse is dropped (logged) instead of rejecting the record.
pub(crate) fn decode_vendor_product(txt: &TxtRecord) -> Result<Option<VendorProduct>, DecodeError> {
    let Some(raw) = txt.optional("VP")? else {
        return Ok(None);
    };
    match raw.parse() {
        Ok(vp) => Ok(Some(vp)),
        Err(()) => {
            tracing::trace!(vp = raw, "ignoring unparsable VP");
            Ok(None)
        }
    }
}

/// A `uint8` count (`EP`, `DC`): absent or unparsable reads as 0, as in the
/// reference.
pub(crate) fn decode_count(txt: &TxtRecord, key: &'static str) -> Result<u8, DecodeError> {
    Ok(txt
        .optional(key)?
        .and_then(|v| values::parse_decimal(v, u32::from(u8::MAX)))
        .and_then(|v| u8::try_from(v).ok())
        .unwrap_or(0))
}
