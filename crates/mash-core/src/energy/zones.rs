//! The zones EnergyControl resolves between, and their connectivity.

use alloc::vec::Vec;
use core::time::Duration;

use super::failsafe::Connectivity;
use crate::ids::ZoneId;
use crate::time::Instant;
use crate::zone::ZoneType;

/// A zone's connection as failsafe sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Added or restored at boot, not connected yet; becomes `Lost` if it
    /// does not connect by the deadline.
    Pending {
        /// When it counts as lost.
        deadline: Instant,
    },
    /// Operational connection up.
    Connected,
    /// Connection lost.
    Lost,
}

/// One zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneState {
    /// Zone ID.
    pub id: ZoneId,
    /// Zone type (priority).
    pub ty: ZoneType,
    /// Connection state.
    pub link: Link,
}

impl ZoneState {
    /// Whether its values take part in resolution.
    pub fn resolves(&self) -> bool {
        self.ty != ZoneType::Test && self.link == Link::Connected
    }
}

/// All zones of the device.
#[derive(Debug, Clone, Default)]
pub struct Zones {
    zones: Vec<ZoneState>,
}

impl Zones {
    /// Every zone.
    pub fn iter(&self) -> impl Iterator<Item = &ZoneState> {
        self.zones.iter()
    }

    /// Number of zones, TEST included (DeviceInfo zoneCount).
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The zone `id`.
    pub fn get(&self, id: &ZoneId) -> Option<&ZoneState> {
        self.zones.iter().find(|z| z.id == *id)
    }

    fn get_mut(&mut self, id: &ZoneId) -> Option<&mut ZoneState> {
        self.zones.iter_mut().find(|z| z.id == *id)
    }

    /// Adds a zone awaiting its first connection (no-op if known).
    pub fn add(&mut self, id: ZoneId, ty: ZoneType, now: Instant, grace: Duration) {
        if self.get(&id).is_none() {
            self.zones.push(ZoneState {
                id,
                ty,
                link: Link::Pending {
                    deadline: now + grace,
                },
            });
        }
    }

    /// Removes a zone; false if unknown.
    pub fn remove(&mut self, id: &ZoneId) -> bool {
        let before = self.zones.len();
        self.zones.retain(|z| z.id != *id);
        before != self.zones.len()
    }

    /// Sets a zone's link; false if unknown.
    pub fn set_link(&mut self, id: &ZoneId, link: Link) -> bool {
        match self.get_mut(id) {
            Some(z) => {
                z.link = link;
                true
            }
            None => false,
        }
    }

    /// Turns pending zones past their deadline into lost ones; true if any.
    pub fn expire_pending(&mut self, now: Instant) -> bool {
        let mut any = false;
        for z in &mut self.zones {
            if matches!(z.link, Link::Pending { deadline } if deadline <= now) {
                z.link = Link::Lost;
                any = true;
            }
        }
        any
    }

    /// The earliest pending deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.zones
            .iter()
            .filter_map(|z| match z.link {
                Link::Pending { deadline } => Some(deadline),
                _ => None,
            })
            .min()
    }

    /// Failsafe's view (TEST zones are observers and do not count).
    pub fn connectivity(&self) -> Connectivity {
        let mut c = Connectivity::default();
        for z in self.zones.iter().filter(|z| z.ty != ZoneType::Test) {
            match z.link {
                Link::Connected => c.connected += 1,
                Link::Lost => {
                    c.lost += 1;
                    c.grid_lost |= z.ty == ZoneType::Grid;
                }
                Link::Pending { .. } => {}
            }
        }
        c
    }

    /// Zone types present, ascending, without duplicates.
    pub fn types(&self) -> Vec<ZoneType> {
        let mut types: Vec<ZoneType> = self.zones.iter().map(|z| z.ty).collect();
        types.sort_by_key(|t| t.value());
        types.dedup();
        types
    }
}
