//! A feature instance on an endpoint: which attributes and commands it
//! supports, their current values, and per-zone values.

use alloc::vec::Vec;

use super::schema::{AttributeDef, AttributeId, CommandId, FeatureDef, FeatureType, global};
use crate::cbor::Value;
use crate::ids::ZoneId;
use crate::wire::StatusCode;

/// One feature on one endpoint.
///
/// The supported attribute set is fixed at construction (DEC-051: the
/// attributeList is static for the life of a connection); values change
/// through [`super::Device`] so that every change is recorded for
/// subscriptions.
#[derive(Debug, Clone)]
pub struct Feature {
    def: &'static FeatureDef,
    feature_map: u32,
    /// Supported attributes and their shared values, ascending by ID.
    values: Vec<(AttributeId, Value)>,
    /// Values of per-zone ("my*") attributes, one entry per zone that set one.
    zone_values: Vec<(ZoneId, AttributeId, Value)>,
    /// Accepted command IDs, ascending.
    commands: Vec<CommandId>,
}

impl Feature {
    /// An instance with the mandatory attributes and commands of `def`.
    pub fn new(def: &'static FeatureDef) -> Self {
        let mut f = Self {
            def,
            feature_map: 0,
            values: Vec::new(),
            zone_values: Vec::new(),
            commands: Vec::new(),
        };
        for a in def.attributes.iter().filter(|a| a.mandatory) {
            f.values.push((a.id, a.initial_value()));
        }
        f.commands
            .extend(def.commands.iter().filter(|c| c.mandatory).map(|c| c.id));
        f
    }

    /// Adds optional attributes; unknown IDs are ignored.
    pub fn with_attributes(mut self, ids: &[AttributeId]) -> Self {
        for id in ids {
            if let Some(a) = self.def.attribute(*id) {
                if let Err(i) = self.values.binary_search_by_key(id, |e| e.0) {
                    self.values.insert(i, (a.id, a.initial_value()));
                }
            }
        }
        self
    }

    /// Adds every attribute the table declares.
    pub fn with_all_attributes(self) -> Self {
        let ids: Vec<AttributeId> = self.def.attributes.iter().map(|a| a.id).collect();
        self.with_attributes(&ids)
    }

    /// Adds optional commands; unknown IDs are ignored.
    pub fn with_commands(mut self, ids: &[CommandId]) -> Self {
        for id in ids {
            if self.def.command(*id).is_some() {
                if let Err(i) = self.commands.binary_search(id) {
                    self.commands.insert(i, *id);
                }
            }
        }
        self
    }

    /// Adds every command the table declares.
    pub fn with_all_commands(self) -> Self {
        let ids: Vec<CommandId> = self.def.commands.iter().map(|c| c.id).collect();
        self.with_commands(&ids)
    }

    /// Sets the featureMap bits (DEC-074: capability variants).
    pub fn with_feature_map(mut self, bits: u32) -> Self {
        self.feature_map = bits;
        self
    }

    /// Sets an initial value while building the model (no change record).
    pub fn with_value(mut self, id: AttributeId, value: impl Into<Value>) -> Self {
        let value = value.into();
        if let Some(a) = self.def.attribute(id) {
            if a.validate(&value).is_ok() {
                match self.values.binary_search_by_key(&id, |e| e.0) {
                    Ok(i) => {
                        if let Some(slot) = self.values.get_mut(i) {
                            slot.1 = value;
                        }
                    }
                    Err(i) => self.values.insert(i, (id, value)),
                }
            }
        }
        self
    }

