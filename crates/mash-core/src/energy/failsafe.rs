//! The failsafe state machine (multi-zone.md §7,
//! testing/behavior/failsafe-timing.md), pure and table-driven.
//!
//! "Loss" is the condition that puts the device in FAILSAFE:
//! - every non-TEST zone is disconnected (failsafe-timing.md §5.2); or
//! - the GRID zone is disconnected, even while LOCAL stays connected.
//!
//! The second rule is stricter than the spec's prose on purpose: the grid
//! operator's failsafe (EEBUS LPC, §14a EnWG) must hold when the SMGW is
//! unreachable, whatever the home EMS does. Losing only the LOCAL zone is
//! not a loss: its values are cleared and the device stays controlled.
//!
//! A loss starts an episode of `failsafeDuration`; reconnection ends it
//! ("reconnection wins", §3.1), even at the deadline; at the deadline the
//! episode expires and the device is AUTONOMOUS with respect to the lost
//! zones until the loss condition clears.

use core::time::Duration;

use crate::time::Instant;

/// Non-TEST zone connectivity, the only input that matters. Zones that
/// have not connected yet since they were added (or since boot) are
/// neither connected nor lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Connectivity {
    /// Non-TEST zones with a live connection.
    pub connected: usize,
    /// Non-TEST zones whose connection was lost.
    pub lost: usize,
    /// A GRID zone's connection was lost.
    pub grid_lost: bool,
}

impl Connectivity {
    /// Whether this is a loss (see the module docs).
    pub fn is_loss(&self) -> bool {
        self.grid_lost || (self.connected == 0 && self.lost > 0)
    }
}

/// Where the machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No loss, or no zones.
    Normal,
    /// FAILSAFE: failsafe limits in force until `deadline`.
    Active {
        /// When the loss was detected.
        since: Instant,
        /// When the episode expires.
        deadline: Instant,
    },
    /// The episode ran out while the loss persists: AUTONOMOUS with
    /// respect to the lost zones.
    Expired,
}

/// State without timestamps, for the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// [`State::Normal`].
    Normal,
    /// [`State::Active`].
    Active,
    /// [`State::Expired`].
    Expired,
}

/// What happened, derived from connectivity and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The loss condition holds.
    Loss,
    /// The loss condition does not hold.
    Restored,
    /// The episode's deadline passed while the loss holds.
    Deadline,
}

/// Every rule, one row each: (from, event, to).
pub const TABLE: [(Tag, Event, Tag); 9] = [
    (Tag::Normal, Event::Loss, Tag::Active),
    (Tag::Normal, Event::Restored, Tag::Normal),
    (Tag::Normal, Event::Deadline, Tag::Normal),
    (Tag::Active, Event::Loss, Tag::Active),
    (Tag::Active, Event::Restored, Tag::Normal),
    (Tag::Active, Event::Deadline, Tag::Expired),
    (Tag::Expired, Event::Loss, Tag::Expired),
    (Tag::Expired, Event::Restored, Tag::Normal),
    (Tag::Expired, Event::Deadline, Tag::Expired),
];

/// The row for `(from, event)`.
pub fn next(from: Tag, event: Event) -> Tag {
    TABLE
        .iter()
        .find(|(f, e, _)| *f == from && *e == event)
        .map_or(from, |row| row.2)
}

/// A state transition the owner must act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Nothing changed.
    None,
    /// FAILSAFE entered: apply the failsafe limits now (≤ 1 s, §2.1).
    Entered,
    /// A zone came back in time: failsafe limits lifted, zone values apply.
    Reconnected,
    /// failsafeDuration ran out: lost zones' values are dropped.
    Expired,
}

/// The remaining failsafe time, as persisted across a restart
/// (failsafe-timing.md §4.2, "persistent").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshot {
    /// Not in an episode.
    Normal,
    /// In FAILSAFE with this much time left.
    Active {
        /// Time left until AUTONOMOUS.
        remaining: Duration,
    },
    /// Expired while the loss persisted.
    Expired,
}

/// The failsafe machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failsafe {
    state: State,
}

impl Default for Failsafe {
    fn default() -> Self {
        Self {
            state: State::Normal,
        }
    }
}

