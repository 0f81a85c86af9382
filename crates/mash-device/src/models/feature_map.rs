//! featureMap bits (global attribute 0xFFFC; features/README.md "Feature
//! Map Bits", DEC-074): capability variants within a feature, one PICS
//! conformance point each.

/// EnergyCore basics; always set.
pub const CORE: u32 = 0x0001;
/// Flexible power adjustment.
pub const FLEX: u32 = 0x0002;
/// Battery-specific attributes (SoC, SoH).
pub const BATTERY: u32 = 0x0004;
/// E-mobility: charging sessions.
pub const EMOB: u32 = 0x0008;
/// Incentive signals.
pub const SIGNALS: u32 = 0x0010;
/// Tariff data.
pub const TARIFF: u32 = 0x0020;
/// Power plans.
pub const PLAN: u32 = 0x0040;
/// Optional process lifecycle (OHPCF, DEC-075).
pub const PROCESS: u32 = 0x0080;
/// Power forecasting.
pub const FORECAST: u32 = 0x0100;
/// Per-phase asymmetric control.
pub const ASYMMETRIC: u32 = 0x0200;
/// Vehicle-to-grid/home.
pub const V2X: u32 = 0x0400;
