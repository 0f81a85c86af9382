//! Static descriptions of attributes, commands and features.
//!
//! One declarative table per feature (see [`super::features`]) is built
//! from these types; the codec checks, `attributeList`,
//! `acceptedCommandList` and validation all read the same table.

use crate::cbor::Value;
use crate::macros::wire_enum;
use crate::wire::StatusCode;

/// An attribute ID (a `u16` map key on the wire).
pub type AttributeId = u16;
/// A command ID.
pub type CommandId = u8;
/// An endpoint ID (0 is DEVICE_ROOT).
pub type EndpointId = u8;

wire_enum! {
    /// Feature IDs as the reference numbers them (INTEROP.md §7).
    pub enum FeatureType: u8 {
        /// Identity and structure (endpoint 0).
        DeviceInfo = 0x01 => "DeviceInfo",
        /// Operating state and faults.
        Status = 0x02 => "Status",
        /// Electrical characteristics.
        Electrical = 0x03 => "Electrical",
        /// Telemetry.
        Measurement = 0x04 => "Measurement",
        /// Limits, setpoints, failsafe and process control.
        EnergyControl = 0x05 => "EnergyControl",
        /// EV charging sessions.
        ChargingSession = 0x06 => "ChargingSession",
        /// Tariff data.
        Tariff = 0x07 => "Tariff",
        /// Incentive signals.
        Signals = 0x08 => "Signals",
        /// Power plans.
        Plan = 0x09 => "Plan",
        /// Conformance test hooks (endpoint 0, INTEROP.md Appendix A).
        TestControl = 0x0A => "TestControl",
        /// mash-rs extension (vendor range): where effective limits and
        /// setpoints come from.
        LimitSource = 0x80 => "LimitSource",
    }
}

/// The value type of an attribute or command parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// CBOR bool.
    Bool,
    /// Unsigned integers of the given width.
    U8,
    /// See [`DataType::U8`].
    U16,
    /// See [`DataType::U8`].
    U32,
    /// See [`DataType::U8`].
    U64,
    /// Signed integers of the given width.
    I8,
    /// See [`DataType::I8`].
    I16,
    /// See [`DataType::I8`].
    I32,
    /// See [`DataType::I8`].
    I64,
    /// Text string.
    String,
    /// Byte string.
    Bytes,
    /// Array of items.
    Array,
    /// Map with unsigned integer keys (e.g. Phase → value).
    Map,
    /// A structure: a map with integer keys.
    Object,
}

impl DataType {
    /// Whether `v` (not null) has this type and fits its width.
    pub fn admits(self, v: &Value) -> bool {
        let int_in = |lo: i128, hi: i128| match v {
            Value::Uint(n) => i128::from(*n) <= hi,
            Value::Nint(n) => i128::from(*n) >= lo,
            _ => false,
        };
        match self {
            Self::Bool => matches!(v, Value::Bool(_)),
            Self::U8 => int_in(0, u8::MAX.into()),
            Self::U16 => int_in(0, u16::MAX.into()),
            Self::U32 => int_in(0, u32::MAX.into()),
            Self::U64 => int_in(0, u64::MAX.into()),
            Self::I8 => int_in(i8::MIN.into(), i8::MAX.into()),
            Self::I16 => int_in(i16::MIN.into(), i16::MAX.into()),
            Self::I32 => int_in(i32::MIN.into(), i32::MAX.into()),
            Self::I64 => int_in(i64::MIN.into(), i64::MAX.into()),
            Self::String => matches!(v, Value::Text(_)),
            Self::Bytes => matches!(v, Value::Bytes(_)),
            Self::Array => matches!(v, Value::Array(_)),
            Self::Map | Self::Object => matches!(v, Value::Map(_)),
        }
    }

    /// The type's name as the reference prints it in error texts.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::U8 => "uint8",
            Self::U16 => "uint16",
            Self::U32 => "uint32",
            Self::U64 => "uint64",
            Self::I8 => "int8",
            Self::I16 => "int16",
            Self::I32 => "int32",
            Self::I64 => "int64",
            Self::String => "string",
            Self::Bytes => "bytes",
            Self::Array => "array",
            Self::Map => "map",
            Self::Object => "object",
        }
    }

    /// The value a non-nullable attribute holds before anyone sets it.
    pub fn zero(self) -> Value {
        match self {
            Self::Bool => Value::Bool(false),
            Self::String => Value::Text(Default::default()),
            Self::Bytes => Value::Bytes(Default::default()),
            Self::Array => Value::Array(Default::default()),
            Self::Map | Self::Object => Value::Map(Default::default()),
            _ => Value::Uint(0),
        }
    }
}

