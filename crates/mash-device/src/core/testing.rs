//! The service side of TestControl (INTEROP.md Appendix A): what the
//! device-level triggers do, and the getTestState snapshot.

use std::time::Duration;

use mash_core::commissioning::CommissioningGate;
use mash_core::energy::failsafe::State;
use mash_core::ids::ZoneId;
use mash_core::time::Instant;
use mash_core::zone::ZoneType;
use tracing::info;

use super::{DeviceCore, Output};
use crate::persist::ZoneRecord;
use crate::test_control::{Action, FailsafeTimer, TestState, ZoneEntry};

/// ExitCommissioningMode suppresses automatic re-entry this long.
const NO_REENTRY: Duration = Duration::from_secs(3);

impl DeviceCore {
    pub(super) fn perform_test_action(&mut self, action: Action, now: Instant) {
        info!(?action, "test action");
        match action {
            Action::EnterCommissioningMode => self.open_window(now, None),
            Action::ExitCommissioningMode => {
                self.close_window();
                self.no_reentry_until = Some(now + NO_REENTRY);
            }
            Action::FactoryReset => {
                let all: Vec<ZoneId> = self.zones.iter().filter_map(ZoneRecord::id).collect();
                for zone in all {
                    self.remove_zone(&zone, now);
                }
                self.open_window(now, None);
            }
            Action::ResetTestState => self.reset_test_state(now),
            Action::AdjustClock { offset_s } => self.set_clock_offset(i64::from(offset_s)),
            Action::SetCommissioningWindowDuration(d) => {
                self.window.set_duration(d, now);
                self.outputs.push_back(Output::DiscoveryChanged);
            }
        }
    }

    pub(super) fn set_clock_offset(&mut self, offset_s: i64) {
        self.clock_offset_s = offset_s;
        self.outputs.push_back(Output::ClockOffset(offset_s));
    }

    /// ResetTestState steps 2-9 (step 1, the model, is done by the handler).
    fn reset_test_state(&mut self, now: Instant) {
        // 2. Non-TEST zones without a live session go; TEST zones stay.
        let stale: Vec<ZoneId> = self
            .zones
            .iter()
            .filter(|z| z.ty() != ZoneType::Test)
            .filter_map(ZoneRecord::id)
            .filter(|id| !self.is_connected(id))
            .collect();
        for zone in stale {
            self.remove_zone(&zone, now);
        }
        // 3. Every limit, timer and failsafe episode.
        self.energy.reset_all(&mut self.device, now);
        // 4. Clock offset.
        self.set_clock_offset(0);
        // 5. Window: exit, restore the configured duration, re-enter.
        self.close_window();
        self.window = crate::window::Window::new(self.config.window);
        self.open_window(now, None);
        // 6-7. Back-off, cooldown, lock; pre-operational connections.
        let conns: Vec<_> = self.commissioning.keys().copied().collect();
        for conn in conns {
            self.commissioning.remove(&conn);
            self.outputs.push_back(Output::Close { conn });
        }
        self.gate = CommissioningGate::new(self.gate.policy().clone());
        self.outputs.push_back(Output::AbortPreOperational);
        // 8. Auto re-entry flag and every subscription.
        self.no_reentry_until = None;
        self.clear_all_subscriptions();
        self.flush_changes(now);
    }

    /// The getTestState snapshot's service part.
    pub(super) fn test_state(&self, now: Instant) -> TestState {
        let failsafe_timers = match self.energy.failsafe().state() {
            State::Active { deadline, .. } => self
                .zones
                .iter()
                .filter_map(ZoneRecord::id)
                .filter(|id| !self.is_connected(id))
                .map(|zone_id| FailsafeTimer {
                    zone_id,
                    remaining_s: deadline.saturating_since(now).as_secs(),
                })
                .collect(),
            _ => Vec::new(),
        };
        TestState {
            zones: self
                .zones
                .iter()
                .filter_map(|z| {
                    let zone_id = z.id()?;
                    Some(ZoneEntry {
                        zone_id,
                        zone_type: z.ty(),
                        connected: self.is_connected(&zone_id),
                    })
                })
                .collect(),
            failsafe_timers,
            clock_offset_s: self.clock_offset_s,
            commissioning_open: self.window.is_open(),
            auto_reentry: self.no_reentry_until.is_none_or(|t| now >= t),
            pairing_active: self.discovery_state().pairing_listen,
            operational_connections: u32::try_from(self.sessions.len()).unwrap_or(u32::MAX),
            pending_connections: u32::try_from(self.commissioning.len()).unwrap_or(u32::MAX),
            pase_failures: self.gate.failures(),
        }
    }
}