impl Failsafe {
    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether the failsafe limits are in force.
    pub fn is_active(&self) -> bool {
        matches!(self.state, State::Active { .. })
    }

    fn tag(&self) -> Tag {
        match self.state {
            State::Normal => Tag::Normal,
            State::Active { .. } => Tag::Active,
            State::Expired => Tag::Expired,
        }
    }

    fn step(&mut self, event: Event, now: Instant, duration: Duration) -> Transition {
        let from = self.tag();
        let to = next(from, event);
        self.state = match (from, to) {
            (Tag::Active, Tag::Active) => self.state,
            (_, Tag::Active) => State::Active {
                since: now,
                deadline: now + duration,
            },
            (_, Tag::Normal) => State::Normal,
            (_, Tag::Expired) => State::Expired,
        };
        match (from, to) {
            (Tag::Normal | Tag::Expired, Tag::Active) => Transition::Entered,
            (Tag::Active, Tag::Normal) => Transition::Reconnected,
            (Tag::Active, Tag::Expired) => Transition::Expired,
            _ => Transition::None,
        }
    }

    /// Re-evaluates after a zone connected, disconnected, was added or
    /// removed. `duration` is failsafeDuration, used if an episode starts.
    pub fn handle_connectivity(
        &mut self,
        c: Connectivity,
        now: Instant,
        duration: Duration,
    ) -> Transition {
        let event = if c.is_loss() {
            Event::Loss
        } else {
            Event::Restored
        };
        self.step(event, now, duration)
    }

    /// When [`Failsafe::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Active { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// Checks the deadline. Connectivity is looked at first, so a
    /// reconnection at the deadline wins (§3.2).
    pub fn handle_timeout(
        &mut self,
        c: Connectivity,
        now: Instant,
        duration: Duration,
    ) -> Transition {
        if !c.is_loss() {
            return self.step(Event::Restored, now, duration);
        }
        match self.state {
            State::Active { deadline, .. } if now >= deadline => {
                self.step(Event::Deadline, now, duration)
            }
            _ => Transition::None,
        }
    }

