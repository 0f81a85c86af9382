//! Names and values on the command line: features, attributes and
//! commands by their spec names (or numbers), CBOR values from text, and
//! CBOR values as JSON with attribute names.

use mash_core::cbor::{Key, Map, Value};
use mash_core::model::features;
use mash_core::model::{AttributeDef, FeatureDef, FeatureType};
use serde_json::json;

/// A feature by spec name (`EnergyControl`, `energy-control`,
/// `energycontrol`) or number.
pub fn feature(s: &str) -> Result<&'static FeatureDef, String> {
    let norm = |n: &str| n.replace(['-', '_'], "").to_ascii_lowercase();
    let by_number = s
        .parse::<u8>()
        .ok()
        .and_then(|n| features::def(FeatureType::from_value(n)));
    by_number
        .or_else(|| {
            features::ALL
                .iter()
                .chain(features::EXTENSIONS.iter())
                .copied()
                .find(|d| norm(d.name) == norm(s))
        })
        .ok_or_else(|| format!("unknown feature `{s}`"))
}

/// An attribute of `def` by spec name or number.
pub fn attribute(def: &FeatureDef, s: &str) -> Result<&'static AttributeDef, String> {
    let by_number = s.parse::<u16>().ok().and_then(|n| def.attribute(n));
    by_number
        .or_else(|| {
            def.attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(s))
        })
        .ok_or_else(|| format!("{} has no attribute `{s}`", def.name))
}

/// A command of `def` by spec name or number.
pub fn command(def: &FeatureDef, s: &str) -> Result<u8, String> {
    let by_number = s.parse::<u8>().ok().filter(|n| def.command(*n).is_some());
    by_number
        .or_else(|| {
            def.commands
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(s))
                .map(|c| c.id)
        })
        .ok_or_else(|| format!("{} has no command `{s}`", def.name))
}

/// A value typed on the command line: `null`, `true`/`false`, an integer,
/// or text.
pub fn parse_value(s: &str) -> Value {
    match s {
        "null" => Value::Null,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => s.parse::<i64>().map_or_else(|_| Value::from(s), Value::int),
    }
}

/// `name=value` pairs.
pub fn pairs(items: &[String]) -> Result<Vec<(String, Value)>, String> {
    items
        .iter()
        .map(|item| {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| format!("expected name=value, got `{item}`"))?;
            Ok((k.to_owned(), parse_value(v)))
        })
        .collect()
}

/// A CBOR value as JSON (byte strings as hex).
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Uint(n) => json!(n),
        Value::Nint(n) => json!(n),
        Value::Float(f) => json!(f),
        Value::Bytes(b) => json!(hex::encode(b)),
        Value::Text(t) => json!(t),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => map_json(m, None),
    }
}

/// A map as JSON; with `def`, integer keys become attribute names.
pub fn map_json(m: &Map, def: Option<&FeatureDef>) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    for (k, v) in m.iter() {
        let key = match k {
            Key::Uint(n) => u16::try_from(*n)
                .ok()
                .and_then(|id| {
                    def.and_then(|d| d.attribute(id))
                        .map(|a| a.name.to_owned())
                        .or_else(|| global_name(id))
                })
                .unwrap_or_else(|| n.to_string()),
            Key::Nint(n) => n.to_string(),
            Key::Text(t) => t.clone(),
        };
        obj.insert(key, to_json(v));
    }
    serde_json::Value::Object(obj)
}

fn global_name(id: u16) -> Option<String> {
    use mash_core::model::global;
    match id {
        global::FEATURE_MAP => Some("featureMap".into()),
        global::ATTRIBUTE_LIST => Some("attributeList".into()),
        global::ACCEPTED_COMMAND_LIST => Some("acceptedCommandList".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_people_type_them() {
        let ec = feature("energy-control").unwrap();
        assert_eq!(ec.id, FeatureType::EnergyControl);
        assert_eq!(feature("5").unwrap().id, FeatureType::EnergyControl);
        assert_eq!(attribute(ec, "effectiveConsumptionLimit").unwrap().id, 20);
        assert_eq!(command(ec, "setLimit").unwrap(), 1);
        assert!(feature("nope").is_err());
        assert_eq!(parse_value("42"), Value::Uint(42));
        assert_eq!(parse_value("-1"), Value::Nint(-1));
        assert_eq!(parse_value("Garage"), Value::from("Garage"));
    }
}