/// A constant default value in a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// No default: null if nullable, else the type's zero.
    None,
    /// A boolean default.
    Bool(bool),
    /// An unsigned default.
    Uint(u64),
    /// A signed default.
    Int(i64),
    /// A text default.
    Text(&'static str),
}

/// Static description of one attribute.
#[derive(Debug, Clone, Copy)]
pub struct AttributeDef {
    /// Attribute ID.
    pub id: AttributeId,
    /// The spec's camelCase name.
    pub name: &'static str,
    /// Value type.
    pub ty: DataType,
    /// Remote writes allowed.
    pub writable: bool,
    /// `null` is a legal value.
    pub nullable: bool,
    /// Must be in every instance's attributeList.
    pub mandatory: bool,
    /// One value per zone ("my*" attributes): each zone reads its own.
    pub per_zone: bool,
    /// Inclusive lower bound for integers (DEC-070).
    pub min: Option<i64>,
    /// Inclusive upper bound for integers (DEC-070).
    pub max: Option<i64>,
    /// Initial value.
    pub default: DefaultValue,
}

impl AttributeDef {
    /// A read-only, non-nullable, optional attribute; refine with the
    /// builder methods. The table macro fills in the ID.
    pub const fn new(name: &'static str, ty: DataType) -> Self {
        Self {
            id: 0,
            name,
            ty,
            writable: false,
            nullable: false,
            mandatory: false,
            per_zone: false,
            min: None,
            max: None,
            default: DefaultValue::None,
        }
    }

    /// Sets the ID (used by the table macro).
    pub const fn with_id(mut self, id: AttributeId) -> Self {
        self.id = id;
        self
    }

    /// Remote writes allowed.
    pub const fn writable(mut self) -> Self {
        self.writable = true;
        self
    }

    /// Null allowed.
    pub const fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Always present.
    pub const fn mandatory(mut self) -> Self {
        self.mandatory = true;
        self
    }

    /// One value per zone.
    pub const fn per_zone(mut self) -> Self {
        self.per_zone = true;
        self
    }

    /// Inclusive integer range.
    pub const fn range(mut self, min: i64, max: i64) -> Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// Inclusive lower bound only.
    pub const fn at_least(mut self, min: i64) -> Self {
        self.min = Some(min);
        self
    }

    /// Initial value.
    pub const fn default(mut self, d: DefaultValue) -> Self {
        self.default = d;
        self
    }

    /// The value an instance starts with.
    pub fn initial_value(&self) -> Value {
        match self.default {
            DefaultValue::Bool(b) => Value::Bool(b),
            DefaultValue::Uint(n) => Value::Uint(n),
            DefaultValue::Int(n) => Value::int(n),
            DefaultValue::Text(s) => Value::Text(s.into()),
            DefaultValue::None if self.nullable => Value::Null,
            DefaultValue::None => self.ty.zero(),
        }
    }

    /// Checks type, nullability and range (DEC-070). Every violation is
    /// CONSTRAINT_ERROR on the wire (INTEROP.md §6.3); the error says which.
    pub fn validate(&self, v: &Value) -> Result<(), Invalid> {
        if v.is_null() {
            return if self.nullable {
                Ok(())
            } else {
                Err(Invalid::Null)
            };
        }
        if !self.ty.admits(v) {
            return Err(Invalid::Type(self.ty));
        }
        let out_of_range = match v.as_i64() {
            Some(n) => self.min.is_some_and(|min| n < min) || self.max.is_some_and(|max| n > max),
            // Only a u64 beyond i64::MAX gets here: an upper bound rejects it.
            None => matches!(v, Value::Uint(_)) && self.max.is_some(),
        };
        if out_of_range {
            Err(Invalid::Range)
        } else {
            Ok(())
        }
    }
}

/// Why a value does not fit an attribute; always CONSTRAINT_ERROR on the
/// wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Null for a non-nullable attribute.
    Null,
    /// Wrong CBOR type or integer width.
    Type(DataType),
    /// Outside the attribute's `min`/`max` (DEC-070).
    Range,
}

impl From<Invalid> for StatusCode {
    fn from(_: Invalid) -> Self {
        StatusCode::ConstraintError
    }
}

impl core::fmt::Display for Invalid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Null => f.write_str("attribute is not nullable"),
            Self::Type(ty) => write!(
                f,
                "invalid value type for attribute: expected {}",
                ty.name()
            ),
            Self::Range => f.write_str("value out of range"),
        }
    }
}

