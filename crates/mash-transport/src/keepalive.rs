//! Application-layer keep-alive, sans-I/O (transport.md §6, INTEROP.md
//! §2.2, connection-state-machine.md §4.3).
//!
//! Timing as the spec asks: the first ping goes out as soon as the
//! connection starts, then one every 30 s; each ping carries the next
//! sequence number (starting at 1); a pong must echo the outstanding
//! ping's sequence within 5 s, and pongs with any other sequence are
//! ignored. Three consecutive missed pongs end the connection, so a peer
//! that vanishes right after answering is detected after 3 × 30 s + 5 s =
//! 95 s (transport.md §6.4).
//!
//! The reference implementation never sends pings (INTEROP.md §2.2); we do,
//! which is compatible on the wire because every reference *device*
//! answers them. A reference *controller* does not answer, which is what
//! [`KeepAliveConfig::lenient_until_first_pong`] is for.
//!
//! # Driving it
//!
//! 1. [`KeepAlive::new`] with the current time;
//! 2. loop: send everything [`KeepAlive::poll_transmit`] yields; stop if
//!    [`KeepAlive::is_timed_out`]; arm a timer for
//!    [`KeepAlive::poll_timeout`];
//! 3. feed received pongs to [`KeepAlive::handle_pong`] and expired timers
//!    to [`KeepAlive::handle_timeout`].

use std::time::Duration;

use mash_core::time::Instant;
use mash_core::wire::Control;

/// Keep-alive settings for one side of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAliveConfig {
    /// Whether this side sends pings at all. Pings from the peer are
    /// answered either way.
    pub enabled: bool,
    /// Time between pings (30 s).
    pub interval: Duration,
    /// How long a pong may take (5 s).
    pub pong_timeout: Duration,
    /// Consecutive missed pongs that end the connection (3).
    pub max_missed: u32,
    /// Count missed pongs only once the peer has answered at least one
    /// ping. Off by default (strict spec timing). Turn it on where the peer
    /// may be a reference controller, which never answers pings: the
    /// keep-alive then stays inert instead of closing a healthy connection.
    pub lenient_until_first_pong: bool,
}

impl KeepAliveConfig {
    /// The spec's timing, enabled.
    pub const SPEC: Self = Self {
        enabled: true,
        interval: Duration::from_secs(30),
        pong_timeout: Duration::from_secs(5),
        max_missed: 3,
        lenient_until_first_pong: false,
    };

    /// No pings from this side.
    pub const fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::SPEC
        }
    }
}

impl Default for KeepAliveConfig {
    fn default() -> Self {
        Self::SPEC
    }
}

#[derive(Debug, Clone, Copy)]
struct Outstanding {
    sequence: u32,
    sent: Instant,
    deadline: Instant,
}

/// The keep-alive state machine of one connection.
#[derive(Debug)]
pub struct KeepAlive {
    config: KeepAliveConfig,
    next_ping: Option<Instant>,
    outstanding: Option<Outstanding>,
    next_sequence: u32,
    missed: u32,
    peer_answered: bool,
    timed_out: bool,
    transmit: Option<Control>,
    /// When the peer last sent anything.
    last_activity: Option<Instant>,
}

impl KeepAlive {
    /// Starts keep-alive at `now`; the first ping is due immediately.
    pub fn new(config: KeepAliveConfig, now: Instant) -> Self {
        let active = config.enabled && !config.interval.is_zero();
        Self {
            config,
            next_ping: active.then_some(now),
            outstanding: None,
            next_sequence: 1,
            missed: 0,
            peer_answered: false,
            timed_out: false,
            transmit: None,
            last_activity: None,
        }
    }

    /// A pong arrived. Returns whether it answered the outstanding ping;
    /// pongs with another sequence (late or unsolicited) are ignored.
    pub fn handle_pong(&mut self, sequence: u32) -> bool {
        match self.outstanding {
            Some(o) if o.sequence == sequence && !self.timed_out => {
                self.outstanding = None;
                self.missed = 0;
                self.peer_answered = true;
                true
            }
            _ => false,
        }
    }

    /// A frame arrived from the peer: it is alive, so the next ping waits a
    /// full interval from now (transport.md §6.1: pings only "if no other
    /// activity", TC-KEEPALIVE-4) and the miss count is cleared. An
    /// outstanding ping stays outstanding, so its pong still tells whether
    /// the peer answers pings, but it can no longer count as missed.
    pub fn handle_activity(&mut self, now: Instant) {
        if self.timed_out || self.next_ping.is_none() {
            return;
        }
        self.last_activity = Some(now);
        self.missed = 0;
        self.next_ping = Some(now + self.config.interval);
    }

