use core::time::Duration;

use mash_core::cbor::Value;
use mash_core::energy::WallClock;
use mash_core::model::Device;
use mash_core::model::FeatureType::{ChargingSession as CS, Measurement as MS, Status as ST};
use mash_core::model::features::charging_session::{ChargingState, attr as cs};
use mash_core::model::features::energy_control::{ControlState, attr as ec};
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::{OperatingState, attr as st};
use mash_core::time::Instant;

use super::*;
use crate::appliance::{EvProfile, Evse, SimConfig};

/// 2024-01-01T00:00:00Z at `Instant::ZERO`.
const T0_UNIX: u64 = 1_704_067_200;

fn config() -> SimConfig {
    SimConfig {
        wall_clock: WallClock {
            unix_ms_at_zero: T0_UNIX as i64 * 1000,
        },
        ..SimConfig::default()
    }
}

fn setup() -> (Evse, Device) {
    (Evse::new(&config()), device(DeviceKind::Evse))
}

fn power(d: &Device) -> i64 {
    int(d, MS, ms::AC_ACTIVE_POWER)
}

fn state(d: &Device) -> ChargingState {
    ChargingState::from_value(int(d, CS, cs::STATE) as u8)
}

fn operating(d: &Device) -> OperatingState {
    OperatingState::from_value(int(d, ST, st::OPERATING_STATE) as u8)
}

#[test]
fn charges_the_ev_at_full_power_without_limits() {
    let (mut evse, mut d) = setup();
    run(&mut evse, &mut d, secs(0), 5);
    let p = power(&d);
    assert!((10_900_000..=11_000_000).contains(&p), "{p}");
    let currents = phases(&d, MS, ms::AC_CURRENT_PER_PHASE);
    assert!(
        currents.iter().all(|i| (15_700..=16_000).contains(i)),
        "{currents:?}"
    );
    assert_eq!(state(&d), ChargingState::PluggedInCharging);
    assert_eq!(operating(&d), OperatingState::Running);
    assert_eq!(int(&d, CS, cs::SESSION_START_TIME), T0_UNIX as i64);
    assert_eq!(int(&d, CS, cs::EV_STATE_OF_CHARGE), 20);
}

#[test]
fn a_6_kw_limit_spreads_over_three_phases() {
    let (mut evse, mut d) = setup();
    set_limit(&mut d, 6_000_000);
    run(&mut evse, &mut d, secs(0), 3);
    let p = power(&d);
    assert!((5_990_000..=6_000_000).contains(&p), "{p}");
    let volts = phases(&d, MS, ms::AC_VOLTAGE_PER_PHASE);
    for (i, v) in phases(&d, MS, ms::AC_CURRENT_PER_PHASE).iter().zip(volts) {
        // ≈ P / (3 × 230 V) = 8.7 A
        let expected = p * 1000 / (3 * v);
        assert!((i - expected).abs() < 100, "{i} vs {expected}");
    }
    let per_phase = phases(&d, MS, ms::AC_ACTIVE_POWER_PER_PHASE);
    assert_eq!(per_phase.iter().sum::<i64>(), p);
}

#[test]
fn a_3_7_kw_grid_limit_charges_on_one_phase_within_the_limit() {
    let (mut evse, mut d) = setup();
    set_limit(&mut d, 3_700_000);
    run(&mut evse, &mut d, secs(0), 3);
    let p = power(&d);
    assert!((3_600_000..=3_700_000).contains(&p), "{p}");
    let [a, b, c] = phases(&d, MS, ms::AC_CURRENT_PER_PHASE);
    let [va, _, _] = phases(&d, MS, ms::AC_VOLTAGE_PER_PHASE);
    assert!((a - p * 1000 / va).abs() < 10, "{a}");
    assert!(a <= 16_000);
    assert_eq!((b, c), (0, 0));
    assert_eq!(state(&d), ChargingState::PluggedInCharging);
}

#[test]
fn below_the_one_phase_minimum_it_waits() {
    for limit in [1_000_000, 0] {
        let (mut evse, mut d) = setup();
        set_limit(&mut d, limit);
        run(&mut evse, &mut d, secs(0), 3);
        assert_eq!(power(&d), 0);
        assert_eq!(phases(&d, MS, ms::AC_CURRENT_PER_PHASE), [0, 0, 0]);
        assert_eq!(state(&d), ChargingState::PluggedInDemand);
        assert_eq!(operating(&d), OperatingState::Standby);
    }
}

