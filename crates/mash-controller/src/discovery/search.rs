//! The search for a commissionable device by discriminator, controller
//! side (INTEROP.md §9, DEC-042): browse `_mash-comm._tcp` for a short
//! while; if nothing answers, announce a pairing request `_mashp._udp` so a
//! device with a closed window opens it, and keep polling until the device
//! shows up or the deadline passes; then withdraw the request.
//!
//! [`Schedule`] is the timing, pure and driven by elapsed time; [`find`]
//! is the async shell around a browser and an advertiser.

use std::time::Duration;

use mash_discovery::{
    ADDRESS_SETTLE, BrowseEvent, BrowseStream, CommissionableInfo, Discovered, Discriminator, Mdns,
    PairingRequestInfo,
};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::DiscoveryConfig;
use crate::error::{CommissionError, Error};

/// What the search does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing until this much time after the start.
    Wait(Duration),
    /// The first browse found nothing in time: announce the pairing
    /// request.
    Announce,
    /// Announce the pairing request again.
    Reannounce,
    /// Query again (a fresh browse).
    Poll,
    /// The deadline has passed.
    GiveUp,
}

/// When the search announces, polls and gives up. All times count from
/// the start of the search.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    deadline: Duration,
    browse_timeout: Duration,
    poll_interval: Duration,
    reannounce_interval: Duration,
    last_announce: Option<Duration>,
    last_poll: Duration,
}

impl Schedule {
    pub(crate) fn new(config: &DiscoveryConfig, deadline: Duration) -> Self {
        Self {
            deadline,
            browse_timeout: config.browse_timeout,
            // Zero intervals would spin.
            poll_interval: config.poll_interval.max(Duration::from_millis(100)),
            reannounce_interval: config.reannounce_interval.max(Duration::from_millis(100)),
            last_announce: None,
            last_poll: Duration::ZERO,
        }
    }

    /// Whether a pairing request has been announced.
    pub(crate) fn announced(&self) -> bool {
        self.last_announce.is_some()
    }

    /// The next step at `elapsed`; call again after acting on it.
    pub(crate) fn poll(&mut self, elapsed: Duration) -> Step {
        if elapsed >= self.deadline {
            return Step::GiveUp;
        }
        let Some(announced) = self.last_announce else {
            if elapsed >= self.browse_timeout {
                self.last_announce = Some(elapsed);
                self.last_poll = elapsed;
                return Step::Announce;
            }
            return Step::Wait(self.browse_timeout.min(self.deadline));
        };
        let reannounce_at = announced + self.reannounce_interval;
        if elapsed >= reannounce_at {
            self.last_announce = Some(elapsed);
            return Step::Reannounce;
        }
        let poll_at = self.last_poll + self.poll_interval;
        if elapsed >= poll_at {
            self.last_poll = elapsed;
            return Step::Poll;
        }
        Step::Wait(reannounce_at.min(poll_at).min(self.deadline))
    }
}

/// Searches for devices whose TXT `D` is `discriminator` until `deadline`
/// (from now); announces `request` when the first browse finds nothing.
/// Returns every matching device seen within [`ADDRESS_SETTLE`] of the
/// first (several devices may share a discriminator, testing/behavior/
/// discovery.md §5.3), each with all its addresses. The pairing request is
/// withdrawn before returning, whatever the outcome.
pub(crate) async fn find(
    mdns: &Mdns,
    config: &DiscoveryConfig,
    discriminator: Discriminator,
    request: &PairingRequestInfo,
    deadline: Duration,
) -> Result<Vec<Discovered<CommissionableInfo>>, Error> {
    let start = Instant::now();
    let browser = mdns.browser();
    // Dropping the advertiser withdraws the request too (with a goodbye),
    // also when this future is cancelled.
    let advertiser = mdns.advertiser();
    let mut schedule = Schedule::new(config, deadline);
    let mut stream = browser.commissionable(Some(discriminator))?;
    let result = loop {
        match schedule.poll(start.elapsed()) {
            Step::GiveUp => {
                break Err(CommissionError::DeviceNotFound {
                    discriminator: discriminator.get(),
                    waited: deadline,
                    pairing_requested: schedule.announced(),
                }
                .into());
            }
            Step::Announce => {
                info!(
                    %discriminator,
                    zone_id = %request.zone_id,
                    "no commissionable device answered; announcing a pairing request"
                );
                advertiser.announce_pairing_request(request)?;
            }
            Step::Reannounce => {
                debug!(%discriminator, "re-announcing the pairing request");
                advertiser.announce_pairing_request(request)?;
            }
            Step::Poll => {
                // The new browse queries at once and replays the cache;
                // the old one stops when it is dropped.
                stream = browser.commissionable(Some(discriminator))?;
            }
            Step::Wait(at) => {
                tokio::select! {
                    found = stream.next_resolved() => match found {
                        Some(first) => break Ok(settle(&mut stream, first).await),
                        None => break Err(mash_discovery::Error::Closed.into()),
                    },
                    () = tokio::time::sleep_until(start + at) => {}
                }
            }
        }
    };
    if schedule.announced() {
        if let Err(e) = advertiser.withdraw_pairing_request(request.zone_id, discriminator) {
            warn!(error = %e, "could not withdraw the pairing request");
        }
    }
    if let Ok(found) = &result {
        for f in found {
            info!(instance = %f.instance, host = %f.host, addresses = ?f.addresses, "found commissionable device");
        }
    }
    result
}

