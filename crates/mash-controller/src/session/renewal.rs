//! Renewing a device's certificate in-band on its operational connection
//! (INTEROP.md §5.8): a thin shell around mash-core's
//! [`RenewalInitiator`], signing with the zone CA.

use mash_core::commissioning::{InitiatorEvent, RenewalInitiator};
use mash_core::time::Instant;
use mash_pki::{Certificate, RENEWAL_WINDOW, UnixTime};

use crate::error::Error;
use crate::rng::system_rng;

/// Whether a certificate expiring at `not_after` is due for renewal at
/// `now`: within 7 days of expiry (DEC-077).
pub(crate) fn due(not_after: UnixTime, now: UnixTime) -> bool {
    now >= not_after.saturating_sub(RENEWAL_WINDOW)
}

/// Where a renewal stands after an input.
#[derive(Debug)]
pub(crate) enum Step {
    /// Still running.
    Pending,
    /// The device installed the certificate.
    Done {
        /// Its expiry.
        not_after: UnixTime,
        /// Its install sequence.
        sequence: u32,
    },
    /// It failed; the next check tries again.
    Failed(Error),
}

/// One renewal in progress.
#[derive(Debug)]
pub(crate) struct Renewal {
    initiator: RenewalInitiator,
    issued: Option<Certificate>,
}

impl Renewal {
    /// Starts: queues `{1:30, 2:nonce}`.
    pub(crate) fn start(now: Instant, sequence: u32) -> Self {
        Self {
            initiator: RenewalInitiator::new(now, sequence, &mut system_rng()),
            issued: None,
        }
    }

    /// The next frame to send.
    pub(crate) fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.initiator.poll_transmit()
    }

    /// When [`Renewal::handle_timeout`] is due.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.initiator.poll_timeout()
    }

    /// A renewal frame from the device; `sign` turns its CSR into the new
    /// certificate.
    pub(crate) fn handle_message(
        &mut self,
        now: Instant,
        frame: &[u8],
        sign: impl FnOnce(&[u8]) -> Result<Certificate, Error>,
    ) -> Step {
        if let Err(e) = self.initiator.handle_message(frame) {
            return Step::Failed(Error::Renewal(e));
        }
        let mut sign = Some(sign);
        while let Some(event) = self.initiator.poll_event() {
            match event {
                InitiatorEvent::SignCsr { csr_der } => {
                    let Some(sign) = sign.take() else {
                        return Step::Failed(Error::State("second csr in one renewal".into()));
                    };
                    match sign(&csr_der) {
                        Ok(cert) => {
                            let der = cert.der().to_vec();
                            self.issued = Some(cert);
                            if let Err(e) = self.initiator.handle_signed_certificate(now, der) {
                                return Step::Failed(Error::Renewal(e));
                            }
                        }
                        Err(e) => {
                            let _ = self.initiator.handle_signing_failed();
                            return Step::Failed(e);
                        }
                    }
                }
                InitiatorEvent::Renewed { sequence } => {
                    return match &self.issued {
                        Some(cert) => Step::Done {
                            not_after: cert.not_after(),
                            sequence,
                        },
                        None => Step::Failed(Error::State("renewed without a certificate".into())),
                    };
                }
                _ => {}
            }
        }
        Step::Pending
    }

    /// Fires the step timer.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Step {
        match self.initiator.handle_timeout(now) {
            Ok(()) => Step::Pending,
            Err(e) => Step::Failed(Error::Renewal(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn due_seven_days_before_expiry() {
        let end = UnixTime::from_secs(1_000_000_000);
        let edge = end.saturating_sub(Duration::from_secs(7 * 86_400));
        assert!(!due(end, UnixTime::from_secs(edge.secs() - 1)));
        assert!(due(end, edge));
        assert!(due(end, end));
    }
}
