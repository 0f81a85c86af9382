//! Time limits of the commissioning exchange, and a small timer table.
//!
//! The limits are the reference's where it has one (INTEROP.md §5.2-5.3)
//! and security.md §11.5's per-phase limits where it has none.

use core::time::Duration;

use crate::time::Instant;

/// TLS accept to the first PASERequest (DEC-061).
pub const FIRST_MESSAGE_TIMEOUT: Duration = Duration::from_secs(5);
/// PASE deadline from taking the gate (`HandshakeTimeout`); also the BUSY
/// retryAfter while another commissioning is in progress.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(85);
/// PASEResponse sent to PASEConfirm received.
pub const PASE_CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);
/// PASEComplete sent to CertRenewalRequest received.
pub const CERT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Zone CA check and CSR generation by the shell (security.md §11.5).
pub const CSR_TIMEOUT: Duration = Duration::from_secs(10);
/// CertRenewalCSR sent to CertRenewalInstall received (security.md §11.5).
pub const CERT_WAIT_TIMEOUT: Duration = Duration::from_secs(30);
/// Certificate verification and storage by the shell (security.md §11.5).
pub const CERT_INSTALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole commissioning connection, from accept (security.md §11.5; the
/// reference's stale-connection reaper, DEC-064).
pub const OVERALL_TIMEOUT: Duration = Duration::from_secs(90);
/// Gap between releasing the gate and the next acquisition (DEC-065).
pub const CONNECTION_COOLDOWN: Duration = Duration::from_millis(500);
/// PASE error responses go out no earlier than this after processing
/// started (the reference's padding, INTEROP.md §5.3).
pub const ERROR_PADDING: Duration = Duration::from_millis(200);
/// Bounds of the random delay before any error response (security.md
/// §11.4), in milliseconds.
pub const ERROR_JITTER_MS: (u32, u32) = (100, 500);
/// How long a controller waits for each device answer. PASEResponse may
/// come after up to 10 s of back-off (INTEROP.md §5.3).
pub const CONTROLLER_STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// A fixed table of optional deadlines, indexed by a per-machine enum
/// (quinn's `TimerTable`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timers<const N: usize>([Option<Instant>; N]);

impl<const N: usize> Timers<N> {
    pub(crate) const fn new() -> Self {
        Self([None; N])
    }

    pub(crate) fn set(&mut self, timer: usize, at: Instant) {
        if let Some(slot) = self.0.get_mut(timer) {
            *slot = Some(at);
        }
    }

    pub(crate) fn stop(&mut self, timer: usize) {
        if let Some(slot) = self.0.get_mut(timer) {
            *slot = None;
        }
    }

    pub(crate) fn stop_all(&mut self) {
        self.0 = [None; N];
    }

    /// The earliest armed deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.0.iter().flatten().min().copied()
    }

    /// The armed timer with the earliest deadline at or before `now`
    /// (lowest index first on ties).
    pub(crate) fn expired(&self, now: Instant) -> Option<usize> {
        let mut best: Option<(usize, Instant)> = None;
        for (i, at) in self.0.iter().enumerate() {
            if let Some(at) = *at {
                if at <= now && best.is_none_or(|(_, b)| at < b) {
                    best = Some((i, at));
                }
            }
        }
        best.map(|(i, _)| i)
    }
}

/// A random delay in `ERROR_JITTER_MS`, drawn from `rng`.
pub(crate) fn error_jitter(rng: &mut impl rand_core::CryptoRng) -> Duration {
    let (lo, hi) = ERROR_JITTER_MS;
    Duration::from_millis(u64::from(lo + rng.next_u32() % (hi - lo + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_expired_wins() {
        let mut t = Timers::<3>::new();
        assert_eq!(t.next(), None);
        t.set(0, Instant::from_millis(30));
        t.set(2, Instant::from_millis(10));
        assert_eq!(t.next(), Some(Instant::from_millis(10)));
        assert_eq!(t.expired(Instant::from_millis(9)), None);
        assert_eq!(t.expired(Instant::from_millis(40)), Some(2));
        t.stop(2);
        assert_eq!(t.expired(Instant::from_millis(40)), Some(0));
        t.stop_all();
        assert_eq!(t.next(), None);
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let mut rng = crate::commissioning::testutil::StepRng::new(3);
        for _ in 0..500 {
            let ms = error_jitter(&mut rng).as_millis();
            assert!((100..=500).contains(&ms), "{ms}");
        }
    }
}