#[test]
fn reacts_to_a_limit_at_the_next_tick_and_recovers_when_it_goes() {
    let (mut evse, mut d) = setup();
    let t = run(&mut evse, &mut d, secs(0), 10);
    set_limit(&mut d, 4_200_000);
    let t = run(&mut evse, &mut d, t, 1);
    assert!(power(&d) <= 4_200_000);
    set_ec(&mut d, ec::EFFECTIVE_CONSUMPTION_LIMIT, Value::Null);
    run(&mut evse, &mut d, t, 1);
    assert!(power(&d) > 10_900_000);
}

#[test]
fn follows_a_setpoint_capped_by_the_limit() {
    let (mut evse, mut d) = setup();
    set_ec(&mut d, ec::EFFECTIVE_CONSUMPTION_SETPOINT, 5_000_000i64);
    let t = run(&mut evse, &mut d, secs(0), 3);
    assert!((4_990_000..=5_000_000).contains(&power(&d)));
    set_ec(&mut d, ec::EFFECTIVE_CONSUMPTION_SETPOINT, 8_000_000i64);
    set_limit(&mut d, 4_500_000);
    run(&mut evse, &mut d, t, 3);
    assert!((4_400_000..=4_500_000).contains(&power(&d)));
}

#[test]
fn per_phase_current_limits_and_setpoints_bind_every_phase() {
    let (mut evse, mut d) = setup();
    set_ec(
        &mut d,
        ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION,
        phase_map([16_000, 10_000, 16_000]),
    );
    let t = run(&mut evse, &mut d, secs(0), 3);
    assert_eq!(phases(&d, MS, ms::AC_CURRENT_PER_PHASE), [10_000; 3]);
    set_ec(
        &mut d,
        ec::EFFECTIVE_CURRENT_SETPOINTS_CONSUMPTION,
        phase_map([8_000; 3]),
    );
    run(&mut evse, &mut d, t, 3);
    assert_eq!(phases(&d, MS, ms::AC_CURRENT_PER_PHASE), [8_000; 3]);
}

#[test]
fn failsafe_applies_the_failsafe_limit_and_override_ignores_limits() {
    let (mut evse, mut d) = setup();
    set_ec(&mut d, ec::CONTROL_STATE, ControlState::Failsafe.value());
    let t = run(&mut evse, &mut d, secs(0), 3);
    assert!(
        (4_100_000..=4_200_000).contains(&power(&d)),
        "{}",
        power(&d)
    );
    set_ec(&mut d, ec::CONTROL_STATE, ControlState::Override.value());
    set_limit(&mut d, 3_700_000);
    run(&mut evse, &mut d, t, 3);
    assert!(power(&d) > 10_900_000);
}

#[test]
fn integrates_energy_and_raises_the_ev_soc() {
    let (mut evse, mut d) = setup();
    run(&mut evse, &mut d, secs(0), 3600);
    let consumed = int(&d, MS, ms::AC_ENERGY_CONSUMED);
    // ~11 kWh in one hour, less one tick (the first tick draws nothing).
    assert!((10_900_000..=11_000_000).contains(&consumed), "{consumed}");
    assert_eq!(int(&d, CS, cs::SESSION_ENERGY_CHARGED), consumed);
    // +10.9 kWh into 60 kWh ≈ +18 %.
    assert_eq!(int(&d, CS, cs::EV_STATE_OF_CHARGE), 38);
    assert_eq!(evse.ev_soc(), Some(38));
    // 80 % − 38 % of 60 kWh at ~11 kW ≈ 2.3 h.
    let eta = int(&d, CS, cs::ESTIMATED_TIME_TO_TARGET_SOC);
    assert!((8_000..=8_400).contains(&eta), "{eta}");
    assert!(int(&d, CS, cs::EV_TARGET_ENERGY_REQUEST) > 0);
}

#[test]
fn completes_the_session_at_the_target_soc() {
    let mut evse = Evse::new(&config()).with_ev(EvProfile {
        arrival_soc: 78,
        ..EvProfile::default()
    });
    let mut d = device(DeviceKind::Evse);
    run(&mut evse, &mut d, secs(0), 15 * 60);
    assert_eq!(state(&d), ChargingState::SessionComplete);
    assert_eq!(power(&d), 0);
    assert_eq!(operating(&d), OperatingState::Standby);
    assert_eq!(int(&d, CS, cs::EV_STATE_OF_CHARGE), 80);
    // 2 % of 60 kWh, give or take one tick.
    let charged = int(&d, CS, cs::SESSION_ENERGY_CHARGED);
    assert!((1_200_000..=1_205_000).contains(&charged), "{charged}");
}

