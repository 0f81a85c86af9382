//! The device's protocol state, sans-I/O.
//!
//! [`DeviceCore`] owns the data model, EnergyControl across zones, the
//! zones and their certificates, the commissioning window and gate, one
//! commissioning handshake per commissioning connection and one
//! [`ServerSession`](mash_core::interaction::ServerSession) per zone
//! connection. It never touches sockets, files or clocks: the service
//! (or the simulator) feeds it connection events, frames and the time,
//! and drains [`Output`]s — frames to send, connections to close,
//! documents to store, and notices that the TLS and mDNS configuration
//! changed.
//!
//! Call order: after any `*_opened`, `*_frame`, `*_closed`, local action
//! or [`DeviceCore::handle_timeout`], drain [`DeviceCore::poll_output`]
//! and re-arm a timer for [`DeviceCore::poll_timeout`].

mod app;
mod commissioning;
mod operational;
mod testing;

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use mash_core::commissioning::{CommissioningGate, Verifier, ZonePolicy};
use mash_core::energy::{self, EnergyControl, WallClock};
use mash_core::ids::ZoneId;
use mash_core::interaction::SubscriptionLimits;
use mash_core::model::features::{device_info, energy_control as ec};
use mash_core::model::{Change, Device, FeatureType};
use mash_core::time::Instant;
use mash_core::zone::ZoneType;
use rand::rngs::StdRng;
use tracing::info;

use crate::access::AccessPolicy;
use crate::appliance::Appliance;
use crate::persist::{FailsafeRecord, Restored, Settings, ZoneRecord};
use crate::test_control::EnableKey;
use crate::window::Window;

pub use operational::ClientReply;

/// A connection, as the core names it.
pub type ConnId = u64;

/// Static configuration of a [`DeviceCore`].
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// SPAKE2+ verifier of the setup code (the code itself is not kept).
    pub verifier: Verifier,
    /// Discriminator on the QR label.
    pub discriminator: u16,
    /// Vendor ID for CSRs.
    pub vendor_id: u32,
    /// Product ID for CSRs.
    pub product_id: u32,
    /// Non-TEST zone slots (default 2).
    pub max_zones: u8,
    /// At most one zone per type (DEC-043).
    pub unique_zone_types: bool,
    /// Commissioning window length.
    pub window: Duration,
    /// Conformance test enable key: enables TestControl and TEST zones.
    pub test_key: Option<EnableKey>,
    /// Optional per-zone-type access policy.
    pub access: Option<AccessPolicy>,
    /// EnergyControl tunables.
    pub energy: energy::Config,
    /// Subscription limits per connection.
    pub subscriptions: SubscriptionLimits,
}

/// A document the service must write (or delete).
#[derive(Debug, Clone, PartialEq)]
pub enum StoreOp {
    /// Write a zone.
    SaveZone(ZoneRecord),
    /// Delete a zone's document, certificate and key.
    ForgetZone(String),
    /// Write settings and the failsafe timer.
    SaveSettings(Settings),
}

/// Something observers may want to know (logs, CLI, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// Commissioning completed.
    ZoneAdded {
        /// The new zone.
        zone_id: ZoneId,
        /// Its type.
        zone_type: ZoneType,
    },
    /// A zone was removed.
    ZoneRemoved {
        /// The zone.
        zone_id: ZoneId,
    },
    /// A zone's controller connected.
    ZoneConnected {
        /// The zone.
        zone_id: ZoneId,
    },
    /// A zone's controller connection ended.
    ZoneDisconnected {
        /// The zone.
        zone_id: ZoneId,
    },
    /// The commissioning window opened.
    WindowOpened,
    /// The commissioning window closed.
    WindowClosed,
    /// A commissioning attempt failed.
    CommissioningFailed {
        /// Why.
        reason: String,
    },
}

