//! One declarative table per feature (INTEROP.md §7, `features/*.md`).
//!
//! Each module declares, once, the feature's enumerations, attribute and
//! command IDs, types, ranges, access and defaults. The tables were
//! transcribed from the spec's feature YAML files; handlers that give the
//! commands meaning live with the services, next to these tables' users.

pub mod charging_session;
pub mod device_info;
pub mod electrical;
pub mod energy_control;
pub mod limit_source;
pub mod measurement;
pub mod plan;
pub mod shared;
pub mod signals;
pub mod status;
pub mod tariff;
pub mod test_control;

use super::{FeatureDef, FeatureType};

/// Every feature table this implementation knows, ascending by ID.
pub static ALL: [&FeatureDef; 10] = [
    &device_info::DEVICE_INFO,
    &status::STATUS,
    &electrical::ELECTRICAL,
    &measurement::MEASUREMENT,
    &energy_control::ENERGY_CONTROL,
    &charging_session::CHARGING_SESSION,
    &tariff::TARIFF,
    &signals::SIGNALS,
    &plan::PLAN,
    &test_control::TEST_CONTROL,
];

/// mash-rs extensions in the vendor feature range (0x80-0xFF).
pub static EXTENSIONS: [&FeatureDef; 1] = [&limit_source::LIMIT_SOURCE];

/// The table for a feature ID.
pub fn def(ty: FeatureType) -> Option<&'static FeatureDef> {
    ALL.iter()
        .chain(EXTENSIONS.iter())
        .copied()
        .find(|d| d.id == ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_ascending_unique_and_consistent() {
        for (i, def) in ALL.iter().enumerate() {
            assert_eq!(def.id.value() as usize, i + 1, "{}", def.name);
            assert!(
                def.attributes.windows(2).all(|w| w[0].id < w[1].id),
                "{}",
                def.name
            );
            assert!(
                def.commands.windows(2).all(|w| w[0].id < w[1].id),
                "{}",
                def.name
            );
            for a in def.attributes {
                assert!(
                    a.id < super::super::global::RESERVED_START,
                    "{}.{}",
                    def.name,
                    a.name
                );
                assert!(
                    a.validate(&a.initial_value()).is_ok(),
                    "{}.{} default",
                    def.name,
                    a.name
                );
            }
        }
    }
}
