use mash_core::model::Device;
use mash_core::model::FeatureType::{EnergyControl as EC, Measurement as MS, Status as ST};
use mash_core::model::features::energy_control::{ProcessState, attr as ec};
use mash_core::model::features::measurement::attr as ms;
use mash_core::model::features::status::{OperatingState, attr as st};

use super::*;
use crate::appliance::{HeatDemand, HeatPump, SimConfig};

fn setup(demand: HeatDemand) -> (HeatPump, Device) {
    (
        HeatPump::new(&SimConfig::default()).with_demand(demand),
        device(DeviceKind::HeatPump),
    )
}

fn power(d: &Device) -> i64 {
    int(d, MS, ms::AC_ACTIVE_POWER)
}

fn process(d: &Device) -> ProcessState {
    ProcessState::from_value(int(d, EC, ec::PROCESS_STATE) as u8)
}

fn operating(d: &Device) -> OperatingState {
    OperatingState::from_value(int(d, ST, st::OPERATING_STATE) as u8)
}

#[test]
fn runs_at_its_demand_on_one_phase() {
    let (mut hp, mut d) = setup(HeatDemand::Constant(3_000_000));
    run(&mut hp, &mut d, secs(0), 5);
    let p = power(&d);
    assert!((2_990_000..=3_000_000).contains(&p), "{p}");
    let [a, b, c] = phases(&d, MS, ms::AC_CURRENT_PER_PHASE);
    assert!((12_900..=13_100).contains(&a), "{a}");
    assert_eq!((b, c), (0, 0));
    assert_eq!(process(&d), ProcessState::Running);
    assert_eq!(operating(&d), OperatingState::Running);
}

#[test]
fn demand_above_the_nameplate_is_capped() {
    let (mut hp, mut d) = setup(HeatDemand::Constant(9_000_000));
    run(&mut hp, &mut d, secs(0), 3);
    assert!((3_950_000..=4_000_000).contains(&power(&d)));
}

#[test]
fn modulates_down_to_a_limit() {
    let (mut hp, mut d) = setup(HeatDemand::Constant(3_500_000));
    set_limit(&mut d, 2_000_000);
    run(&mut hp, &mut d, secs(0), 3);
    let p = power(&d);
    assert!((1_990_000..=2_000_000).contains(&p), "{p}");
    assert_eq!(process(&d), ProcessState::Running);
}

#[test]
fn a_limit_below_the_lowest_speed_switches_it_off() {
    for limit in [0, 1_000_000] {
        let (mut hp, mut d) = setup(HeatDemand::Constant(3_000_000));
        set_limit(&mut d, limit);
        run(&mut hp, &mut d, secs(0), 3);
        assert_eq!(power(&d), 0, "limit {limit}");
        assert_eq!(process(&d), ProcessState::Available);
        assert_eq!(operating(&d), OperatingState::Standby);
    }
}

#[test]
fn pause_stops_it_and_resume_restarts_it() {
    let (mut hp, mut d) = setup(HeatDemand::Constant(3_000_000));
    let t = run(&mut hp, &mut d, secs(0), 5);
    // What EnergyControl's Pause command writes.
    set_ec(&mut d, ec::PROCESS_STATE, ProcessState::Paused.value());
    let t = run(&mut hp, &mut d, t, 60);
    assert_eq!(power(&d), 0);
    assert_eq!(process(&d), ProcessState::Paused);
    assert_eq!(operating(&d), OperatingState::Paused);
    let paused_energy = int(&d, MS, ms::AC_ENERGY_CONSUMED);
    let t = run(&mut hp, &mut d, t, 60);
    assert_eq!(int(&d, MS, ms::AC_ENERGY_CONSUMED), paused_energy);
    // Resume.
    set_ec(&mut d, ec::PROCESS_STATE, ProcessState::Running.value());
    run(&mut hp, &mut d, t, 2);
    assert!(power(&d) > 2_900_000);
    assert_eq!(operating(&d), OperatingState::Running);
}

#[test]
fn no_demand_means_off_without_a_process() {
    let (mut hp, mut d) = setup(HeatDemand::Constant(500_000));
    run(&mut hp, &mut d, secs(0), 3);
    assert_eq!(power(&d), 0);
    assert_eq!(process(&d), ProcessState::None);
}

#[test]
fn integrates_energy() {
    let (mut hp, mut d) = setup(HeatDemand::Constant(2_000_000));
    run(&mut hp, &mut d, secs(0), 1800);
    let e = int(&d, MS, ms::AC_ENERGY_CONSUMED);
    // 2 kW for half an hour.
    assert!((995_000..=1_000_000).contains(&e), "{e}");
}

#[test]
fn the_default_profile_modulates_and_cycles_within_the_nameplate() {
    let mut hp = HeatPump::new(&SimConfig::default());
    let mut d = device(DeviceKind::HeatPump);
    let (mut t, mut seen) = (secs(0), Vec::new());
    for _ in 0..(2 * 3600 / 60) {
        t = run(&mut hp, &mut d, t, 60);
        seen.push(power(&d));
    }
    assert!(seen.iter().all(|p| (0..=4_000_000).contains(p)));
    assert!(seen.contains(&0), "cycles off at low demand");
    assert!(seen.iter().any(|p| *p > 3_500_000), "reaches high speed");
    assert!(
        seen.iter()
            .filter(|p| (1_200_000..3_000_000).contains(*p))
            .count()
            > 10
    );
}

#[test]
fn flow_temperature_rises_while_running() {
    let (mut hp, mut d) = setup(HeatDemand::Constant(4_000_000));
    let t = run(&mut hp, &mut d, secs(0), 1);
    let start = int(&d, MS, ms::TEMPERATURE);
    run(&mut hp, &mut d, t, 300);
    assert!(int(&d, MS, ms::TEMPERATURE) > start + 1_000);
}