/// What the service must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send a frame payload (the service adds the length prefix).
    Transmit {
        /// The connection.
        conn: ConnId,
        /// CBOR payload.
        frame: Vec<u8>,
    },
    /// Close a connection once what was queued before is sent.
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// Persist something.
    Store(StoreOp),
    /// Zones or window changed: rebuild the TLS policy from
    /// [`DeviceCore::tls_material`].
    TlsChanged,
    /// Window or zones changed: re-advertise from
    /// [`DeviceCore::discovery_state`].
    DiscoveryChanged,
    /// AdjustClock: certificate checks use real time plus this offset (s).
    ClockOffset(i64),
    /// Abort every pre-operational connection (ResetTestState).
    AbortPreOperational,
    /// A response to a request the device sent to a controller.
    ClientReply(ClientReply),
    /// For observers.
    Event(DeviceEvent),
}

/// What TLS needs: the window state and each zone's identity.
#[derive(Debug, Clone)]
pub struct TlsMaterial<'a> {
    /// Whether `mash-comm/1` is accepted.
    pub commissioning_open: bool,
    /// Zones with their CA, certificate and key.
    pub zones: &'a [ZoneRecord],
}

/// What mDNS needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryState {
    /// Advertise `_mash-comm._tcp` (window open and a slot free).
    pub commissionable: bool,
    /// One `_mash._tcp` record per zone: (zone ID, device ID).
    pub operational: Vec<(String, String)>,
    /// Listen for pairing requests (non-TEST slots free).
    pub pairing_listen: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ZoneLink {
    conn: Option<ConnId>,
    /// Commissioned in this run and not connected since.
    fresh: bool,
}

/// The device's protocol state. See the [module docs](self).
pub struct DeviceCore {
    config: CoreConfig,
    device: Device,
    energy: EnergyControl,
    appliance: Box<dyn Appliance>,
    zones: Vec<ZoneRecord>,
    links: BTreeMap<ZoneId, ZoneLink>,
    window: Window,
    gate: CommissioningGate,
    commissioning: BTreeMap<ConnId, commissioning::Handshake>,
    sessions: BTreeMap<ConnId, operational::Session>,
    outputs: VecDeque<Output>,
    rng: StdRng,
    next_conn: ConnId,
    settings: Settings,
    clock: WallClock,
    clock_offset_s: i64,
    /// Suppresses automatic window re-entry until then (ExitCommissioningMode).
    no_reentry_until: Option<Instant>,
    /// The appliance simulation runs until a TEST zone connects: from then
    /// on a conformance tool drives the values (INTEROP.md Appendix A.3).
    simulate: bool,
}

impl std::fmt::Debug for DeviceCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCore")
            .field("zones", &self.zones.len())
            .field("window_open", &self.window.is_open())
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

impl DeviceCore {
    /// A device with model `device` and `appliance`, restored from
    /// `restored`, starting at `now`. `clock` maps `now` to Unix time.
    pub fn new(
        config: CoreConfig,
        mut device: Device,
        appliance: Box<dyn Appliance>,
        restored: Restored,
        now: Instant,
        clock: WallClock,
        rng: StdRng,
    ) -> Self {
        apply_settings(&mut device, &restored.settings);
        device.take_changes();
        let mut energy = EnergyControl::new(&device, config.energy, clock);
        let zones: Vec<ZoneRecord> = restored
            .zones
            .into_iter()
            .filter(|z| z.id().is_some())
            .collect();
        for z in &zones {
            if let Some(id) = z.id() {
                energy.add_zone(&mut device, id, z.ty(), now);
            }
        }
        let snapshot = match restored.settings.failsafe {
            FailsafeRecord::Normal => energy::failsafe::Snapshot::Normal,
            FailsafeRecord::Active { remaining_ms } => energy::failsafe::Snapshot::Active {
                remaining: Duration::from_millis(remaining_ms),
            },
            FailsafeRecord::Expired => energy::failsafe::Snapshot::Expired,
        };
        energy.restore_failsafe(&mut device, snapshot, now);
        device.take_changes();
        let links = zones
            .iter()
            .filter_map(|z| z.id())
            .map(|id| {
                (
                    id,
                    ZoneLink {
                        conn: None,
                        fresh: false,
                    },
                )
            })
            .collect();
        let mut core = Self {
            gate: CommissioningGate::new(ZonePolicy::default()),
            window: Window::new(config.window),
            config,
            device,
            energy,
            appliance,
            zones,
            links,
            commissioning: BTreeMap::new(),
            sessions: BTreeMap::new(),
            outputs: VecDeque::new(),
            rng,
            next_conn: 1,
            settings: restored.settings,
            clock,
            clock_offset_s: 0,
            no_reentry_until: None,
            simulate: true,
        };
        core.refresh_policy();
        // A fresh device opens its window (INTEROP.md §5.5).
        if core.zones.is_empty() {
            core.open_window(now, None);
        }
        core.outputs.push_back(Output::TlsChanged);
        core.outputs.push_back(Output::DiscoveryChanged);
        core
    }

