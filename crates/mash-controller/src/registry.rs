//! The device registry: every device commissioned into this zone, one
//! `mash-store` document each (`device-<deviceId>.json`), written before
//! the in-memory copy changes.

use std::collections::BTreeMap;

use mash_core::ids::{DeviceId, ZoneId};
use mash_pki::UnixTime;
use mash_store::StateDir;
use mash_transport::Target;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Document name prefix of device records.
pub(crate) const DEVICE_PREFIX: &str = "device-";

/// A device commissioned into this zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The device's ID in this zone (its certificate CN, INTEROP.md §4).
    pub device_id: DeviceId,
    /// The zone ID both sides derived from this commissioning's PASE
    /// secret (INTEROP.md §4). Every device has its own; RemoveZone names
    /// it.
    pub zone_id: ZoneId,
    /// Where the device is reached (`host:port`).
    pub address: Target,
    /// When it was commissioned.
    pub commissioned_at: UnixTime,
    /// Expiry of the certificate the controller last issued to it.
    pub cert_not_after: UnixTime,
    /// Install sequence of that certificate (2 after commissioning,
    /// INTEROP.md §5.2 step 8.4; +1 per renewal).
    pub cert_sequence: u32,
}

/// The on-disk shape of a [`DeviceRecord`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    device_id: String,
    zone_id: String,
    address: String,
    commissioned_at: i64,
    cert_not_after: i64,
    cert_sequence: u32,
}

impl From<&DeviceRecord> for Stored {
    fn from(r: &DeviceRecord) -> Self {
        Self {
            device_id: r.device_id.to_string(),
            zone_id: r.zone_id.to_string(),
            address: r.address.to_string(),
            commissioned_at: r.commissioned_at.secs(),
            cert_not_after: r.cert_not_after.secs(),
            cert_sequence: r.cert_sequence,
        }
    }
}

impl Stored {
    fn into_record(self, doc: &str) -> Result<DeviceRecord, Error> {
        let bad = |what: &str| Error::State(format!("{doc}.json: invalid {what}"));
        let device_id: DeviceId = self.device_id.parse().map_err(|_| bad("deviceId"))?;
        if doc_name(&device_id) != doc {
            return Err(bad("deviceId (does not match the file name)"));
        }
        Ok(DeviceRecord {
            device_id,
            zone_id: self.zone_id.parse().map_err(|_| bad("zoneId"))?,
            address: self.address.parse().map_err(|_| bad("address"))?,
            commissioned_at: UnixTime::from_secs(self.commissioned_at),
            cert_not_after: UnixTime::from_secs(self.cert_not_after),
            cert_sequence: self.cert_sequence,
        })
    }
}

fn doc_name(id: &DeviceId) -> String {
    format!("{DEVICE_PREFIX}{id}")
}

/// The registry, in memory and on disk.
#[derive(Debug)]
pub(crate) struct Registry {
    store: StateDir,
    devices: BTreeMap<DeviceId, DeviceRecord>,
}

impl Registry {
    /// Reads every record; one unreadable record fails the whole load.
    pub(crate) fn load(store: StateDir) -> Result<Self, Error> {
        let mut devices = BTreeMap::new();
        for doc in store.list(DEVICE_PREFIX)? {
            let stored: Stored = store
                .read(&doc)?
                .ok_or_else(|| Error::State(format!("{doc}.json vanished while loading")))?;
            let record = stored.into_record(&doc)?;
            devices.insert(record.device_id, record);
        }
        Ok(Self { store, devices })
    }

    pub(crate) fn get(&self, id: &DeviceId) -> Option<&DeviceRecord> {
        self.devices.get(id)
    }

    pub(crate) fn all(&self) -> Vec<DeviceRecord> {
        self.devices.values().cloned().collect()
    }

    /// Persists `record`, then keeps it.
    pub(crate) fn upsert(&mut self, record: DeviceRecord) -> Result<(), Error> {
        self.store
            .write(&doc_name(&record.device_id), &Stored::from(&record))?;
        self.devices.insert(record.device_id, record);
        Ok(())
    }

    /// Changes a record through `f` and persists it; `None` if unknown.
    pub(crate) fn update(
        &mut self,
        id: &DeviceId,
        f: impl FnOnce(&mut DeviceRecord),
    ) -> Result<Option<DeviceRecord>, Error> {
        let Some(mut record) = self.devices.get(id).cloned() else {
            return Ok(None);
        };
        f(&mut record);
        self.upsert(record.clone())?;
        Ok(Some(record))
    }

    /// Deletes a record.
    pub(crate) fn remove(&mut self, id: &DeviceId) -> Result<Option<DeviceRecord>, Error> {
        self.store.remove(&doc_name(id))?;
        Ok(self.devices.remove(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> DeviceRecord {
        DeviceRecord {
            device_id: id.parse().unwrap(),
            zone_id: "2859a7266ff2c1f0".parse().unwrap(),
            address: "[fe80::1%7]:8443".parse().unwrap(),
            commissioned_at: UnixTime::from_secs(100),
            cert_not_after: UnixTime::from_secs(200),
            cert_sequence: 2,
        }
    }

    #[test]
    fn records_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateDir::open(dir.path()).unwrap();
        let mut reg = Registry::load(store.clone()).unwrap();
        reg.upsert(record("0011223344556677")).unwrap();
        reg.upsert(record("8899aabbccddeeff")).unwrap();
        reg.update(&"0011223344556677".parse().unwrap(), |r| {
            r.cert_sequence = 3;
        })
        .unwrap();
        reg.remove(&"8899aabbccddeeff".parse().unwrap()).unwrap();
        let again = Registry::load(store).unwrap();
        assert_eq!(again.all().len(), 1);
        let r = again.get(&"0011223344556677".parse().unwrap()).unwrap();
        assert_eq!(r.cert_sequence, 3);
        assert_eq!(r.address, record("0011223344556677").address);
    }

    #[test]
    fn a_corrupt_record_fails_the_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateDir::open(dir.path()).unwrap();
        Registry::load(store.clone())
            .unwrap()
            .upsert(record("0011223344556677"))
            .unwrap();
        let path = dir.path().join("device-0011223344556677.json");
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("8443", "8444");
        std::fs::write(&path, text).unwrap();
        assert!(matches!(Registry::load(store), Err(Error::Store(_))));
    }
}