#[test]
fn follows_the_plug_written_into_the_model() {
    let (mut evse, mut d) = setup();
    let t = run(&mut evse, &mut d, secs(0), 60);
    // Unplugged (EVUnplug trigger).
    d.set(APPLIANCE_ENDPOINT, CS, cs::STATE, 0u8).unwrap();
    let t = run(&mut evse, &mut d, t, 2);
    assert_eq!(power(&d), 0);
    assert_eq!(state(&d), ChargingState::NotPluggedIn);
    assert_eq!(get(&d, CS, cs::EV_STATE_OF_CHARGE), Value::Null);
    let first_session = int(&d, CS, cs::SESSION_ENERGY_CHARGED);
    assert!(first_session > 0);
    // Plugged in without demand (EVPlugIn): waits.
    d.set(APPLIANCE_ENDPOINT, CS, cs::STATE, 1u8).unwrap();
    let t = run(&mut evse, &mut d, t, 2);
    assert_eq!(power(&d), 0);
    assert_eq!(state(&d), ChargingState::PluggedInNoDemand);
    assert_eq!(int(&d, CS, cs::SESSION_ENERGY_CHARGED), 0);
    assert_eq!(int(&d, CS, cs::EV_STATE_OF_CHARGE), 20);
    // Requests charge (EVRequestCharge): charges.
    d.set(APPLIANCE_ENDPOINT, CS, cs::STATE, 2u8).unwrap();
    run(&mut evse, &mut d, t, 2);
    assert!(power(&d) > 10_000_000);
    assert_eq!(state(&d), ChargingState::PluggedInCharging);
}

#[test]
fn a_fault_stops_charging_and_stays_until_cleared() {
    let (mut evse, mut d) = setup();
    let t = run(&mut evse, &mut d, secs(0), 5);
    d.set(APPLIANCE_ENDPOINT, ST, st::OPERATING_STATE, 7u8)
        .unwrap();
    let t = run(&mut evse, &mut d, t, 5);
    assert_eq!(power(&d), 0);
    assert_eq!(operating(&d), OperatingState::Fault);
    d.set(APPLIANCE_ENDPOINT, ST, st::OPERATING_STATE, 4u8)
        .unwrap();
    run(&mut evse, &mut d, t, 2);
    assert!(power(&d) > 10_000_000);
}

#[test]
fn grid_readings_stay_plausible() {
    let (mut evse, mut d) = setup();
    let mut t = secs(0);
    for _ in 0..300 {
        t = run(&mut evse, &mut d, t, 1);
        for v in phases(&d, MS, ms::AC_VOLTAGE_PER_PHASE) {
            assert!((228_000..=232_000).contains(&v), "{v}");
        }
        let f = int(&d, MS, ms::AC_FREQUENCY);
        assert!((49_950..=50_050).contains(&f), "{f}");
        assert_eq!(int(&d, MS, ms::POWER_FACTOR), 995);
    }
}

#[test]
fn same_seed_same_readings() {
    let snapshot = |seed| {
        let mut evse = Evse::new(&SimConfig { seed, ..config() });
        let mut d = device(DeviceKind::Evse);
        run(&mut evse, &mut d, secs(0), 120);
        (
            phases(&d, MS, ms::AC_VOLTAGE_PER_PHASE),
            int(&d, MS, ms::AC_FREQUENCY),
            int(&d, MS, ms::AC_ENERGY_CONSUMED),
        )
    };
    assert_eq!(snapshot(5), snapshot(5));
    assert_ne!(snapshot(5).0, snapshot(6).0);
}

#[test]
fn ticks_at_the_configured_interval() {
    let mut evse = Evse::new(&SimConfig {
        interval: Duration::from_millis(250),
        ..config()
    });
    let mut d = device(DeviceKind::Evse);
    assert_eq!(evse.poll_timeout(), Some(secs(0)));
    evse.tick(&mut d, secs(1));
    assert_eq!(evse.poll_timeout(), Some(Instant::from_millis(1_250)));
    assert_eq!(evse.kind(), DeviceKind::Evse);
}
