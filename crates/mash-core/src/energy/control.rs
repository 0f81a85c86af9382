//! EnergyControl across zones: per-zone values, duration timers,
//! failsafe, override, and writing the resolved state into the model.

use alloc::vec::Vec;
use core::time::Duration;

use super::failsafe::{Failsafe, Snapshot, State, Transition};
use super::kind::{Amount, Kind};
use super::resolve::{Contribution, Resolved, by_kind, overridden, resolve};
use super::source::{Source, WallClock};
use super::zones::{Link, Zones};
use crate::cbor::Value;
use crate::ids::ZoneId;
use crate::model::features::device_info;
use crate::model::features::energy_control::{
    ControlState, LimitCause, OptOutState, OverrideReason, ProcessState, attr as ec,
};
use crate::model::features::limit_source::attr as ls;
use crate::model::features::shared::Direction;
use crate::model::{Device, EndpointId, FeatureType};
use crate::time::Instant;
use crate::zone::ZoneType;

/// Tunables of [`EnergyControl`].
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// How long a zone may stay unconnected after it is added or after a
    /// restart before it counts as lost (EEBUS LPC's 120 s heartbeat wait).
    pub connect_grace: Duration,
    /// Longest accepted command duration (duration-semantics.md §6.1).
    pub max_duration: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_grace: Duration::from_secs(120),
            max_duration: Duration::from_secs(86_400),
        }
    }
}

/// One zone's value of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The value.
    pub amount: Amount,
    /// LimitCause or SetpointCause as sent.
    pub cause: u8,
    /// When the command arrived (timers start on receipt, §2.1).
    pub set_at: Instant,
    /// When it expires by itself.
    pub expires: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Override {
    pub reason: OverrideReason,
    pub direction: Direction,
}

/// EnergyControl state of one endpoint.
#[derive(Debug, Clone)]
pub(super) struct EndpointControl {
    pub id: EndpointId,
    pub entries: Vec<(ZoneId, Kind, Entry)>,
    pub override_: Option<Override>,
    /// `Some(None)`: paused indefinitely; `Some(Some(t))`: until `t`.
    pub paused: Option<Option<Instant>>,
}

impl EndpointControl {
    pub fn entry(&self, zone: &ZoneId, kind: Kind) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|(z, k, _)| z == zone && *k == kind)
            .map(|e| &e.2)
    }

    pub fn set(&mut self, zone: ZoneId, kind: Kind, entry: Entry) {
        self.clear(&zone, kind);
        self.entries.push((zone, kind, entry));
    }

    pub fn clear(&mut self, zone: &ZoneId, kind: Kind) {
        self.entries.retain(|(z, k, _)| !(z == zone && *k == kind));
    }
}

/// EnergyControl semantics for a whole device, sans-I/O.
///
/// The owner reports zone events ([`EnergyControl::add_zone`],
/// [`EnergyControl::zone_connected`], [`EnergyControl::zone_disconnected`],
/// [`EnergyControl::remove_zone`]), routes EnergyControl commands and
/// writes here ([`EnergyControl::invoke`], [`EnergyControl::write`]),
/// and calls [`EnergyControl::handle_timeout`] at
/// [`EnergyControl::poll_timeout`]. After each call the model holds the
/// resolved state and its change log says what subscribers must hear.
#[derive(Debug, Clone)]
pub struct EnergyControl {
    pub(super) zones: Zones,
    pub(super) endpoints: Vec<EndpointControl>,
    pub(super) failsafe: Failsafe,
    pub(super) config: Config,
    pub(super) clock: WallClock,
}

impl EnergyControl {
    /// Control for every endpoint of `device` that has EnergyControl.
    pub fn new(device: &Device, config: Config, clock: WallClock) -> Self {
        let endpoints = device
            .endpoints_with(FeatureType::EnergyControl)
            .map(|e| EndpointControl {
                id: e.id,
                entries: Vec::new(),
                override_: None,
                paused: None,
            })
            .collect();
        Self {
            zones: Zones::default(),
            endpoints,
            failsafe: Failsafe::default(),
            config,
            clock,
        }
    }

    /// The zones.
    pub fn zones(&self) -> &Zones {
        &self.zones
    }

    /// The failsafe machine.
    pub fn failsafe(&self) -> &Failsafe {
        &self.failsafe
    }

    /// The wall clock used for LimitSource times.
    pub fn wall_clock(&self) -> WallClock {
        self.clock
    }

