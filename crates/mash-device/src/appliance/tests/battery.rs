use mash_core::cbor::Value;
use mash_core::model::Device;
use mash_core::model::FeatureType::{Measurement as MS, Status as ST};
use mash_core::model::features::energy_control::attr as ec;
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::{OperatingState, attr as st};

use super::*;
use crate::appliance::{Battery, SimConfig};

fn setup() -> (Battery, Device) {
    (
        Battery::new(&SimConfig::default()),
        device(DeviceKind::Battery),
    )
}

fn power(d: &Device) -> i64 {
    int(d, MS, ms::AC_ACTIVE_POWER)
}

fn soc(d: &Device) -> i64 {
    int(d, MS, ms::STATE_OF_CHARGE)
}

fn charge_at(d: &mut Device, mw: i64) {
    set_ec(d, ec::EFFECTIVE_CONSUMPTION_SETPOINT, mw);
}

fn discharge_at(d: &mut Device, mw: i64) {
    set_ec(d, ec::EFFECTIVE_PRODUCTION_SETPOINT, mw);
}

#[test]
fn idles_without_a_setpoint() {
    let (mut bat, mut d) = setup();
    run(&mut bat, &mut d, secs(0), 600);
    assert_eq!(power(&d), 0);
    assert_eq!(soc(&d), 50);
    assert_eq!(
        int(&d, ST, st::OPERATING_STATE),
        i64::from(OperatingState::Standby.value())
    );
}

#[test]
fn follows_a_charge_setpoint_and_fills_up() {
    let (mut bat, mut d) = setup();
    charge_at(&mut d, 3_000_000);
    run(&mut bat, &mut d, secs(0), 3600);
    let p = power(&d);
    assert!((2_990_000..=3_000_000).contains(&p), "{p}");
    assert_eq!(int(&d, MS, ms::DC_POWER), p);
    assert!(int(&d, MS, ms::DC_CURRENT) > 0);
    // 5 kWh + ~3 kWh of 10 kWh.
    assert_eq!(soc(&d), 79);
    let soe = int(&d, MS, ms::STATE_OF_ENERGY);
    assert!((7_990_000..=8_000_000).contains(&soe), "{soe}");
    let charged = int(&d, MS, ms::AC_ENERGY_CONSUMED);
    assert!((2_990_000..=3_000_000).contains(&charged), "{charged}");
    assert_eq!(int(&d, MS, ms::DC_ENERGY_IN), charged);
    assert_eq!(int(&d, MS, ms::AC_ENERGY_PRODUCED), 0);
    assert_eq!(
        int(&d, ST, st::OPERATING_STATE),
        i64::from(OperatingState::Running.value())
    );
}

#[test]
fn follows_a_discharge_setpoint_with_negative_power() {
    let (mut bat, mut d) = setup();
    discharge_at(&mut d, 2_000_000);
    run(&mut bat, &mut d, secs(0), 1800);
    let p = power(&d);
    assert!((-2_000_000..=-1_990_000).contains(&p), "{p}");
    assert!(
        phases(&d, MS, ms::AC_CURRENT_PER_PHASE)
            .iter()
            .all(|i| *i < 0)
    );
    assert!(int(&d, MS, ms::POWER_FACTOR) < 0);
    assert!(int(&d, MS, ms::DC_CURRENT) < 0);
    // 5 kWh − ~1 kWh.
    assert_eq!(soc(&d), 40);
    let produced = int(&d, MS, ms::AC_ENERGY_PRODUCED);
    assert!((995_000..=1_000_000).contains(&produced), "{produced}");
    assert_eq!(int(&d, MS, ms::DC_ENERGY_OUT), produced);
}

#[test]
fn setpoints_are_clamped_to_the_nameplate() {
    let (mut bat, mut d) = setup();
    charge_at(&mut d, 8_000_000);
    let t = run(&mut bat, &mut d, secs(0), 3);
    assert!((4_950_000..=5_000_000).contains(&power(&d)));
    set_ec(&mut d, ec::EFFECTIVE_CONSUMPTION_SETPOINT, Value::Null);
    discharge_at(&mut d, 8_000_000);
    run(&mut bat, &mut d, t, 3);
    assert!((-5_000_000..=-4_950_000).contains(&power(&d)));
}