    /// What to persist.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        match self.state {
            State::Normal => Snapshot::Normal,
            State::Active { deadline, .. } => Snapshot::Active {
                remaining: deadline.saturating_since(now),
            },
            State::Expired => Snapshot::Expired,
        }
    }

    /// Resumes from a snapshot taken before a restart.
    pub fn restore(snapshot: Snapshot, now: Instant) -> Self {
        let state = match snapshot {
            Snapshot::Normal => State::Normal,
            Snapshot::Active { remaining } => State::Active {
                since: now,
                deadline: now + remaining,
            },
            Snapshot::Expired => State::Expired,
        };
        Self { state }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: Duration = Duration::from_secs(7200);

    fn conn() -> impl Strategy<Value = Connectivity> {
        (0usize..3, 0usize..3, any::<bool>()).prop_map(|(connected, lost, grid_lost)| {
            Connectivity {
                connected,
                lost,
                grid_lost: grid_lost && lost > 0,
            }
        })
    }

    const ALL_LOST: Connectivity = Connectivity {
        connected: 0,
        lost: 1,
        grid_lost: false,
    };
    const BACK: Connectivity = Connectivity {
        connected: 1,
        lost: 0,
        grid_lost: false,
    };
    const GRID_LOST: Connectivity = Connectivity {
        connected: 1,
        lost: 1,
        grid_lost: true,
    };

    #[test]
    fn the_table_is_total_and_deterministic() {
        for from in [Tag::Normal, Tag::Active, Tag::Expired] {
            for event in [Event::Loss, Event::Restored, Event::Deadline] {
                assert_eq!(
                    TABLE.iter().filter(|r| r.0 == from && r.1 == event).count(),
                    1
                );
            }
        }
    }

    #[test]
    fn which_connectivity_is_a_loss() {
        // LOCAL lost, GRID connected: no loss.
        assert!(
            !Connectivity {
                connected: 1,
                lost: 1,
                grid_lost: false
            }
            .is_loss()
        );
        // GRID lost, LOCAL connected: loss (the stricter GRID rule).
        assert!(GRID_LOST.is_loss());
        // Every zone lost: loss.
        assert!(ALL_LOST.is_loss());
        // No zones, or zones that never connected yet: no loss.
        assert!(!Connectivity::default().is_loss());
    }

    proptest! {
        /// Rule Normal --Loss--> Active: entry happens at the moment of
        /// detection, with the deadline one failsafeDuration later.
        #[test]
        fn loss_enters_failsafe_at_detection(c in conn(), t in 0u64..1_000_000) {
            let mut f = Failsafe::default();
            let now = Instant::from_millis(t);
            let tr = f.handle_connectivity(c, now, D);
            if c.is_loss() {
                prop_assert_eq!(tr, Transition::Entered);
                prop_assert_eq!(f.state(), State::Active { since: now, deadline: now + D });
            } else {
                prop_assert_eq!(tr, Transition::None);
                prop_assert_eq!(f.state(), State::Normal);
            }
        }

        /// Rule Active --Restored--> Normal, at any time up to and
        /// including the deadline: reconnection wins over the timer.
        #[test]
        fn reconnection_wins_over_the_timer(elapsed in 0u64..=7_200_000, extra in 0u64..10) {
            let mut f = Failsafe::default();
            f.handle_connectivity(ALL_LOST, Instant::ZERO, D);
            let at = Instant::from_millis(elapsed + extra);
            prop_assert_eq!(f.handle_timeout(BACK, at, D), Transition::Reconnected);
            prop_assert_eq!(f.state(), State::Normal);
        }

        /// Rule Active --Deadline--> Expired, exactly at the deadline and
        /// not a millisecond before.
        #[test]
        fn the_episode_expires_exactly_at_the_deadline(before in 1u64..7_200_000) {
            let mut f = Failsafe::default();
            let lost = GRID_LOST;
            f.handle_connectivity(lost, Instant::ZERO, D);
            prop_assert_eq!(f.handle_timeout(lost, Instant::from_millis(7_200_000 - before), D), Transition::None);
            prop_assert!(f.is_active());
            prop_assert_eq!(f.handle_timeout(lost, Instant::from_millis(7_200_000), D), Transition::Expired);
            prop_assert_eq!(f.state(), State::Expired);
        }

        /// Rules Active --Loss--> Active and Expired --Loss--> Expired:
        /// further losses neither restart nor extend the episode.
        #[test]
        fn further_losses_do_not_restart_the_timer(c in conn(), t in 1u64..7_200_000) {
            prop_assume!(c.is_loss());
            let mut f = Failsafe::default();
            f.handle_connectivity(c, Instant::ZERO, D);
            prop_assert_eq!(f.handle_connectivity(c, Instant::from_millis(t), D), Transition::None);
            prop_assert_eq!(f.poll_timeout(), Some(Instant::ZERO + D));
            f.handle_timeout(c, Instant::ZERO + D, D);
            prop_assert_eq!(f.handle_connectivity(c, Instant::from_millis(8_000_000), D), Transition::None);
            prop_assert_eq!(f.state(), State::Expired);
        }

        /// Rule Expired --Restored--> Normal, and a later loss starts a
        /// fresh episode.
        #[test]
        fn a_new_loss_after_recovery_starts_a_new_episode(t in 7_200_000u64..20_000_000) {
            let mut f = Failsafe::default();
            let lost = ALL_LOST;
            f.handle_connectivity(lost, Instant::ZERO, D);
            f.handle_timeout(lost, Instant::ZERO + D, D);
            prop_assert_eq!(f.handle_connectivity(BACK, Instant::from_millis(t), D), Transition::None);
            prop_assert_eq!(f.state(), State::Normal);
            let again = Instant::from_millis(t + 1);
            prop_assert_eq!(f.handle_connectivity(lost, again, D), Transition::Entered);
            prop_assert_eq!(f.poll_timeout(), Some(again + D));
        }

        /// The remaining time survives a restart.
        #[test]
        fn remaining_time_survives_a_restart(elapsed in 0u64..7_200_000, boot in 0u64..1_000_000) {
            let mut f = Failsafe::default();
            f.handle_connectivity(ALL_LOST, Instant::ZERO, D);
            let snap = f.snapshot(Instant::from_millis(elapsed));
            let restored = Failsafe::restore(snap, Instant::from_millis(boot));
            prop_assert_eq!(restored.poll_timeout(), Some(Instant::from_millis(boot + 7_200_000 - elapsed)));
        }
    }
}
