//! The device-wide commissioning gate (DEC-061, DEC-063, DEC-065;
//! INTEROP.md §5.2-5.3; security.md §11.1, §11.7-11.8).
//!
//! One [`CommissioningGate`] per device, shared by every commissioning
//! connection (behind the shell's mutex). It owns:
//!
//! - the single commissioning slot, taken only once a valid PASERequest
//!   has arrived and its back-off has elapsed (message-gated locking);
//! - the 500 ms cooldown that starts when the slot is released;
//! - the PASE failure counter behind the back-off;
//! - the zone occupancy ([`ZonePolicy`]) the slot check needs.
//!
//! A refusal is a [`Busy`] carrying the reference's reason text and
//! retryAfter. As a safety net the slot frees itself 90 s after it was
//! taken ([`OVERALL_TIMEOUT`]), so a connection dropped without
//! [`CommissioningGate::release`] cannot block commissioning for good.

use alloc::format;
use alloc::string::String;
use core::time::Duration;

use super::backoff::AttemptTracker;
use super::policy::{SlotsFull, ZonePolicy};
use super::timer::{CONNECTION_COOLDOWN, HANDSHAKE_TIMEOUT, OVERALL_TIMEOUT};
use crate::time::Instant;

/// Why the gate refused a commissioning attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusyReason {
    /// Another connection holds the slot.
    InProgress,
    /// The previous commissioning was released less than 500 ms ago.
    Cooldown {
        /// Time left.
        remaining: Duration,
    },
    /// No zone slot is free.
    SlotsFull(SlotsFull),
}

impl BusyReason {
    /// The reference's reason text (INTEROP.md §5.2 step 4).
    pub fn message(&self) -> String {
        match self {
            Self::InProgress => "commissioning already in progress".into(),
            Self::Cooldown { remaining } => {
                format!("cooldown active ({} remaining)", go_duration(*remaining))
            }
            Self::SlotsFull(full) => full.message(),
        }
    }
}

/// A BUSY refusal: sent as `CommissioningError{2: 5, 3: reason, 4: retryAfter}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// Why.
    pub reason: BusyReason,
    /// The remaining cooldown if it is active, else 85 000 while another
    /// commissioning is in progress, else 0 (INTEROP.md §5.2 step 4).
    pub retry_after_ms: u32,
}

/// The right to run one commissioning. Hand it back with
/// [`CommissioningGate::release`]; a ticket from an earlier hold (after
/// the safety-net expiry) is ignored.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a held gate blocks commissioning until released"]
pub struct GateTicket {
    id: u64,
}

#[derive(Debug, Clone, Copy)]
struct Hold {
    id: u64,
    since: Instant,
}

/// Device-wide commissioning state; see the module docs.
#[derive(Debug, Clone)]
pub struct CommissioningGate {
    policy: ZonePolicy,
    attempts: AttemptTracker,
    hold: Option<Hold>,
    next_id: u64,
    released_at: Option<Instant>,
}

impl CommissioningGate {
    /// A free gate with no failures.
    pub fn new(policy: ZonePolicy) -> Self {
        Self {
            policy,
            attempts: AttemptTracker::default(),
            hold: None,
            next_id: 1,
            released_at: None,
        }
    }

    /// The zone occupancy in use.
    pub fn policy(&self) -> &ZonePolicy {
        &self.policy
    }

    /// Replaces the zone occupancy (call whenever a zone is added or
    /// removed, or the test key changes).
    pub fn set_policy(&mut self, policy: ZonePolicy) {
        self.policy = policy;
    }

    /// A commissioning window opened: failures are forgotten.
    pub fn handle_window_opened(&mut self) {
        self.attempts.reset();
    }

    /// A commissioning window closed: failures are forgotten.
    pub fn handle_window_closed(&mut self) {
        self.attempts.reset();
    }

    /// Failed attempts in the current window.
    pub fn failures(&self) -> u32 {
        self.attempts.failures()
    }

    /// The back-off the next PASERequest waits before PASEResponse.
    pub fn backoff_delay(&self) -> Duration {
        self.attempts.delay()
    }

    /// Counts a failed attempt (a wrong setup code).
    pub fn record_failure(&mut self) {
        self.attempts.record_failure();
    }

    /// PASE succeeded: failures are forgotten.
    pub fn record_success(&mut self) {
        self.attempts.reset();
    }

    /// Whether a commissioning holds the slot at `now`.
    pub fn is_held(&mut self, now: Instant) -> bool {
        self.expire_stale(now);
        self.hold.is_some()
    }