#[test]
fn limits_clamp_each_direction() {
    let (mut bat, mut d) = setup();
    charge_at(&mut d, 5_000_000);
    set_limit(&mut d, 2_000_000);
    let t = run(&mut bat, &mut d, secs(0), 3);
    assert!(
        (1_990_000..=2_000_000).contains(&power(&d)),
        "{}",
        power(&d)
    );
    set_ec(&mut d, ec::EFFECTIVE_CONSUMPTION_SETPOINT, Value::Null);
    discharge_at(&mut d, 4_000_000);
    set_ec(&mut d, ec::EFFECTIVE_PRODUCTION_LIMIT, 1_000_000i64);
    let t = run(&mut bat, &mut d, t, 3);
    assert!(
        (-1_000_000..=-990_000).contains(&power(&d)),
        "{}",
        power(&d)
    );
    // A zero production limit stops feed-in.
    set_ec(&mut d, ec::EFFECTIVE_PRODUCTION_LIMIT, 0i64);
    run(&mut bat, &mut d, t, 2);
    assert_eq!(power(&d), 0);
}

#[test]
fn stops_charging_at_100_percent() {
    let (mut bat, mut d) = setup();
    // Start at 95 % (a SetSoC-like write is adopted).
    d.set(APPLIANCE_ENDPOINT, MS, ms::STATE_OF_CHARGE, 95u8)
        .unwrap();
    charge_at(&mut d, 5_000_000);
    let t = run(&mut bat, &mut d, secs(0), 7 * 60);
    assert_eq!(soc(&d), 100);
    assert_eq!(power(&d), 0);
    assert_eq!(int(&d, MS, ms::STATE_OF_ENERGY), 10_000_000);
    run(&mut bat, &mut d, t, 600);
    assert_eq!(power(&d), 0);
    assert_eq!(soc(&d), 100);
    let charged = int(&d, MS, ms::AC_ENERGY_CONSUMED);
    // 0.5 kWh plus at most one tick's overshoot at 5 kW.
    assert!((500_000..=501_400).contains(&charged), "{charged}");
}

#[test]
fn stops_discharging_at_0_percent() {
    let (mut bat, mut d) = setup();
    d.set(APPLIANCE_ENDPOINT, MS, ms::STATE_OF_CHARGE, 2u8)
        .unwrap();
    discharge_at(&mut d, 5_000_000);
    run(&mut bat, &mut d, secs(0), 5 * 60);
    assert_eq!(soc(&d), 0);
    assert_eq!(power(&d), 0);
}

#[test]
fn adopts_a_soc_written_by_someone_else() {
    let (mut bat, mut d) = setup();
    charge_at(&mut d, 5_000_000);
    let t = run(&mut bat, &mut d, secs(0), 10);
    assert!(power(&d) > 0);
    // SetSoC100 trigger.
    d.set(APPLIANCE_ENDPOINT, MS, ms::STATE_OF_CHARGE, 100u8)
        .unwrap();
    run(&mut bat, &mut d, t, 2);
    assert_eq!(power(&d), 0);
    assert_eq!(int(&d, MS, ms::STATE_OF_ENERGY), 10_000_000);
}

#[test]
fn per_phase_currents_set_and_cap_the_power() {
    let (mut bat, mut d) = setup();
    set_ec(
        &mut d,
        ec::EFFECTIVE_CURRENT_SETPOINTS_CONSUMPTION,
        phase_map([4_000; 3]),
    );
    let t = run(&mut bat, &mut d, secs(0), 3);
    assert_eq!(phases(&d, MS, ms::AC_CURRENT_PER_PHASE), [4_000; 3]);
    // ≈ 3 × 4 A × 230 V.
    assert!((2_740_000..=2_780_000).contains(&power(&d)));
    charge_at(&mut d, 5_000_000);
    set_ec(
        &mut d,
        ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION,
        phase_map([5_000, 7_000, 7_000]),
    );
    run(&mut bat, &mut d, t, 3);
    assert_eq!(phases(&d, MS, ms::AC_CURRENT_PER_PHASE), [5_000; 3]);
}

#[test]
fn autonomous_power_applies_only_without_setpoints() {
    let mut bat = Battery::new(&SimConfig::default()).with_autonomous_power(-1_500_000);
    let mut d = device(DeviceKind::Battery);
    let t = run(&mut bat, &mut d, secs(0), 3);
    assert!((-1_500_000..=-1_490_000).contains(&power(&d)));
    charge_at(&mut d, 1_000_000);
    run(&mut bat, &mut d, t, 3);
    assert!(power(&d) > 0);
}

#[test]
fn cycle_count_counts_discharged_capacities() {
    let (mut bat, mut d) = setup();
    d.set(APPLIANCE_ENDPOINT, MS, ms::DC_ENERGY_OUT, 25_000_000u64)
        .unwrap();
    run(&mut bat, &mut d, secs(0), 2);
    assert_eq!(int(&d, MS, ms::CYCLE_COUNT), 2);
}
