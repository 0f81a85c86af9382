//! The eight values a zone can contribute to EnergyControl, and the
//! amounts they carry.

use crate::cbor::{Map, Value};
use crate::model::AttributeId;
use crate::model::features::energy_control::attr as ec;
use crate::model::features::limit_source::attr as ls;
use crate::model::features::shared::Direction;

/// One kind of zone contribution; also the key of its duration timer
/// (testing/behavior/duration-semantics.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `myConsumptionLimit` → `effectiveConsumptionLimit`.
    ConsumptionLimit,
    /// `myProductionLimit` → `effectiveProductionLimit`.
    ProductionLimit,
    /// `myCurrentLimitsConsumption` → `effectiveCurrentLimitsConsumption`.
    CurrentLimitsConsumption,
    /// `myCurrentLimitsProduction` → `effectiveCurrentLimitsProduction`.
    CurrentLimitsProduction,
    /// `myConsumptionSetpoint` → `effectiveConsumptionSetpoint`.
    ConsumptionSetpoint,
    /// `myProductionSetpoint` → `effectiveProductionSetpoint`.
    ProductionSetpoint,
    /// `myCurrentSetpointsConsumption` → `effectiveCurrentSetpointsConsumption`.
    CurrentSetpointsConsumption,
    /// `myCurrentSetpointsProduction` → `effectiveCurrentSetpointsProduction`.
    CurrentSetpointsProduction,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 8] = [
        Kind::ConsumptionLimit,
        Kind::ProductionLimit,
        Kind::CurrentLimitsConsumption,
        Kind::CurrentLimitsProduction,
        Kind::ConsumptionSetpoint,
        Kind::ProductionSetpoint,
        Kind::CurrentSetpointsConsumption,
        Kind::CurrentSetpointsProduction,
    ];

    /// Limits stack (minimum wins); setpoints follow the highest priority.
    pub const fn is_limit(self) -> bool {
        matches!(
            self,
            Kind::ConsumptionLimit
                | Kind::ProductionLimit
                | Kind::CurrentLimitsConsumption
                | Kind::CurrentLimitsProduction
        )
    }

    /// Per-phase currents (mA) rather than power (mW).
    pub const fn is_per_phase(self) -> bool {
        matches!(
            self,
            Kind::CurrentLimitsConsumption
                | Kind::CurrentLimitsProduction
                | Kind::CurrentSetpointsConsumption
                | Kind::CurrentSetpointsProduction
        )
    }

    /// Consumption or production.
    pub const fn direction(self) -> Direction {
        match self {
            Kind::ConsumptionLimit
            | Kind::CurrentLimitsConsumption
            | Kind::ConsumptionSetpoint
            | Kind::CurrentSetpointsConsumption => Direction::Consumption,
            _ => Direction::Production,
        }
    }

    /// The limit that caps this setpoint (itself for limits).
    pub const fn cap(self) -> Kind {
        match self {
            Kind::ConsumptionSetpoint => Kind::ConsumptionLimit,
            Kind::ProductionSetpoint => Kind::ProductionLimit,
            Kind::CurrentSetpointsConsumption => Kind::CurrentLimitsConsumption,
            Kind::CurrentSetpointsProduction => Kind::CurrentLimitsProduction,
            other => other,
        }
    }

    /// The kind for a direction: `(power limit, current limits, setpoint,
    /// current setpoints)`.
    pub const fn of(direction: Direction) -> [Kind; 4] {
        match direction {
            Direction::Production => [
                Kind::ProductionLimit,
                Kind::CurrentLimitsProduction,
                Kind::ProductionSetpoint,
                Kind::CurrentSetpointsProduction,
            ],
            _ => [
                Kind::ConsumptionLimit,
                Kind::CurrentLimitsConsumption,
                Kind::ConsumptionSetpoint,
                Kind::CurrentSetpointsConsumption,
            ],
        }
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }

    /// The shared `effective*` attribute.
    pub const fn effective_attribute(self) -> AttributeId {
        match self {
            Kind::ConsumptionLimit => ec::EFFECTIVE_CONSUMPTION_LIMIT,
            Kind::ProductionLimit => ec::EFFECTIVE_PRODUCTION_LIMIT,
            Kind::CurrentLimitsConsumption => ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION,
            Kind::CurrentLimitsProduction => ec::EFFECTIVE_CURRENT_LIMITS_PRODUCTION,
            Kind::ConsumptionSetpoint => ec::EFFECTIVE_CONSUMPTION_SETPOINT,
            Kind::ProductionSetpoint => ec::EFFECTIVE_PRODUCTION_SETPOINT,
            Kind::CurrentSetpointsConsumption => ec::EFFECTIVE_CURRENT_SETPOINTS_CONSUMPTION,
            Kind::CurrentSetpointsProduction => ec::EFFECTIVE_CURRENT_SETPOINTS_PRODUCTION,
        }
    }

    /// The per-zone `my*` attribute.
    pub const fn my_attribute(self) -> AttributeId {
        match self {
            Kind::ConsumptionLimit => ec::MY_CONSUMPTION_LIMIT,
            Kind::ProductionLimit => ec::MY_PRODUCTION_LIMIT,
            Kind::CurrentLimitsConsumption => ec::MY_CURRENT_LIMITS_CONSUMPTION,
            Kind::CurrentLimitsProduction => ec::MY_CURRENT_LIMITS_PRODUCTION,
            Kind::ConsumptionSetpoint => ec::MY_CONSUMPTION_SETPOINT,
            Kind::ProductionSetpoint => ec::MY_PRODUCTION_SETPOINT,
            Kind::CurrentSetpointsConsumption => ec::MY_CURRENT_SETPOINTS_CONSUMPTION,
            Kind::CurrentSetpointsProduction => ec::MY_CURRENT_SETPOINTS_PRODUCTION,
        }
    }

    /// The LimitSource attribute reporting where the effective value
    /// comes from.
    pub const fn source_attribute(self) -> AttributeId {
        match self {
            Kind::ConsumptionLimit => ls::CONSUMPTION_LIMIT_SOURCE,
            Kind::ProductionLimit => ls::PRODUCTION_LIMIT_SOURCE,
            Kind::CurrentLimitsConsumption => ls::CURRENT_LIMITS_CONSUMPTION_SOURCE,
            Kind::CurrentLimitsProduction => ls::CURRENT_LIMITS_PRODUCTION_SOURCE,
            Kind::ConsumptionSetpoint => ls::CONSUMPTION_SETPOINT_SOURCE,
            Kind::ProductionSetpoint => ls::PRODUCTION_SETPOINT_SOURCE,
            Kind::CurrentSetpointsConsumption => ls::CURRENT_SETPOINTS_CONSUMPTION_SOURCE,
            Kind::CurrentSetpointsProduction => ls::CURRENT_SETPOINTS_PRODUCTION_SOURCE,
        }
    }
}

/// Phases A, B, C (the `Phase` enum of `features/_shared`).
pub const PHASES: usize = 3;

/// What a contribution carries: a power in mW, or currents in mA per phase
/// (a missing phase is unconstrained).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// Power, mW.
    Power(i64),
    /// Per-phase current, mA.
    Phases([Option<i64>; PHASES]),
}

impl Amount {
    /// The attribute value: an integer, or a map Phase → mA with only the
    /// constrained phases.
    pub fn to_value(self) -> Value {
        match self {
            Amount::Power(p) => Value::int(p),
            Amount::Phases(phases) => {
                let mut m = Map::new();
                for (phase, v) in phases.iter().enumerate() {
                    if let Some(v) = v {
                        m.insert(phase as u64, *v);
                    }
                }
                Value::Map(m)
            }
        }
    }

    /// Power, if this is one.
    pub fn power(self) -> Option<i64> {
        match self {
            Amount::Power(p) => Some(p),
            Amount::Phases(_) => None,
        }
    }

    /// Per-phase values, if this is a current map.
    pub fn phases(self) -> Option<[Option<i64>; PHASES]> {
        match self {
            Amount::Phases(p) => Some(p),
            Amount::Power(_) => None,
        }
    }
}
