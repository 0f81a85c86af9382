//! Typed EnergyControl for applications: commands with typed parameters
//! and results ([`SetLimit`], [`SetLimitResult`], ...) and the state as a
//! user should see it ([`EnergyStatus`]).

mod commands;
mod status;

pub use commands::{SetCurrentLimits, SetLimit, SetLimitResult, SetSetpoint};
pub use status::{EnergyStatus, LimitSource, StatusText};