    /// This zone's current value of `kind` on endpoint `ep`.
    pub fn entry(&self, ep: EndpointId, zone: &ZoneId, kind: Kind) -> Option<&Entry> {
        self.endpoint(ep)?.entry(zone, kind)
    }

    pub(super) fn endpoint(&self, ep: EndpointId) -> Option<&EndpointControl> {
        self.endpoints.iter().find(|e| e.id == ep)
    }

    pub(super) fn endpoint_mut(&mut self, ep: EndpointId) -> Option<&mut EndpointControl> {
        self.endpoints.iter_mut().find(|e| e.id == ep)
    }

    /// Whether the user opted `ty` out of external control on `ep`
    /// (energy-control.md OptOutEnum; energycontrol-feature.md §6.2: the
    /// zone's commands are rejected and the device is autonomous with
    /// respect to it). ALL covers every zone type.
    pub(super) fn opted_out(device: &Device, ep: EndpointId, ty: ZoneType) -> bool {
        let state = device
            .get(ep, FeatureType::EnergyControl, ec::OPT_OUT_STATE)
            .and_then(Value::as_u64)
            .and_then(|v| u8::try_from(v).ok())
            .map_or(OptOutState::None, OptOutState::from_value);
        match state {
            OptOutState::Local => ty == ZoneType::Local,
            OptOutState::Grid => ty == ZoneType::Grid,
            OptOutState::All => true,
            _ => false,
        }
    }

    fn failsafe_duration(&self, device: &Device) -> Duration {
        let secs = self
            .endpoints
            .first()
            .and_then(|e| device.get(e.id, FeatureType::EnergyControl, ec::FAILSAFE_DURATION))
            .and_then(Value::as_u64)
            .unwrap_or(7200);
        Duration::from_secs(secs)
    }

    /// A zone was commissioned (or restored at boot): it has
    /// [`Config::connect_grace`] to connect before it counts as lost.
    pub fn add_zone(&mut self, device: &mut Device, id: ZoneId, ty: ZoneType, now: Instant) {
        self.zones.add(id, ty, now, self.config.connect_grace);
        self.apply(device, now);
    }

    /// A zone was removed: its values go, the rest re-resolves.
    pub fn remove_zone(&mut self, device: &mut Device, id: &ZoneId, now: Instant) {
        self.zones.remove(id);
        for e in &mut self.endpoints {
            e.entries.retain(|(z, _, _)| z != id);
        }
        device.clear_zone(id);
        self.reevaluate(device, now);
    }

    /// The zone's operational connection is up (TLS handshake completed).
    pub fn zone_connected(&mut self, device: &mut Device, id: &ZoneId, now: Instant) {
        self.zones.set_link(id, Link::Connected);
        self.reevaluate(device, now);
    }

    /// The zone's connection was lost. Its values are kept while failsafe
    /// is in force and dropped otherwise (failsafe-timing.md §5.1).
    ///
    /// Their duration timers keep running. duration-semantics.md §3.1
    /// cancels them and expects the controller to re-send timed values
    /// after reconnecting; a controller that does not would leave a
    /// 30-minute grid limit in force for good. Keeping the deadline
    /// honours what was asked, and failsafe covers the time away.
    pub fn zone_disconnected(&mut self, device: &mut Device, id: &ZoneId, now: Instant) {
        if !self.zones.set_link(id, Link::Lost) {
            return;
        }
        self.reevaluate(device, now);
    }

    fn reevaluate(&mut self, device: &mut Device, now: Instant) {
        let duration = self.failsafe_duration(device);
        self.failsafe
            .handle_connectivity(self.zones.connectivity(), now, duration);
        self.settle(device, now);
    }

    /// Drops lost zones' values unless failsafe is holding them, then
    /// writes the model.
    fn settle(&mut self, device: &mut Device, now: Instant) {
        if !self.failsafe.is_active() {
            let lost: Vec<ZoneId> = self
                .zones
                .iter()
                .filter(|z| z.link == Link::Lost)
                .map(|z| z.id)
                .collect();
            for e in &mut self.endpoints {
                e.entries.retain(|(z, _, _)| !lost.contains(z));
            }
        }
        self.apply(device, now);
    }