    /// The data model.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// EnergyControl state.
    pub fn energy(&self) -> &EnergyControl {
        &self.energy
    }

    /// The zones.
    pub fn zones(&self) -> &[ZoneRecord] {
        &self.zones
    }

    /// Whether the zone has a live connection.
    pub fn is_connected(&self, zone: &ZoneId) -> bool {
        self.links.get(zone).is_some_and(|l| l.conn.is_some())
    }

    /// Whether the commissioning window is open.
    pub fn window_open(&self) -> bool {
        self.window.is_open()
    }

    /// The discriminator.
    pub fn discriminator(&self) -> u16 {
        self.config.discriminator
    }

    /// What TLS must offer now.
    pub fn tls_material(&self) -> TlsMaterial<'_> {
        TlsMaterial {
            commissioning_open: self.window.is_open(),
            zones: &self.zones,
        }
    }

    fn non_test_zones(&self) -> usize {
        self.zones
            .iter()
            .filter(|z| z.ty() != ZoneType::Test)
            .count()
    }

    fn slot_free(&self) -> bool {
        self.gate.policy().check_admission().is_ok()
    }

    /// What mDNS must advertise now.
    pub fn discovery_state(&self) -> DiscoveryState {
        DiscoveryState {
            commissionable: self.window.is_open() && self.slot_free(),
            operational: self
                .zones
                .iter()
                .map(|z| (z.zone_id.clone(), z.device_id.clone()))
                .collect(),
            pairing_listen: self.non_test_zones() < usize::from(self.config.max_zones),
        }
    }

    /// The next thing to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn emit(&mut self, event: DeviceEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    /// Recomputes the gate's zone policy from the zones held. A
    /// disconnected TEST zone is left out: a new TEST commissioning evicts
    /// it (INTEROP.md Appendix A.3).
    fn refresh_policy(&mut self) {
        let existing = self
            .zones
            .iter()
            .filter(|z| {
                !(z.ty() == ZoneType::Test && z.id().is_some_and(|id| !self.is_connected(&id)))
            })
            .map(ZoneRecord::ty)
            .collect();
        self.gate.set_policy(ZonePolicy {
            existing,
            max_zones: self.config.max_zones,
            test_enabled: self.config.test_key.is_some(),
            unique_types: self.config.unique_zone_types,
        });
    }

    /// Opens the window (button press, API, pairing request); `duration`
    /// overrides the configured length (bounded to 3 min - 3 h).
    pub fn open_window(&mut self, now: Instant, duration: Option<Duration>) {
        if let Some(d) = duration {
            self.window = Window::new(d);
        }
        let was_open = self.window.is_open();
        self.window.open(now);
        self.gate.handle_window_opened();
        if !was_open {
            self.emit(DeviceEvent::WindowOpened);
        }
        self.outputs.push_back(Output::TlsChanged);
        self.outputs.push_back(Output::DiscoveryChanged);
    }

    /// Closes the window.
    pub fn close_window(&mut self) {
        if self.window.close() {
            self.gate.handle_window_closed();
            self.emit(DeviceEvent::WindowClosed);
            self.outputs.push_back(Output::TlsChanged);
            self.outputs.push_back(Output::DiscoveryChanged);
        }
    }

    /// Conformance mode only (a valid test enable key): the reference
    /// re-opens the window when a newly commissioned zone connects and when
    /// the last connected zone drops, if a non-TEST slot is free, unless
    /// ExitCommissioningMode suppressed re-entry (INTEROP.md Appendix A.2,
    /// A.3). The conformance runner relies on it; the spec has no such rule.
    fn test_mode_reenter(&mut self, now: Instant) {
        let suppressed = self.no_reentry_until.is_some_and(|t| now < t);
        if self.config.test_key.is_none()
            || suppressed
            || self.window.is_open()
            || self.non_test_zones() >= usize::from(self.config.max_zones)
        {
            return;
        }
        info!("conformance mode: commissioning window re-entered");
        self.open_window(now, None);
    }

    /// A pairing request naming this device's discriminator arrived
    /// (DEC-042): open the window if it is closed and a slot is free.
    /// Rate limiting is the caller's (mash-discovery's filter).
    pub fn pairing_request(&mut self, now: Instant) -> bool {
        if self.window.is_open() || !self.slot_free() {
            return false;
        }
        self.open_window(now, None);
        true
    }

    /// When [`DeviceCore::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let sessions = self
            .sessions
            .values()
            .filter_map(operational::Session::poll_timeout);
        let handshakes = self
            .commissioning
            .values()
            .filter_map(commissioning::Handshake::poll_timeout);
        sessions
            .chain(handshakes)
            .chain(self.window.poll_timeout())
            .chain(self.energy.poll_timeout())
            .chain(self.appliance.poll_timeout().filter(|_| self.simulate))
            .min()
    }

    /// Runs everything due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.window.handle_timeout(now) {
            self.gate.handle_window_closed();
            self.emit(DeviceEvent::WindowClosed);
            self.outputs.push_back(Output::TlsChanged);
            self.outputs.push_back(Output::DiscoveryChanged);
        }
        self.commissioning_timeouts(now);
        if self.energy.poll_timeout().is_some_and(|t| t <= now) {
            self.energy.handle_timeout(&mut self.device, now);
        }
        if self.simulate && self.appliance.poll_timeout().is_some_and(|t| t <= now) {
            self.appliance.tick(&mut self.device, now);
        }
        self.flush_changes(now);
        for (conn, s) in &mut self.sessions {
            s.handle_timeout(&self.device, now, *conn, &mut self.outputs);
        }
    }

    /// Hands the model's changes to every session and persists what must
    /// survive a restart.
    fn flush_changes(&mut self, now: Instant) {
        let changes = self.device.take_changes();
        if !changes.is_empty() {
            for s in self.sessions.values_mut() {
                s.server.handle_changes(&changes, now);
            }
        }
        self.persist_settings_if_changed(&changes, now);
    }

    fn persist_settings_if_changed(&mut self, changes: &[Change], now: Instant) {
        let failsafe = match self.energy.failsafe_snapshot(now) {
            energy::failsafe::Snapshot::Normal => FailsafeRecord::Normal,
            energy::failsafe::Snapshot::Active { remaining } => FailsafeRecord::Active {
                remaining_ms: u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX),
            },
            energy::failsafe::Snapshot::Expired => FailsafeRecord::Expired,
        };
        let touched = changes.iter().any(|c| {
            matches!(
                (c.feature, c.attribute),
                (
                    FeatureType::EnergyControl,
                    ec::attr::FAILSAFE_CONSUMPTION_LIMIT
                ) | (
                    FeatureType::EnergyControl,
                    ec::attr::FAILSAFE_PRODUCTION_LIMIT
                ) | (FeatureType::EnergyControl, ec::attr::FAILSAFE_DURATION)
                    | (FeatureType::DeviceInfo, device_info::attr::LABEL)
                    | (FeatureType::DeviceInfo, device_info::attr::LOCATION)
            )
        });
        // Only state changes of the timer are written, not every tick of it.
        let state_changed =
            std::mem::discriminant(&failsafe) != std::mem::discriminant(&self.settings.failsafe);
        if touched || state_changed {
            let mut settings = read_settings(&self.device);
            settings.failsafe = failsafe;
            self.settings = settings.clone();
            self.outputs
                .push_back(Output::Store(StoreOp::SaveSettings(settings)));
        }
    }

    /// The failsafe timer as it stands, for a final write at shutdown.
    pub fn settings_snapshot(&self, now: Instant) -> Settings {
        let mut settings = read_settings(&self.device);
        settings.failsafe = match self.energy.failsafe_snapshot(now) {
            energy::failsafe::Snapshot::Normal => FailsafeRecord::Normal,
            energy::failsafe::Snapshot::Active { remaining } => FailsafeRecord::Active {
                remaining_ms: u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX),
            },
            energy::failsafe::Snapshot::Expired => FailsafeRecord::Expired,
        };
        settings
    }

    /// Removes a zone: its values, certificate and key go; its connection
    /// (if any) is closed; the window re-opens when the last zone goes
    /// (DEC-059) unless a conformance tool suppressed re-entry.
    pub fn remove_zone(&mut self, zone_id: &ZoneId, now: Instant) {
        let before = self.zones.len();
        self.zones.retain(|z| z.id().as_ref() != Some(zone_id));
        if self.zones.len() == before {
            return;
        }
        if let Some(conn) = self.links.remove(zone_id).and_then(|l| l.conn) {
            self.sessions.remove(&conn);
            self.outputs.push_back(Output::Close { conn });
        }
        self.energy.remove_zone(&mut self.device, zone_id, now);
        self.refresh_policy();
        self.outputs
            .push_back(Output::Store(StoreOp::ForgetZone(zone_id.to_string())));
        self.outputs.push_back(Output::TlsChanged);
        self.outputs.push_back(Output::DiscoveryChanged);
        self.emit(DeviceEvent::ZoneRemoved { zone_id: *zone_id });
        let suppressed = self.no_reentry_until.is_some_and(|t| now < t);
        if self.zones.is_empty() && !suppressed {
            self.open_window(now, None);
        }
        self.flush_changes(now);
    }

    /// Unix seconds at `now` (for session start times and certificate
    /// checks; AdjustClock does not shift it).
    pub fn unix_secs(&self, now: Instant) -> u64 {
        self.clock.unix_secs(now)
    }
}

