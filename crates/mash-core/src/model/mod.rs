//! The MASH data model: device → endpoints → features → attributes and
//! commands (INTEROP.md §7, DEC-007).
//!
//! [`schema`] holds the static description types and the `feature_table!`
//! macro; [`features`] one table per feature; [`Feature`], [`Endpoint`]
//! and [`Device`] the live instances.

mod device;
mod endpoint;
mod feature;
pub mod features;
pub mod schema;

pub use device::{Change, Device};
pub use endpoint::{Endpoint, EndpointType};
pub use feature::Feature;
pub use schema::{
    AttributeDef, AttributeId, CommandDef, CommandId, DataType, DefaultValue, EndpointId,
    FeatureDef, FeatureType, Invalid, ParamDef, global,
};
