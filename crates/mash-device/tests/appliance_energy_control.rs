//! The simulated appliances driven through the real EnergyControl engine:
//! a grid operator (GRID zone) and a home EMS (LOCAL zone) send commands,
//! `mash_core::energy::EnergyControl` resolves them into the model, and
//! the appliance's measurements show the result.

use mash_core::cbor::{Map, Value};
use mash_core::energy::{Config, EnergyControl, WallClock};
use mash_core::ids::ZoneId;
use mash_core::interaction::Caller;
use mash_core::model::features::energy_control::{ControlState, attr as ec, cmd};
use mash_core::model::features::limit_source::attr as ls;
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::attr as st;
use mash_core::model::{Device, FeatureType};
use mash_core::time::Instant;
use mash_core::zone::ZoneType;
use mash_device::appliance::{self, Appliance, HeatDemand, HeatPump, SimConfig};
use mash_device::models::{self, APPLIANCE_ENDPOINT, DeviceKind, Identity, ModelOptions};

const EP: u8 = APPLIANCE_ENDPOINT;

struct House {
    device: Device,
    control: EnergyControl,
    appliance: Box<dyn Appliance>,
    now: Instant,
    grid: Caller,
    local: Caller,
}

fn caller(id: &str, zone_type: ZoneType) -> Caller {
    Caller {
        zone_id: id.parse::<ZoneId>().unwrap(),
        zone_type,
    }
}

impl House {
    fn new(kind: DeviceKind) -> Self {
        Self::with(kind, appliance::appliance(kind, &SimConfig::default()))
    }

    fn with(kind: DeviceKind, appliance: Box<dyn Appliance>) -> Self {
        let mut device = models::build(kind, &Identity::for_kind(kind), ModelOptions::default());
        let mut control = EnergyControl::new(&device, Config::default(), WallClock::default());
        let now = Instant::ZERO;
        let (grid, local) = (
            caller("1111111111111111", ZoneType::Grid),
            caller("2222222222222222", ZoneType::Local),
        );
        for z in [&grid, &local] {
            control.add_zone(&mut device, z.zone_id, z.zone_type, now);
            control.zone_connected(&mut device, &z.zone_id, now);
        }
        Self {
            device,
            control,
            appliance,
            now,
            grid,
            local,
        }
    }

    fn invoke(&mut self, who: Caller, command: u8, params: &[(&str, i64)]) -> Map {
        let p: Map = params.iter().map(|(k, v)| (*k, Value::int(*v))).collect();
        self.control
            .invoke(&mut self.device, &who, EP, command, &p, self.now)
            .unwrap()
    }