/// Static description of one command parameter (text key on the wire,
/// INTEROP.md §6.5).
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    /// Parameter name, which is also its wire key.
    pub name: &'static str,
    /// Value type.
    pub ty: DataType,
    /// Must be present.
    pub required: bool,
    /// The dispatcher checks the type; when false the handler does.
    pub typed: bool,
}

impl ParamDef {
    /// An optional parameter.
    pub const fn optional(name: &'static str, ty: DataType) -> Self {
        Self {
            name,
            ty,
            required: false,
            typed: true,
        }
    }

    /// A required parameter.
    pub const fn required(name: &'static str, ty: DataType) -> Self {
        Self {
            name,
            ty,
            required: true,
            typed: true,
        }
    }

    /// Leaves type checking to the command handler.
    pub const fn unchecked(mut self) -> Self {
        self.typed = false;
        self
    }
}

/// Static description of one command.
#[derive(Debug, Clone, Copy)]
pub struct CommandDef {
    /// Command ID.
    pub id: CommandId,
    /// The spec's camelCase name.
    pub name: &'static str,
    /// Parameters.
    pub params: &'static [ParamDef],
    /// Must be in every instance's acceptedCommandList.
    pub mandatory: bool,
}

impl CommandDef {
    /// An optional command; the table macro fills in the ID.
    pub const fn new(name: &'static str, params: &'static [ParamDef]) -> Self {
        Self {
            id: 0,
            name,
            params,
            mandatory: false,
        }
    }

    /// Sets the ID (used by the table macro).
    pub const fn with_id(mut self, id: CommandId) -> Self {
        self.id = id;
        self
    }

    /// Always accepted.
    pub const fn mandatory(mut self) -> Self {
        self.mandatory = true;
        self
    }
}

/// Static description of one feature: the single source of its IDs,
/// types, ranges and access.
#[derive(Debug)]
pub struct FeatureDef {
    /// Feature ID.
    pub id: FeatureType,
    /// The spec's name.
    pub name: &'static str,
    /// Attributes, ascending by ID.
    pub attributes: &'static [AttributeDef],
    /// Commands, ascending by ID.
    pub commands: &'static [CommandDef],
}

impl FeatureDef {
    /// The attribute with `id`.
    pub fn attribute(&self, id: AttributeId) -> Option<&'static AttributeDef> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// The command with `id`.
    pub fn command(&self, id: CommandId) -> Option<&'static CommandDef> {
        self.commands.iter().find(|c| c.id == id)
    }

    /// The attribute named `name` (spec camelCase).
    pub fn attribute_named(&self, name: &str) -> Option<&'static AttributeDef> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// Global attributes present on every feature (INTEROP.md §7).
pub mod global {
    use super::AttributeId;

    /// `acceptedCommandList`: a byte string, one byte per command ID.
    pub const ACCEPTED_COMMAND_LIST: AttributeId = 0xfffa;
    /// `attributeList`: array of attribute IDs, ascending.
    pub const ATTRIBUTE_LIST: AttributeId = 0xfffb;
    /// `featureMap`: uint32 bitmap of capability variants (DEC-074).
    pub const FEATURE_MAP: AttributeId = 0xfffc;
    /// The reserved range; writes to it are READ_ONLY.
    pub const RESERVED_START: AttributeId = 0xfff0;
    /// All global attributes, ascending.
    pub const ALL: [AttributeId; 3] = [ACCEPTED_COMMAND_LIST, ATTRIBUTE_LIST, FEATURE_MAP];
}

/// Declares a feature table: attribute and command ID constants, and the
/// static [`FeatureDef`], from one list.
macro_rules! feature_table {
    (
        $(#[$meta:meta])*
        pub static $def:ident = $ty:expr, $name:literal;
        attributes {
            $( $(#[$ameta:meta])* $attr:ident = $aid:literal => $adef:expr, )*
        }
        commands {
            $( $(#[$cmeta:meta])* $cmd:ident = $cid:literal => $cdef:expr, )*
        }
    ) => {
        /// Attribute IDs.
        pub mod attr {
            use $crate::model::AttributeId;
            $( $(#[$ameta])* pub const $attr: AttributeId = $aid; )*
        }

        /// Command IDs.
        pub mod cmd {
            #[allow(unused_imports)]
            use $crate::model::CommandId;
            $( $(#[$cmeta])* pub const $cmd: CommandId = $cid; )*
        }

        $(#[$meta])*
        pub static $def: $crate::model::FeatureDef = $crate::model::FeatureDef {
            id: $ty,
            name: $name,
            attributes: &[ $( $adef.with_id($aid), )* ],
            commands: &[ $( $cdef.with_id($cid), )* ],
        };
    };
}

pub(crate) use feature_table;
