//! What the device keeps across restarts, as documents in its state
//! directory (mash-store: atomic writes, checksums).
//!
//! - `zone-<zoneId>`: one per zone: type, Zone CA, operational
//!   certificate and key, device ID, install sequence;
//! - `commissioning`: the stable self-signed commissioning certificate
//!   (DEC-067);
//! - `settings`: values controllers wrote that must survive (failsafe
//!   configuration, label, location) and the failsafe timer (the remaining
//!   time survives a restart, failsafe-timing.md §4.2).

use serde::{Deserialize, Serialize};

use mash_core::ids::{DeviceId, ZoneId};
use mash_core::zone::ZoneType;
use mash_store::{StateDir, StoreError};

/// Bytes as lowercase hex in JSON.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// A zone the device belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneRecord {
    /// Zone ID (from PASE).
    pub zone_id: String,
    /// Zone type value (1 GRID, 2 LOCAL, 3 TEST).
    pub zone_type: u8,
    /// The device's ID in this zone (certificate CN).
    pub device_id: String,
    /// Zone CA, DER.
    #[serde(with = "hex_bytes")]
    pub zone_ca_der: Vec<u8>,
    /// Operational certificate, DER.
    #[serde(with = "hex_bytes")]
    pub cert_der: Vec<u8>,
    /// Its private key, PKCS#8 DER.
    #[serde(with = "hex_bytes")]
    pub key_der: Vec<u8>,
    /// Sequence of the active certificate (renewal).
    pub sequence: u32,
}

impl ZoneRecord {
    /// The zone ID.
    pub fn id(&self) -> Option<ZoneId> {
        self.zone_id.parse().ok()
    }

    /// The zone type.
    pub fn ty(&self) -> ZoneType {
        ZoneType::from_value(self.zone_type)
    }

    /// The device ID.
    pub fn device(&self) -> Option<DeviceId> {
        self.device_id.parse().ok()
    }

    fn doc_name(zone_id: &str) -> String {
        format!("zone-{zone_id}")
    }
}

/// The commissioning TLS identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissioningRecord {
    /// Discriminator it was made for (its CN is `MASH-<d>`).
    pub discriminator: u16,
    /// Certificate, DER.
    #[serde(with = "hex_bytes")]
    pub cert_der: Vec<u8>,
    /// Key, PKCS#8 DER.
    #[serde(with = "hex_bytes")]
    pub key_der: Vec<u8>,
}

/// The failsafe timer as persisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FailsafeRecord {
    /// Not in failsafe.
    #[default]
    Normal,
    /// In FAILSAFE with this many milliseconds left.
    Active {
        /// Remaining time.
        remaining_ms: u64,
    },
    /// Failsafe ran out while controllers stayed away.
    Expired,
}

/// Controller-written values that survive restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Settings {
    /// failsafeConsumptionLimit per EnergyControl endpoint, mW.
    pub failsafe_consumption_limit: Option<i64>,
    /// failsafeProductionLimit, mW.
    pub failsafe_production_limit: Option<i64>,
    /// failsafeDuration, s.
    pub failsafe_duration_s: Option<u32>,
    /// DeviceInfo label.
    pub label: Option<String>,
    /// DeviceInfo location.
    pub location: Option<String>,
    /// The failsafe timer.
    pub failsafe: FailsafeRecord,
}

/// Everything read back at start.
#[derive(Debug, Clone, Default)]
pub struct Restored {
    /// Zones.
    pub zones: Vec<ZoneRecord>,
    /// Commissioning identity, if one was made before.
    pub commissioning: Option<CommissioningRecord>,
    /// Settings.
    pub settings: Settings,
}

/// The device's state directory.
#[derive(Debug, Clone)]
pub struct DeviceStore {
    dir: StateDir,
}

impl DeviceStore {
    /// Opens `path`.
    pub fn open(path: impl Into<std::path::PathBuf>) -> Result<Self, StoreError> {
        Ok(Self {
            dir: StateDir::open(path)?,
        })
    }

    /// Reads everything; a corrupt document is an error, never skipped.
    pub fn load(&self) -> Result<Restored, StoreError> {
        let mut zones = Vec::new();
        for name in self.dir.list("zone-")? {
            if let Some(z) = self.dir.read::<ZoneRecord>(&name)? {
                zones.push(z);
            }
        }
        Ok(Restored {
            zones,
            commissioning: self.dir.read("commissioning")?,
            settings: self.dir.read("settings")?.unwrap_or_default(),
        })
    }

    /// Stores a zone.
    pub fn save_zone(&self, zone: &ZoneRecord) -> Result<(), StoreError> {
        self.dir.write(&ZoneRecord::doc_name(&zone.zone_id), zone)
    }

    /// Deletes a zone (its certificate and key go with it).
    pub fn forget_zone(&self, zone_id: &str) -> Result<(), StoreError> {
        self.dir.remove(&ZoneRecord::doc_name(zone_id))
    }

    /// Stores the commissioning identity.
    pub fn save_commissioning(&self, record: &CommissioningRecord) -> Result<(), StoreError> {
        self.dir.write("commissioning", record)
    }

    /// Stores settings.
    pub fn save_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        self.dir.write("settings", settings)
    }

    /// Removes every zone and setting (factory reset).
    pub fn wipe(&self) -> Result<(), StoreError> {
        for name in self.dir.list("zone-")? {
            self.dir.remove(&name)?;
        }
        self.dir.remove("settings")
    }
}