    /// Takes the slot, or says why not. Every refusal other than
    /// "already in progress" counts as a failed attempt (INTEROP.md §5.2).
    pub fn try_acquire(&mut self, now: Instant) -> Result<GateTicket, Busy> {
        self.expire_stale(now);
        let cooldown = self
            .released_at
            .map(|at| (at + CONNECTION_COOLDOWN).saturating_since(now))
            .filter(|remaining| !remaining.is_zero());
        let reason = if self.hold.is_some() {
            BusyReason::InProgress
        } else if let Some(remaining) = cooldown {
            BusyReason::Cooldown { remaining }
        } else if let Err(full) = self.policy.check_admission() {
            BusyReason::SlotsFull(full)
        } else {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            self.hold = Some(Hold { id, since: now });
            return Ok(GateTicket { id });
        };
        let retry_after = match (cooldown, reason) {
            (Some(remaining), _) => remaining,
            (None, BusyReason::InProgress) => HANDSHAKE_TIMEOUT,
            (None, _) => Duration::ZERO,
        };
        if reason != BusyReason::InProgress {
            self.attempts.record_failure();
        }
        Err(Busy {
            reason,
            retry_after_ms: u32::try_from(retry_after.as_millis()).unwrap_or(u32::MAX),
        })
    }

    /// Frees the slot; the cooldown starts at `now`.
    pub fn release(&mut self, now: Instant, ticket: GateTicket) {
        if self.hold.is_some_and(|h| h.id == ticket.id) {
            self.hold = None;
            self.released_at = Some(now);
        }
    }

    fn expire_stale(&mut self, now: Instant) {
        if let Some(hold) = self.hold {
            let limit = hold.since + OVERALL_TIMEOUT;
            if now >= limit {
                self.hold = None;
                self.released_at = Some(limit);
            }
        }
    }
}

impl Default for CommissioningGate {
    fn default() -> Self {
        Self::new(ZonePolicy::default())
    }
}

/// Formats a duration the way Go's `time.Duration.String` does, at the
/// millisecond resolution this crate keeps (`312ms`, `1.5s`, `0s`).
fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (secs, frac) = (ms / 1000, ms % 1000);
    let (mins, secs) = (secs / 60, secs % 60);
    let mut out = if mins > 0 {
        format!("{mins}m{secs}")
    } else {
        format!("{secs}")
    };
    if frac != 0 {
        let digits = format!("{frac:03}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('s');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::ZoneType;
    use alloc::vec;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn one_at_a_time_then_cooldown_from_release() {
        let mut gate = CommissioningGate::default();
        let ticket = gate.try_acquire(at(0)).unwrap();
        let busy = gate.try_acquire(at(10_000)).unwrap_err();
        assert_eq!(
            busy,
            Busy {
                reason: BusyReason::InProgress,
                retry_after_ms: 85_000
            }
        );
        assert_eq!(busy.reason.message(), "commissioning already in progress");
        assert_eq!(gate.failures(), 0, "in-progress refusals do not count");

        gate.release(at(20_000), ticket);
        let busy = gate.try_acquire(at(20_188)).unwrap_err();
        assert_eq!(busy.retry_after_ms, 312);
        assert_eq!(busy.reason.message(), "cooldown active (312ms remaining)");
        assert_eq!(gate.failures(), 1, "cooldown refusals count");
        let _ticket = gate.try_acquire(at(20_500)).unwrap();
    }

    #[test]
    fn slots_full_is_busy_with_zero_retry() {
        let policy = ZonePolicy {
            existing: vec![ZoneType::Grid, ZoneType::Local],
            ..ZonePolicy::default()
        };
        let mut gate = CommissioningGate::new(policy);
        let busy = gate.try_acquire(at(0)).unwrap_err();
        assert_eq!(busy.retry_after_ms, 0);
        assert_eq!(busy.reason.message(), "zone slots full (2/2)");
        assert_eq!(gate.failures(), 1);
        let mut policy = gate.policy().clone();
        policy.test_enabled = true;
        gate.set_policy(policy);
        assert!(gate.try_acquire(at(1)).is_ok());
    }

    #[test]
    fn stale_hold_frees_itself_and_old_tickets_are_ignored() {
        let mut gate = CommissioningGate::default();
        let stale = gate.try_acquire(at(0)).unwrap();
        assert!(gate.is_held(at(89_999)));
        assert!(!gate.is_held(at(90_000)));
        // Cooldown counts from the expiry.
        assert!(gate.try_acquire(at(90_100)).is_err());
        let fresh = gate.try_acquire(at(90_500)).unwrap();
        gate.release(at(90_600), stale);
        assert!(
            gate.is_held(at(90_600)),
            "an old ticket does not free the new hold"
        );
        gate.release(at(90_700), fresh);
        assert!(!gate.is_held(at(90_700)));
    }

    #[test]
    fn failures_drive_backoff_and_reset() {
        let mut gate = CommissioningGate::default();
        for _ in 0..3 {
            gate.record_failure();
        }
        assert_eq!(gate.backoff_delay(), Duration::from_secs(1));
        gate.record_success();
        assert_eq!(gate.backoff_delay(), Duration::ZERO);
        gate.record_failure();
        gate.handle_window_closed();
        assert_eq!(gate.failures(), 0);
        gate.record_failure();
        gate.handle_window_opened();
        assert_eq!(gate.failures(), 0);
    }

    #[test]
    fn go_duration_format() {
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_millis(312)), "312ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(85_000)), "1m25s");
        assert_eq!(go_duration(Duration::from_millis(61_250)), "1m1.25s");
    }
}