    /// Runs the appliance and the engine's timers for `secs` seconds.
    fn run(&mut self, secs: u64) {
        let end = Instant::from_millis(self.now.as_millis() + secs * 1000);
        loop {
            let next = [self.appliance.poll_timeout(), self.control.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
                .unwrap()
                .max(self.now);
            if next > end {
                self.now = end;
                return;
            }
            self.now = next;
            self.control.handle_timeout(&mut self.device, self.now);
            self.appliance.tick(&mut self.device, self.now);
        }
    }

    fn get(&self, ty: FeatureType, attr: u16) -> Value {
        self.device.get(EP, ty, attr).cloned().unwrap()
    }

    fn power(&self) -> i64 {
        self.get(FeatureType::Measurement, ms::AC_ACTIVE_POWER)
            .as_i64()
            .unwrap()
    }
}

#[test]
fn evse_grid_limit_wins_over_the_ems_and_lifts_again() {
    let mut h = House::new(DeviceKind::Evse);
    h.run(5);
    assert!(h.power() > 10_900_000, "charges at full power");

    let r = h.invoke(
        h.grid,
        cmd::SET_LIMIT,
        &[("consumptionLimit", 3_700_000), ("cause", 0)],
    );
    assert_eq!(r.get_text("applied"), Some(&Value::Bool(true)));
    h.invoke(
        h.local,
        cmd::SET_LIMIT,
        &[("consumptionLimit", 6_000_000), ("cause", 3)],
    );
    h.run(2);
    assert!(
        (3_600_000..=3_700_000).contains(&h.power()),
        "{}",
        h.power()
    );
    assert_eq!(
        h.get(FeatureType::EnergyControl, ec::CONTROL_STATE),
        Value::from(ControlState::Limited.value())
    );
    // Everyone can see who limits and why (LimitSource: GRID, GRID_EMERGENCY).
    let source = h.get(FeatureType::LimitSource, ls::CONSUMPTION_LIMIT_SOURCE);
    let source = source.as_map().unwrap();
    assert_eq!(source.get_uint(1), Some(&Value::Uint(1)));
    assert_eq!(source.get_uint(2), Some(&Value::Uint(0)));

    h.invoke(h.grid, cmd::CLEAR_LIMIT, &[]);
    h.run(2);
    assert!(
        (5_900_000..=6_000_000).contains(&h.power()),
        "the EMS limit remains"
    );
}

#[test]
fn evse_limit_with_duration_expires_and_charging_recovers() {
    let mut h = House::new(DeviceKind::Evse);
    h.invoke(
        h.grid,
        cmd::SET_LIMIT,
        &[
            ("consumptionLimit", 4_200_000),
            ("duration", 60),
            ("cause", 1),
        ],
    );
    h.run(30);
    assert!(h.power() <= 4_200_000);
    h.run(60);
    assert!(h.power() > 10_900_000);
}

#[test]
fn evse_falls_back_to_the_failsafe_limit_when_the_grid_zone_is_lost() {
    let mut h = House::new(DeviceKind::Evse);
    h.run(5);
    let grid = h.grid.zone_id;
    h.control.zone_disconnected(&mut h.device, &grid, h.now);
    h.run(5);
    assert_eq!(
        h.get(FeatureType::EnergyControl, ec::CONTROL_STATE),
        Value::from(ControlState::Failsafe.value())
    );
    assert!(
        (4_100_000..=4_200_000).contains(&h.power()),
        "{}",
        h.power()
    );
}

#[test]
fn battery_follows_the_ems_setpoint_within_the_grid_feed_in_limit() {
    let mut h = House::new(DeviceKind::Battery);
    h.invoke(
        h.local,
        cmd::SET_SETPOINT,
        &[("productionSetpoint", 3_000_000), ("cause", 1)],
    );
    h.run(60);
    assert!(
        (-3_000_000..=-2_990_000).contains(&h.power()),
        "{}",
        h.power()
    );
    h.invoke(
        h.grid,
        cmd::SET_LIMIT,
        &[("productionLimit", 1_000_000), ("cause", 0)],
    );
    h.run(2);
    assert!(
        (-1_000_000..=-990_000).contains(&h.power()),
        "{}",
        h.power()
    );
    let soc = h.get(FeatureType::Measurement, ms::STATE_OF_CHARGE);
    assert!(soc.as_u64().unwrap() < 50);
}

#[test]
fn heat_pump_pauses_and_resumes_on_command() {
    let hp = HeatPump::new(&SimConfig::default()).with_demand(HeatDemand::Constant(3_000_000));
    let mut h = House::with(DeviceKind::HeatPump, Box::new(hp));
    h.run(5);
    assert!(h.power() > 2_900_000);
    let r = h.invoke(h.local, cmd::PAUSE, &[]);
    assert_eq!(r.get_text("success"), Some(&Value::Bool(true)));
    h.run(2);
    assert_eq!(h.power(), 0);
    assert_eq!(
        h.get(FeatureType::Status, st::OPERATING_STATE),
        Value::Uint(5)
    );
    h.invoke(h.local, cmd::RESUME, &[]);
    h.run(2);
    assert!(h.power() > 2_900_000);
}

#[test]
fn heat_pump_switches_off_under_a_zero_grid_limit() {
    let hp = HeatPump::new(&SimConfig::default()).with_demand(HeatDemand::Constant(3_000_000));
    let mut h = House::with(DeviceKind::HeatPump, Box::new(hp));
    h.invoke(
        h.grid,
        cmd::SET_LIMIT,
        &[("consumptionLimit", 0), ("cause", 0)],
    );
    h.run(10);
    assert_eq!(h.power(), 0);
}