    /// The static table.
    pub fn def(&self) -> &'static FeatureDef {
        self.def
    }

    /// The feature ID.
    pub fn feature_type(&self) -> FeatureType {
        self.def.id
    }

    /// The featureMap bits.
    pub fn feature_map(&self) -> u32 {
        self.feature_map
    }

    /// The attribute IDs in attributeList: supported ones plus the globals.
    pub fn attribute_list(&self) -> impl Iterator<Item = AttributeId> + '_ {
        self.values.iter().map(|e| e.0).chain(global::ALL)
    }

    /// Accepted command IDs, ascending.
    pub fn accepted_commands(&self) -> &[CommandId] {
        &self.commands
    }

    /// Whether command `id` is accepted.
    pub fn accepts_command(&self, id: CommandId) -> bool {
        self.commands.binary_search(&id).is_ok()
    }

    /// The definition of a supported (non-global) attribute.
    pub fn supported(&self, id: AttributeId) -> Option<&'static AttributeDef> {
        self.values
            .binary_search_by_key(&id, |e| e.0)
            .ok()
            .and(self.def.attribute(id))
    }

    /// Whether `id` is readable here (supported or global).
    pub fn has_attribute(&self, id: AttributeId) -> bool {
        global::ALL.contains(&id) || self.supported(id).is_some()
    }

    /// The shared value of a supported attribute.
    pub fn get(&self, id: AttributeId) -> Option<&Value> {
        let i = self.values.binary_search_by_key(&id, |e| e.0).ok()?;
        self.values.get(i).map(|e| &e.1)
    }

    /// Reads an attribute as `zone` sees it: per-zone attributes give that
    /// zone's value (null if it set none), globals are computed.
    pub fn read(&self, id: AttributeId, zone: Option<&ZoneId>) -> Option<Value> {
        match id {
            global::FEATURE_MAP => return Some(Value::Uint(self.feature_map.into())),
            global::ATTRIBUTE_LIST => {
                return Some(Value::Array(
                    self.attribute_list().map(Value::from).collect(),
                ));
            }
            global::ACCEPTED_COMMAND_LIST => return Some(Value::Bytes(self.commands.clone())),
            _ => {}
        }
        let def = self.supported(id)?;
        if let (true, Some(zone)) = (def.per_zone, zone) {
            return Some(self.zone_value(zone, id).cloned().unwrap_or(Value::Null));
        }
        self.get(id).cloned()
    }

    fn zone_value(&self, zone: &ZoneId, id: AttributeId) -> Option<&Value> {
        self.zone_values
            .iter()
            .find(|(z, a, _)| z == zone && *a == id)
            .map(|e| &e.2)
    }

    /// Sets a shared value after validation; returns whether it changed.
    pub(super) fn set(&mut self, id: AttributeId, value: Value) -> Result<bool, StatusCode> {
        let def = self.supported(id).ok_or(StatusCode::InvalidAttribute)?;
        def.validate(&value).map_err(StatusCode::from)?;
        let i = self
            .values
            .binary_search_by_key(&id, |e| e.0)
            .map_err(|_| StatusCode::InvalidAttribute)?;
        let slot = self.values.get_mut(i).ok_or(StatusCode::InvalidAttribute)?;
        if slot.1 == value {
            return Ok(false);
        }
        slot.1 = value;
        Ok(true)
    }

    /// Sets `zone`'s value of a per-zone attribute; `Null` removes it.
    pub(super) fn set_zone(
        &mut self,
        zone: &ZoneId,
        id: AttributeId,
        value: Value,
    ) -> Result<bool, StatusCode> {
        let def = self.supported(id).ok_or(StatusCode::InvalidAttribute)?;
        if !def.per_zone {
            return Err(StatusCode::InvalidAttribute);
        }
        def.validate(&value).map_err(StatusCode::from)?;
        let pos = self
            .zone_values
            .iter()
            .position(|(z, a, _)| z == zone && *a == id);
        match (pos, value) {
            (None, Value::Null) => Ok(false),
            (Some(i), Value::Null) => {
                self.zone_values.remove(i);
                Ok(true)
            }
            (Some(i), v) => match self.zone_values.get_mut(i) {
                Some(slot) if slot.2 != v => {
                    slot.2 = v;
                    Ok(true)
                }
                _ => Ok(false),
            },
            (None, v) => {
                self.zone_values.push((*zone, id, v));
                Ok(true)
            }
        }
    }

    /// Drops every per-zone value of `zone`; returns the attributes that
    /// changed.
    pub(super) fn clear_zone(&mut self, zone: &ZoneId) -> Vec<AttributeId> {
        let mut cleared = Vec::new();
        self.zone_values.retain(|(z, a, _)| {
            if z == zone {
                cleared.push(*a);
                false
            } else {
                true
            }
        });
        cleared
    }
}
