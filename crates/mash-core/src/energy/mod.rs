//! EnergyControl semantics across zones (multi-zone.md §5, §7;
//! features/energy-control.md; testing/behavior/failsafe-timing.md,
//! duration-semantics.md).
//!
//! - [`resolve`]: limits stack, setpoints follow priority, limits cap
//!   setpoints — pure functions.
//! - [`failsafe`]: the table-driven failsafe machine, including this
//!   implementation's stricter GRID-loss rule.
//! - [`EnergyControl`]: per-zone values with their duration timers, the
//!   zones' connectivity, override and pause, and the writing of
//!   `effective*`, `my*`, `controlState` and the LimitSource extension
//!   into the [`Device`](crate::model::Device) model.

mod commands;
mod control;
pub mod failsafe;
mod kind;
pub mod resolve;
mod source;
mod zones;

pub use control::{Config, EnergyControl, Entry};
pub use kind::{Amount, Kind, PHASES};
pub use source::{Source, WallClock};
pub use zones::{Link, ZoneState, Zones};

#[cfg(test)]
mod resolve_props;
#[cfg(test)]
mod tests;
