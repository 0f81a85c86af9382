//! Multi-zone resolution (multi-zone.md §5, energy-control.md
//! "Multi-Zone Resolution"), as pure functions.
//!
//! - Limits stack: the minimum over every contribution wins, per phase for
//!   currents.
//! - Setpoints: the highest-priority contribution wins, whole; the most
//!   recent one between equal priorities.
//! - Ties go to the higher priority (lower number); the failsafe limits
//!   count as priority 0 so a user sees "failsafe" when they bind.

use alloc::vec::Vec;

use super::Source;
use super::kind::{Amount, Kind, PHASES};
use crate::time::Instant;

/// One candidate value for a kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// Lower wins ties and setpoints (zone type value; failsafe = 0).
    pub priority: u8,
    /// When it was set; earlier wins remaining ties, so resolution does not
    /// depend on insertion order.
    pub set_at: Instant,
    /// The value.
    pub amount: Amount,
    /// Who set it and why, as reported in LimitSource.
    pub source: Source,
}

/// The resolved value of one kind and where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    /// No contribution: the effective attribute is null.
    None,
    /// A power with its source.
    Power(i64, Source),
    /// Per-phase currents; each phase with its own source.
    Phases([Option<(i64, Source)>; PHASES]),
}

impl Resolved {
    /// The effective amount, if any.
    pub fn amount(&self) -> Option<Amount> {
        match self {
            Resolved::None => None,
            Resolved::Power(p, _) => Some(Amount::Power(*p)),
            Resolved::Phases(phases) => Some(Amount::Phases(phases.map(|p| p.map(|(v, _)| v)))),
        }
    }
}

fn rank(c: &Contribution) -> (u8, Instant) {
    (c.priority, c.set_at)
}

/// Resolves `kind` from its contributions.
pub fn resolve(kind: Kind, contributions: &[Contribution]) -> Resolved {
    if contributions.is_empty() {
        return Resolved::None;
    }
    if !kind.is_limit() {
        // Setpoints: the whole value of the highest-priority contribution;
        // between equal priorities the most recently set one
        // (multi-zone-resolution.md §3.3).
        let newest_first = |c: &&Contribution| (c.priority, core::cmp::Reverse(c.set_at));
        return match contributions.iter().min_by_key(newest_first) {
            Some(c) => from_single(c),
            None => Resolved::None,
        };
    }
    if !kind.is_per_phase() {
        let best = contributions
            .iter()
            .filter_map(|c| c.amount.power().map(|p| (p, c)))
            .min_by_key(|(p, c)| (*p, rank(c)));
        return match best {
            Some((p, c)) => Resolved::Power(p, c.source),
            None => Resolved::None,
        };
    }
    let mut phases = [None; PHASES];
    for (i, slot) in phases.iter_mut().enumerate() {
        *slot = contributions
            .iter()
            .filter_map(|c| {
                c.amount
                    .phases()
                    .and_then(|p| p.get(i).copied().flatten())
                    .map(|v| (v, c))
            })
            .min_by_key(|(v, c)| (*v, rank(c)))
            .map(|(v, c)| (v, c.source));
    }
    if phases.iter().all(Option::is_none) {
        Resolved::None
    } else {
        Resolved::Phases(phases)
    }
}

fn from_single(c: &Contribution) -> Resolved {
    match c.amount {
        Amount::Power(p) => Resolved::Power(p, c.source),
        Amount::Phases(ps) => Resolved::Phases(ps.map(|v| v.map(|v| (v, c.source)))),
    }
}

/// Whether a zone's own value is being overridden by the resolved one: a
/// limit above the effective minimum (on any phase), or a setpoint that did
/// not win.
pub fn overridden(kind: Kind, own: Amount, resolved: &Resolved) -> bool {
    match (own, resolved) {
        (_, Resolved::None) => false,
        (Amount::Power(mine), Resolved::Power(eff, _)) if kind.is_limit() => mine > *eff,
        (Amount::Phases(mine), Resolved::Phases(eff)) if kind.is_limit() => mine
            .iter()
            .zip(eff.iter())
            .any(|(m, e)| matches!((m, e), (Some(m), Some((e, _))) if m > e)),
        (own, resolved) => resolved.amount() != Some(own),
    }
}

/// The value a device should aim for in one direction: the winning
/// setpoint capped by the effective limit (multi-zone.md §5.3), or the
/// limit alone. Power in mW.
pub fn target(limit: Option<i64>, setpoint: Option<i64>) -> Option<i64> {
    match (limit, setpoint) {
        (Some(l), Some(s)) => Some(l.min(s)),
        (l, s) => l.or(s),
    }
}

/// Collects contributions into one Vec per kind without reallocating in
/// the common case of a few zones.
pub(crate) fn by_kind<I>(items: I) -> [Vec<Contribution>; 8]
where
    I: IntoIterator<Item = (Kind, Contribution)>,
{
    let mut out: [Vec<Contribution>; 8] = Default::default();
    for (kind, c) in items {
        if let Some(v) = out.get_mut(kind.index()) {
            v.push(c);
        }
    }
    out
}
