//! The device-side rule for pairing requests, as a pure function of the
//! request, the device's state and the current time.
//!
//! Sources: INTEROP.md §9 ("the device listens while non-TEST zones <
//! MaxZones; on an equal `D`, when no window is open and slots are free, it
//! opens the window (15 min)"), discovery.md §2.4.1 ("ignore duplicate
//! pairing requests while a commissioning window is already open"),
//! security.md §11.6 device requirement 4 ("minimum interval between window
//! re-triggers (60s)"), DEC-042.

use std::time::Duration;

use mash_core::time::Instant;

use crate::records::{Discriminator, PairingRequestInfo};

/// How long a window opened by a pairing request stays open: the same 15
/// minutes as every window in the reference (INTEROP.md §5.5, §11).
pub const PAIRING_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Minimum time between two windows opened by pairing requests
/// (security.md §11.6).
pub const MIN_RETRIGGER_INTERVAL: Duration = Duration::from_secs(60);

/// The reference's default number of non-TEST zone slots (INTEROP.md §5.6).
pub const DEFAULT_MAX_ZONES: usize = 2;

/// What the filter needs to know about the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceState {
    /// A commissioning window is open right now.
    pub window_open: bool,
    /// Zones the device belongs to, not counting a TEST zone.
    pub non_test_zones: usize,
    /// Non-TEST zone slots ([`DEFAULT_MAX_ZONES`] in the reference).
    pub max_zones: usize,
}

impl DeviceState {
    /// A non-TEST slot is free.
    pub fn has_free_slot(&self) -> bool {
        self.non_test_zones < self.max_zones
    }
}

/// What to do with a pairing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairingDecision {
    /// Open the commissioning window for [`PAIRING_WINDOW`] and advertise
    /// `_mash-comm._tcp`.
    OpenWindow,
    /// Do nothing.
    Ignore(IgnoreReason),
}

/// Why a pairing request is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    /// TXT `D` is another device's discriminator.
    OtherDevice,
    /// A window is already open.
    WindowOpen,
    /// No non-TEST zone slot is free.
    NoFreeSlot,
    /// The last pairing-request window was opened less than the minimum
    /// interval ago.
    RateLimited {
        /// Time until a request would be honoured.
        retry_after: Duration,
    },
}

/// Decides, for one device, which pairing requests open its window.
///
/// Call [`should_listen`](Self::should_listen) to know whether to browse
/// `_mashp._udp` at all, and [`handle_request`](Self::handle_request) for
/// each request seen. The filter remembers when it last said
/// [`PairingDecision::OpenWindow`].
#[derive(Debug, Clone)]
pub struct PairingRequestFilter {
    discriminator: Discriminator,
    min_interval: Duration,
    last_opened: Option<Instant>,
}

impl PairingRequestFilter {
    /// A filter for the device with `discriminator`, rate-limited to one
    /// window per [`MIN_RETRIGGER_INTERVAL`].
    pub fn new(discriminator: Discriminator) -> Self {
        Self {
            discriminator,
            min_interval: MIN_RETRIGGER_INTERVAL,
            last_opened: None,
        }
    }

    /// The same filter with another minimum interval between windows.
    pub fn with_min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// The device listens for pairing requests while a non-TEST slot is
    /// free (INTEROP.md §9).
    pub fn should_listen(&self, state: &DeviceState) -> bool {
        state.has_free_slot()
    }

    /// Decides on `request`, seen at `now`.
    pub fn handle_request(
        &mut self,
        request: &PairingRequestInfo,
        state: &DeviceState,
        now: Instant,
    ) -> PairingDecision {
        let reason = if request.discriminator != self.discriminator {
            Some(IgnoreReason::OtherDevice)
        } else if state.window_open {
            Some(IgnoreReason::WindowOpen)
        } else if !state.has_free_slot() {
            Some(IgnoreReason::NoFreeSlot)
        } else {
            self.rate_limit(now)
        };
        match reason {
            Some(reason) => PairingDecision::Ignore(reason),
            None => {
                self.last_opened = Some(now);
                PairingDecision::OpenWindow
            }
        }
    }

    fn rate_limit(&self, now: Instant) -> Option<IgnoreReason> {
        let since = now.saturating_since(self.last_opened?);
        (since < self.min_interval).then(|| IgnoreReason::RateLimited {
            retry_after: self.min_interval - since,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(d: u16) -> PairingRequestInfo {
        PairingRequestInfo {
            discriminator: Discriminator::new(d).unwrap(),
            zone_id: "2859a7266ff2c1f0".parse().unwrap(),
            zone_name: Some("Home Energy".into()),
        }
    }

    const IDLE: DeviceState = DeviceState {
        window_open: false,
        non_test_zones: 0,
        max_zones: DEFAULT_MAX_ZONES,
    };

    fn at(secs: u64) -> Instant {
        Instant::from_millis(secs * 1000)
    }

    fn filter() -> PairingRequestFilter {
        PairingRequestFilter::new(Discriminator::new(42).unwrap())
    }

    #[test]
    fn matching_request_opens_the_window() {
        assert_eq!(
            filter().handle_request(&request(42), &IDLE, at(0)),
            PairingDecision::OpenWindow
        );
    }

    #[test]
    fn other_discriminators_are_ignored() {
        assert_eq!(
            filter().handle_request(&request(43), &IDLE, at(0)),
            PairingDecision::Ignore(IgnoreReason::OtherDevice)
        );
    }

    #[test]
    fn duplicates_are_ignored_while_the_window_is_open() {
        let open = DeviceState {
            window_open: true,
            ..IDLE
        };
        assert_eq!(
            filter().handle_request(&request(42), &open, at(0)),
            PairingDecision::Ignore(IgnoreReason::WindowOpen)
        );
    }

    #[test]
    fn full_devices_ignore_and_stop_listening() {
        let full = DeviceState {
            non_test_zones: 2,
            ..IDLE
        };
        let mut f = filter();
        assert!(f.should_listen(&IDLE));
        assert!(!f.should_listen(&full));
        assert_eq!(
            f.handle_request(&request(42), &full, at(0)),
            PairingDecision::Ignore(IgnoreReason::NoFreeSlot)
        );
    }

    #[test]
    fn retriggers_are_rate_limited_to_one_per_minute() {
        let mut f = filter();
        assert_eq!(
            f.handle_request(&request(42), &IDLE, at(100)),
            PairingDecision::OpenWindow
        );
        // The window closed early (e.g. commissioning failed); a new request
        // 20 s later must wait.
        assert_eq!(
            f.handle_request(&request(42), &IDLE, at(120)),
            PairingDecision::Ignore(IgnoreReason::RateLimited {
                retry_after: Duration::from_secs(40)
            })
        );
        assert_eq!(
            f.handle_request(&request(42), &IDLE, at(160)),
            PairingDecision::OpenWindow
        );
    }

    #[test]
    fn ignored_requests_do_not_restart_the_rate_limit() {
        let mut f = filter().with_min_interval(Duration::from_secs(10));
        let open = DeviceState {
            window_open: true,
            ..IDLE
        };
        assert!(matches!(
            f.handle_request(&request(42), &open, at(0)),
            PairingDecision::Ignore(_)
        ));
        assert_eq!(
            f.handle_request(&request(42), &IDLE, at(1)),
            PairingDecision::OpenWindow
        );
    }
}