    /// When [`EnergyControl::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let entries = self
            .endpoints
            .iter()
            .flat_map(|e| e.entries.iter().filter_map(|(_, _, x)| x.expires));
        let pauses = self.endpoints.iter().filter_map(|e| e.paused.flatten());
        entries
            .chain(pauses)
            .chain(self.zones.next_deadline())
            .chain(self.failsafe.poll_timeout())
            .min()
    }

    /// Expires durations, pending zones, pauses and the failsafe episode.
    pub fn handle_timeout(&mut self, device: &mut Device, now: Instant) {
        for e in &mut self.endpoints {
            e.entries
                .retain(|(_, _, x)| x.expires.is_none_or(|t| t > now));
            if e.paused.flatten().is_some_and(|t| t <= now) {
                e.paused = None;
                // duration-semantics.md §2.3: a timed Pause ends as if
                // Resume had been called.
                let paused = device
                    .get(e.id, FeatureType::EnergyControl, ec::PROCESS_STATE)
                    .and_then(Value::as_u64)
                    == Some(u64::from(ProcessState::Paused.value()));
                if paused {
                    let _ = device.set(
                        e.id,
                        FeatureType::EnergyControl,
                        ec::PROCESS_STATE,
                        ProcessState::Running.value(),
                    );
                }
            }
        }
        self.zones.expire_pending(now);
        let duration = self.failsafe_duration(device);
        let c = self.zones.connectivity();
        if self.failsafe.handle_connectivity(c, now, duration) == Transition::None {
            self.failsafe.handle_timeout(c, now, duration);
        }
        self.settle(device, now);
    }

    /// Enters OVERRIDE on `ep` (the device exceeds limits for safety,
    /// self-protection or legal reasons).
    pub fn set_override(
        &mut self,
        device: &mut Device,
        ep: EndpointId,
        reason: OverrideReason,
        direction: Direction,
        now: Instant,
    ) {
        if let Some(e) = self.endpoint_mut(ep) {
            e.override_ = Some(Override { reason, direction });
        }
        self.apply(device, now);
    }

    /// Leaves OVERRIDE on `ep`.
    pub fn clear_override(&mut self, device: &mut Device, ep: EndpointId, now: Instant) {
        if let Some(e) = self.endpoint_mut(ep) {
            e.override_ = None;
        }
        self.apply(device, now);
    }

    /// Forgets every zone value, timer, override, pause and failsafe
    /// episode: effective values null, AUTONOMOUS unless a zone is
    /// connected (conformance ResetTestState, INTEROP.md Appendix A.2).
    pub fn reset_all(&mut self, device: &mut Device, now: Instant) {
        for e in &mut self.endpoints {
            e.entries.clear();
            e.override_ = None;
            e.paused = None;
        }
        self.failsafe = Failsafe::default();
        self.apply(device, now);
    }

    /// Whether `ep` is paused by a controller.
    pub fn is_paused(&self, ep: EndpointId) -> bool {
        self.endpoint(ep).is_some_and(|e| e.paused.is_some())
    }

    /// The failsafe state to persist.
    pub fn failsafe_snapshot(&self, now: Instant) -> Snapshot {
        self.failsafe.snapshot(now)
    }

    /// Resumes a failsafe episode persisted before a restart.
    pub fn restore_failsafe(&mut self, device: &mut Device, snapshot: Snapshot, now: Instant) {
        self.failsafe = Failsafe::restore(snapshot, now);
        self.apply(device, now);
    }

    /// Re-resolves and writes every EnergyControl and LimitSource
    /// attribute; only real changes reach the change log.
    pub fn apply(&mut self, device: &mut Device, now: Instant) {
        let _ = now;
        let types: Vec<Value> = self
            .zones
            .types()
            .iter()
            .map(|t| Value::from(t.value()))
            .collect();
        let zone_count = u8::try_from(self.zones.len()).unwrap_or(u8::MAX);
        let _ = device.set(
            0,
            FeatureType::DeviceInfo,
            device_info::attr::ZONE_COUNT,
            zone_count,
        );
        for i in 0..self.endpoints.len() {
            let Some(ep) = self.endpoints.get(i) else {
                continue;
            };
            let resolved = self.resolve_endpoint(ep, device);
            self.write_endpoint(device, ep, &resolved, &types);
        }
    }

    fn resolve_endpoint(&self, ep: &EndpointControl, device: &Device) -> [Resolved; 8] {
        let zones = &self.zones;
        let from_zones = ep.entries.iter().filter_map(|(zid, kind, entry)| {
            let zone = zones
                .get(zid)
                .filter(|z| z.resolves() && !Self::opted_out(device, ep.id, z.ty))?;
            Some((
                *kind,
                Contribution {
                    priority: zone.ty.priority(),
                    set_at: entry.set_at,
                    amount: entry.amount,
                    source: Source {
                        zone: Some((zone.id, zone.ty)),
                        cause: entry.cause,
                        set_at: entry.set_at,
                        until: entry.expires,
                        failsafe: false,
                    },
                },
            ))
        });
        let failsafe = match self.failsafe.state() {
            State::Active { since, deadline } => [
                (Kind::ConsumptionLimit, ec::FAILSAFE_CONSUMPTION_LIMIT),
                (Kind::ProductionLimit, ec::FAILSAFE_PRODUCTION_LIMIT),
            ]
            .into_iter()
            .filter_map(|(kind, attr)| {
                let limit = device
                    .get(ep.id, FeatureType::EnergyControl, attr)?
                    .as_i64()?;
                let source = Source {
                    zone: None,
                    cause: LimitCause::LocalProtection.value(),
                    set_at: since,
                    until: Some(deadline),
                    failsafe: true,
                };
                Some((
                    kind,
                    Contribution {
                        priority: 0,
                        set_at: since,
                        amount: Amount::Power(limit),
                        source,
                    },
                ))
            })
            .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let grouped = by_kind(from_zones.chain(failsafe));
        Kind::ALL.map(|k| {
            grouped
                .get(k.index())
                .map_or(Resolved::None, |c| resolve(k, c))
        })
    }

    fn resolve_control_state(
        &self,
        device: &Device,
        ep: &EndpointControl,
        resolved: &[Resolved; 8],
    ) -> ControlState {
        if self.failsafe.is_active() {
            ControlState::Failsafe
        } else if ep.override_.is_some() {
            ControlState::Override
        } else if Kind::ALL.iter().any(|k| {
            k.is_limit()
                && resolved
                    .get(k.index())
                    .is_some_and(|r| *r != Resolved::None)
        }) {
            ControlState::Limited
        } else if self.zones.iter().any(|z| {
            z.link == Link::Connected
                && z.ty != ZoneType::Test
                && !Self::opted_out(device, ep.id, z.ty)
        }) {
            ControlState::Controlled
        } else {
            ControlState::Autonomous
        }
    }

    fn write_endpoint(
        &self,
        device: &mut Device,
        ep: &EndpointControl,
        resolved: &[Resolved; 8],
        types: &[Value],
    ) {
        const EC: FeatureType = FeatureType::EnergyControl;
        const LS: FeatureType = FeatureType::LimitSource;
        // Attributes an instance does not carry are skipped: `set` refuses
        // them and nothing is logged.
        for kind in Kind::ALL {
            let r = resolved
                .get(kind.index())
                .copied()
                .unwrap_or(Resolved::None);
            let value = r.amount().map_or(Value::Null, Amount::to_value);
            let _ = device.set(ep.id, EC, kind.effective_attribute(), value);
            let _ = device.set(ep.id, LS, kind.source_attribute(), self.source_value(&r));
        }
        let state = self.resolve_control_state(device, ep, resolved);
        let _ = device.set(ep.id, EC, ec::CONTROL_STATE, state.value());
        let (reason, direction) = match ep.override_ {
            Some(o) => (
                Value::from(o.reason.value()),
                Value::from(o.direction.value()),
            ),
            None => (Value::Null, Value::Null),
        };
        let _ = device.set(ep.id, EC, ec::OVERRIDE_REASON, reason);
        let _ = device.set(ep.id, EC, ec::OVERRIDE_DIRECTION, direction);
        let _ = device.set(ep.id, LS, ls::ZONE_TYPES, Value::Array(types.to_vec()));
        for zone in self.zones.iter() {
            let mut beaten = false;
            for kind in Kind::ALL {
                let own = ep.entry(&zone.id, kind);
                let value = own.map_or(Value::Null, |e| e.amount.to_value());
                let _ = device.set_zone(ep.id, EC, &zone.id, kind.my_attribute(), value);
                if let (Some(own), true) = (own, zone.resolves()) {
                    let r = resolved
                        .get(kind.index())
                        .copied()
                        .unwrap_or(Resolved::None);
                    beaten |= overridden(kind, own.amount, &r);
                }
            }
            let _ = device.set_zone(ep.id, LS, &zone.id, ls::MY_VALUES_OVERRIDDEN, beaten);
        }
    }

    fn source_value(&self, r: &Resolved) -> Value {
        match r {
            Resolved::None => Value::Null,
            Resolved::Power(_, s) => s.to_value(&self.clock),
            Resolved::Phases(phases) => {
                let mut m = crate::cbor::Map::new();
                for (i, p) in phases.iter().enumerate() {
                    if let Some((_, s)) = p {
                        m.insert(i as u64, s.to_value(&self.clock));
                    }
                }
                Value::Map(m)
            }
        }
    }
}