fn apply_settings(device: &mut Device, s: &Settings) {
    let ec_eps: Vec<u8> = device
        .endpoints_with(FeatureType::EnergyControl)
        .map(|e| e.id)
        .collect();
    for ep in ec_eps {
        if let Some(v) = s.failsafe_consumption_limit {
            let _ = device.set(
                ep,
                FeatureType::EnergyControl,
                ec::attr::FAILSAFE_CONSUMPTION_LIMIT,
                v,
            );
        }
        if let Some(v) = s.failsafe_production_limit {
            let _ = device.set(
                ep,
                FeatureType::EnergyControl,
                ec::attr::FAILSAFE_PRODUCTION_LIMIT,
                v,
            );
        }
        if let Some(v) = s.failsafe_duration_s {
            let _ = device.set(
                ep,
                FeatureType::EnergyControl,
                ec::attr::FAILSAFE_DURATION,
                v,
            );
        }
    }
    if let Some(l) = &s.label {
        let _ = device.set(
            0,
            FeatureType::DeviceInfo,
            device_info::attr::LABEL,
            l.as_str(),
        );
    }
    if let Some(l) = &s.location {
        let _ = device.set(
            0,
            FeatureType::DeviceInfo,
            device_info::attr::LOCATION,
            l.as_str(),
        );
    }
}

fn read_settings(device: &Device) -> Settings {
    let ep = device
        .endpoints_with(FeatureType::EnergyControl)
        .next()
        .map(|e| e.id);
    let ec_i64 = |attr| {
        ep.and_then(|ep| device.get(ep, FeatureType::EnergyControl, attr))
            .and_then(|v| v.as_i64())
    };
    let text = |attr| {
        device
            .get(0, FeatureType::DeviceInfo, attr)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Settings {
        failsafe_consumption_limit: ec_i64(ec::attr::FAILSAFE_CONSUMPTION_LIMIT),
        failsafe_production_limit: ec_i64(ec::attr::FAILSAFE_PRODUCTION_LIMIT),
        failsafe_duration_s: ec_i64(ec::attr::FAILSAFE_DURATION)
            .and_then(|v| u32::try_from(v).ok()),
        label: text(device_info::attr::LABEL),
        location: text(device_info::attr::LOCATION),
        failsafe: FailsafeRecord::Normal,
    }
}
