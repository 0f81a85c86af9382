//! Property tests for zone resolution: limits stack (minimum, per phase),
//! setpoints follow priority, and no answer depends on the order in which
//! zones' values were collected.

use alloc::vec::Vec;

use proptest::prelude::*;

use super::Source;
use super::kind::{Amount, Kind, PHASES};
use super::resolve::{Contribution, Resolved, overridden, resolve, target};
use crate::time::Instant;

fn source(priority: u8) -> Source {
    Source {
        zone: None,
        cause: priority,
        set_at: Instant::ZERO,
        until: None,
        failsafe: priority == 0,
    }
}

fn power(priority: u8, set_at: u64, mw: i64) -> Contribution {
    Contribution {
        priority,
        set_at: Instant::from_millis(set_at),
        amount: Amount::Power(mw),
        source: source(priority),
    }
}

fn contributions() -> impl Strategy<Value = Vec<(u8, u64, i64)>> {
    proptest::collection::vec((0u8..4, 0u64..1000, 0i64..50_000_000), 0..6)
}

fn phases() -> impl Strategy<Value = Vec<(u8, [Option<i64>; PHASES])>> {
    let phase = proptest::option::of(0i64..40_000);
    proptest::collection::vec((0u8..4, [phase.clone(), phase.clone(), phase]), 1..6)
}

proptest! {
    #[test]
    fn the_effective_limit_is_the_minimum(cs in contributions()) {
        let list: Vec<_> = cs.iter().map(|(p, t, v)| power(*p, *t, *v)).collect();
        match resolve(Kind::ConsumptionLimit, &list) {
            Resolved::None => prop_assert!(list.is_empty()),
            Resolved::Power(v, _) => prop_assert_eq!(Some(v), cs.iter().map(|c| c.2).min()),
            Resolved::Phases(_) => prop_assert!(false, "power limit resolved to phases"),
        }
    }

    #[test]
    fn the_effective_setpoint_is_the_highest_priority_one(cs in contributions()) {
        let list: Vec<_> = cs.iter().map(|(p, t, v)| power(*p, *t, *v)).collect();
        // Equal priorities: the most recently set wins (§3.3).
        let winner = cs
            .iter()
            .min_by_key(|(p, t, _)| (*p, core::cmp::Reverse(*t)))
            .map(|c| c.2);
        match resolve(Kind::ConsumptionSetpoint, &list) {
            Resolved::None => prop_assert!(winner.is_none()),
            Resolved::Power(v, _) => prop_assert_eq!(Some(v), winner),
            Resolved::Phases(_) => prop_assert!(false, "power setpoint resolved to phases"),
        }
    }

    #[test]
    fn current_limits_stack_phase_by_phase(ps in phases()) {
        let list: Vec<_> = ps
            .iter()
            .map(|(p, a)| Contribution { priority: *p, set_at: Instant::ZERO, amount: Amount::Phases(*a), source: source(*p) })
            .collect();
        let expected: [Option<i64>; PHASES] =
            core::array::from_fn(|i| ps.iter().filter_map(|(_, a)| a[i]).min());
        match resolve(Kind::CurrentLimitsConsumption, &list) {
            Resolved::None => prop_assert!(expected.iter().all(Option::is_none)),
            r => prop_assert_eq!(r.amount(), Some(Amount::Phases(expected))),
        }
    }

    #[test]
    fn resolution_does_not_depend_on_collection_order(cs in contributions(), seed in any::<u64>()) {
        let list: Vec<_> = cs.iter().map(|(p, t, v)| power(*p, *t, *v)).collect();
        let mut shuffled = list.clone();
        // A deterministic rotation stands in for any order.
        if !shuffled.is_empty() {
            let k = (seed % shuffled.len() as u64) as usize;
            shuffled.rotate_left(k);
            shuffled.reverse();
        }
        for kind in [Kind::ConsumptionLimit, Kind::ConsumptionSetpoint] {
            prop_assert_eq!(resolve(kind, &list).amount(), resolve(kind, &shuffled).amount());
        }
    }

    #[test]
    fn a_zone_is_overridden_exactly_when_it_does_not_decide(cs in contributions(), mine in 0i64..50_000_000) {
        let mut list: Vec<_> = cs.iter().map(|(p, t, v)| power(*p, *t, *v)).collect();
        list.push(power(2, 0, mine));
        let r = resolve(Kind::ConsumptionLimit, &list);
        let min = list.iter().filter_map(|c| c.amount.power()).min();
        prop_assert_eq!(overridden(Kind::ConsumptionLimit, Amount::Power(mine), &r), min.is_some_and(|m| mine > m));
    }

    #[test]
    fn limits_cap_setpoints(limit in proptest::option::of(0i64..20_000_000), setpoint in proptest::option::of(0i64..20_000_000)) {
        let t = target(limit, setpoint);
        if let (Some(l), Some(s)) = (limit, setpoint) {
            prop_assert_eq!(t, Some(l.min(s)));
        } else {
            prop_assert_eq!(t, limit.or(setpoint));
        }
    }
}
