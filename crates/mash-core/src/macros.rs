//! Declarative helpers shared by the whole crate.

/// Declares a wire enumeration in the rustls `enum_builder!` style.
///
/// Every named variant maps to one wire value; any other value decodes to
/// `Unnamed(v)` so vendor and future values survive a round trip. `Debug`
/// and `Display` print the spec name, or the raw value in hex.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $repr:ty {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal => $spec:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Eq)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value without a name in this implementation, kept verbatim.
            Unnamed($repr),
        }

        impl $name {
            /// Every named variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value carried on the wire.
            pub const fn value(self) -> $repr {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unnamed(v) => v,
                }
            }

            /// Maps a wire value to its variant (`Unnamed` when no variant matches).
            pub const fn from_value(v: $repr) -> Self {
                match v {
                    $( $value => Self::$variant, )*
                    other => Self::Unnamed(other),
                }
            }

            /// The identifier used by the MASH specification, if named.
            pub const fn spec_name(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($spec), )*
                    Self::Unnamed(_) => None,
                }
            }

            /// Looks a variant up by its spec name.
            pub fn from_spec_name(name: &str) -> Option<Self> {
                match name {
                    $( $spec => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.value() == other.value()
            }
        }

        impl core::hash::Hash for $name {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.value().hash(state)
            }
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self {
                Self::from_value(v)
            }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> Self {
                v.value()
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.spec_name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "Unnamed({:#x})", self.value()),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }
    };
}

pub(crate) use wire_enum;