/// Listens [`ADDRESS_SETTLE`] longer after the first match: its other
/// addresses (each family is answered separately) and other devices with
/// the same discriminator arrive meanwhile.
async fn settle(
    stream: &mut BrowseStream<CommissionableInfo>,
    first: Discovered<CommissionableInfo>,
) -> Vec<Discovered<CommissionableInfo>> {
    let mut found = vec![first];
    let until = Instant::now() + ADDRESS_SETTLE;
    while let Ok(Some(event)) = tokio::time::timeout_at(until, stream.next()).await {
        match event {
            BrowseEvent::Resolved(update) => {
                match found
                    .iter_mut()
                    .find(|f| f.instance.eq_ignore_ascii_case(&update.instance))
                {
                    Some(known) => {
                        let mut addresses = std::mem::take(&mut known.addresses);
                        for a in &update.addresses {
                            if !addresses.contains(a) {
                                addresses.push(*a);
                            }
                        }
                        *known = update;
                        known.addresses = addresses;
                    }
                    None => found.push(update),
                }
            }
            BrowseEvent::Removed { instance } => {
                found.retain(|f| !f.instance.eq_ignore_ascii_case(&instance));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn schedule(deadline: u64) -> Schedule {
        Schedule::new(&DiscoveryConfig::default(), secs(deadline))
    }

    #[test]
    fn browses_ten_seconds_before_announcing_then_polls_every_five() {
        let mut s = schedule(3600);
        assert_eq!(s.poll(secs(0)), Step::Wait(secs(10)));
        assert!(!s.announced());
        assert_eq!(s.poll(secs(10)), Step::Announce);
        assert!(s.announced());
        assert_eq!(s.poll(secs(10)), Step::Wait(secs(15)));
        assert_eq!(s.poll(secs(15)), Step::Poll);
        assert_eq!(s.poll(secs(15)), Step::Wait(secs(20)));
    }

    #[test]
    fn reannounces_every_two_minutes() {
        let mut s = schedule(3600);
        assert_eq!(s.poll(secs(10)), Step::Announce);
        assert_eq!(s.poll(secs(130)), Step::Reannounce);
        assert_eq!(s.poll(secs(130)), Step::Poll);
        assert_eq!(s.poll(secs(130)), Step::Wait(secs(135)));
    }

    #[test]
    fn gives_up_at_the_deadline_even_before_announcing() {
        let mut s = schedule(4);
        assert_eq!(s.poll(secs(0)), Step::Wait(secs(4)));
        assert_eq!(s.poll(secs(4)), Step::GiveUp);
        assert!(!s.announced());
        let mut s = schedule(12);
        assert_eq!(s.poll(secs(10)), Step::Announce);
        assert_eq!(s.poll(secs(10)), Step::Wait(secs(12)));
        assert_eq!(s.poll(secs(12)), Step::GiveUp);
    }

    #[test]
    fn a_zero_browse_timeout_announces_at_once() {
        let config = DiscoveryConfig {
            browse_timeout: Duration::ZERO,
            ..DiscoveryConfig::default()
        };
        let mut s = Schedule::new(&config, secs(60));
        assert_eq!(s.poll(secs(0)), Step::Announce);
    }
}