    fn alive_since(&self, sent: Instant) -> bool {
        self.last_activity.is_some_and(|t| t >= sent)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called;
    /// `None` when keep-alive is off or the connection has timed out.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.timed_out {
            return None;
        }
        let pong = self.outstanding.map(|o| o.deadline);
        match (self.next_ping, pong) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances to `now`: expires the outstanding ping if its pong is late
    /// and queues the next ping when one is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(o) = self.outstanding.filter(|o| now >= o.deadline) {
            self.outstanding = None;
            if !self.alive_since(o.sent) {
                self.record_miss();
            }
        }
        let Some(due) = self.next_ping else { return };
        if self.timed_out || now < due {
            return;
        }
        // A ping still unanswered when the next is due (pong_timeout >=
        // interval) counts as missed.
        if let Some(o) = self.outstanding.take() {
            if !self.alive_since(o.sent) {
                self.record_miss();
            }
            if self.timed_out {
                return;
            }
        }
        let sequence = self.next_sequence;
        // Sequence 0 is omitted on the wire; skip it on wrap-around.
        self.next_sequence = self.next_sequence.checked_add(1).unwrap_or(1);
        self.transmit = Some(Control::ping(sequence));
        self.outstanding = Some(Outstanding {
            sequence,
            sent: now,
            deadline: now + self.config.pong_timeout,
        });
        self.next_ping = Some(now + self.config.interval);
    }

    /// The next control frame to send, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Control> {
        self.transmit.take()
    }

    /// Whether too many pongs were missed; the connection must be closed.
    pub fn is_timed_out(&self) -> bool {
        self.timed_out
    }

    /// Consecutive pongs missed so far.
    pub fn missed(&self) -> u32 {
        self.missed
    }

    fn record_miss(&mut self) {
        if self.config.lenient_until_first_pong && !self.peer_answered {
            return;
        }
        self.missed += 1;
        if self.missed >= self.config.max_missed.max(1) {
            self.timed_out = true;
            self.next_ping = None;
            self.transmit = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use mash_core::wire::ControlType;

    use super::*;

    fn at(secs: u64) -> Instant {
        Instant::from_millis(secs * 1000)
    }

    /// Runs the machine to `until`, jumping from timer to timer (the way
    /// `mash-sim`'s `drive()` does); `answer` decides whether a ping sent
    /// at a given time gets its pong 10 ms later. Returns the sequences
    /// sent with their send times, and when the machine timed out.
    fn drive(
        ka: &mut KeepAlive,
        until: Instant,
        answer: impl Fn(Instant) -> bool,
    ) -> (Vec<(Instant, u32)>, Option<Instant>) {
        let mut sent = Vec::new();
        let mut pong_due: Option<(Instant, u32)> = None;
        loop {
            let timer = ka.poll_timeout();
            let next = match (timer, pong_due) {
                (Some(t), Some((p, _))) => t.min(p),
                (t, p) => match t.or(p.map(|p| p.0)) {
                    Some(n) => n,
                    None => return (sent, None),
                },
            };
            if next > until {
                return (sent, None);
            }
            if let Some((_, seq)) = pong_due.filter(|(p, _)| *p <= next) {
                ka.handle_pong(seq);
                pong_due = None;
                continue;
            }
            ka.handle_timeout(next);
            while let Some(c) = ka.poll_transmit() {
                assert_eq!(c.kind, ControlType::Ping);
                sent.push((next, c.sequence));
                if answer(next) {
                    pong_due = Some((next + Duration::from_millis(10), c.sequence));
                }
            }
            if ka.is_timed_out() {
                return (sent, Some(next));
            }
        }
    }

    #[test]
    fn first_ping_is_immediate_then_every_interval_with_rising_sequence() {
        let mut ka = KeepAlive::new(KeepAliveConfig::SPEC, at(0));
        let (sent, dead) = drive(&mut ka, at(100), |_| true);
        assert_eq!(dead, None);
        assert_eq!(sent, [(at(0), 1), (at(30), 2), (at(60), 3), (at(90), 4)]);
    }

    #[test]
    fn traffic_from_the_peer_defers_pings() {
        let mut ka = KeepAlive::new(KeepAliveConfig::SPEC, at(0));
        ka.handle_timeout(at(0));
        assert_eq!(ka.poll_transmit(), Some(Control::ping(1)));
        ka.handle_pong(1);
        // A request every 20 s: no ping is ever due.
        for t in (20..=200).step_by(20) {
            ka.handle_activity(at(t));
            assert_eq!(ka.poll_timeout(), Some(at(t + 30)));
        }
        // Silence: pings resume one interval after the last frame, and loss
        // is still detected 95 s after it at worst.
        let (sent, dead) = drive(&mut ka, at(1000), |_| false);
        assert_eq!(sent.first(), Some(&(at(230), 2)));
        assert_eq!(dead, Some(at(295)));
    }

    #[test]
    fn activity_clears_misses_and_a_later_pong_still_counts() {
        let mut ka = KeepAlive::new(KeepAliveConfig::SPEC, at(0));
        ka.handle_timeout(at(0));
        let _ = ka.poll_transmit();
        ka.handle_timeout(at(5));
        assert_eq!(ka.missed(), 1);
        ka.handle_activity(at(6));
        assert_eq!(ka.missed(), 0);
        assert_eq!(ka.poll_timeout(), Some(at(36)));
        // A ping answered after traffic in between: its pong still counts.
        ka.handle_timeout(at(36));
        assert_eq!(ka.poll_transmit(), Some(Control::ping(2)));
        ka.handle_activity(at(37));
        assert!(ka.handle_pong(2));
    }

    #[test]
    fn a_lenient_side_learns_the_peer_answers_despite_traffic() {
        let config = KeepAliveConfig {
            lenient_until_first_pong: true,
            ..KeepAliveConfig::SPEC
        };
        let mut ka = KeepAlive::new(config, at(0));
        ka.handle_timeout(at(0));
        assert_eq!(ka.poll_transmit(), Some(Control::ping(1)));
        // Requests arrive before the pong does.
        ka.handle_activity(at(0));
        assert!(ka.handle_pong(1));
        // Now silence is counted: loss 95 s after the last frame.
        let (_, dead) = drive(&mut ka, at(1000), |_| false);
        assert_eq!(dead, Some(at(95)));
    }

    #[test]
    fn silent_peer_is_detected_after_95_seconds() {
        let mut ka = KeepAlive::new(KeepAliveConfig::SPEC, at(0));
        // The peer answers the first ping, then goes silent.
        let (sent, dead) = drive(&mut ka, at(1000), |t| t == at(0));
        assert_eq!(sent.len(), 4);
        assert_eq!(dead, Some(at(95)));
        assert_eq!(ka.poll_timeout(), None);
        assert_eq!(ka.poll_transmit(), None);
    }

    #[test]
    fn a_pong_resets_the_miss_count() {
        let mut ka = KeepAlive::new(KeepAliveConfig::SPEC, at(0));
        // Two misses, one answer, then silence: 2 + reset + 3 more pings.
        let (_, dead) = drive(&mut ka, at(1000), |t| t == at(60));
        assert_eq!(dead, Some(at(155)));
    }

    #[test]
    fn pongs_with_another_sequence_are_ignored() {
        let mut ka = KeepAlive::new(KeepAliveConfig::SPEC, at(0));
        ka.handle_timeout(at(0));
        assert_eq!(ka.poll_transmit(), Some(Control::ping(1)));
        assert!(!ka.handle_pong(7));
        assert!(!ka.handle_pong(0));
        ka.handle_timeout(at(5));
        assert_eq!(ka.missed(), 1);
        // A late pong for ping 1 no longer counts.
        assert!(!ka.handle_pong(1));
        assert_eq!(ka.missed(), 1);
    }

    #[test]
    fn disabled_never_pings() {
        let mut ka = KeepAlive::new(KeepAliveConfig::disabled(), at(0));
        assert_eq!(ka.poll_timeout(), None);
        ka.handle_timeout(at(1000));
        assert_eq!(ka.poll_transmit(), None);
        assert!(!ka.is_timed_out());
    }

    #[test]
    fn lenient_mode_ignores_a_peer_that_never_answers() {
        let cfg = KeepAliveConfig {
            lenient_until_first_pong: true,
            ..KeepAliveConfig::SPEC
        };
        let mut ka = KeepAlive::new(cfg, at(0));
        let (sent, dead) = drive(&mut ka, at(600), |_| false);
        assert_eq!(dead, None);
        assert_eq!(sent.len(), 21);
        // Once the peer has answered, silence counts again.
        let mut ka = KeepAlive::new(cfg, at(0));
        let (_, dead) = drive(&mut ka, at(600), |t| t == at(30));
        assert_eq!(dead, Some(at(125)));
    }

    #[test]
    fn pong_timeout_longer_than_interval_counts_the_overrun() {
        let cfg = KeepAliveConfig {
            interval: Duration::from_secs(2),
            pong_timeout: Duration::from_secs(10),
            ..KeepAliveConfig::SPEC
        };
        let mut ka = KeepAlive::new(cfg, at(0));
        let (sent, dead) = drive(&mut ka, at(100), |_| false);
        assert_eq!(dead, Some(at(6)));
        assert_eq!(sent.len(), 3);
    }

    #[test]
    fn sequence_skips_zero_on_wrap() {
        let mut ka = KeepAlive::new(KeepAliveConfig::SPEC, at(0));
        ka.next_sequence = u32::MAX;
        ka.handle_timeout(at(0));
        assert_eq!(ka.poll_transmit(), Some(Control::ping(u32::MAX)));
        ka.handle_pong(u32::MAX);
        ka.handle_timeout(at(30));
        assert_eq!(ka.poll_transmit(), Some(Control::ping(1)));
    }
}
