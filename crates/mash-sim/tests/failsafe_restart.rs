//! Failsafe across a device restart (failsafe-timing.md §4.2,
//! "persistent"): the remaining failsafe time survives a power cycle.

use std::time::Duration;

use mash_core::commissioning::SetupCode;
use mash_core::energy::failsafe::State;
use mash_core::model::FeatureType;
use mash_core::model::features::energy_control::{ControlState, attr as ec};
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_sim::{House, Isolation, SimDevice};

async fn control_state(device: &SimDevice) -> (ControlState, Option<i64>) {
    device
        .handle
        .inspect(|core| {
            let d = core.device();
            let state = d
                .get(1, FeatureType::EnergyControl, ec::CONTROL_STATE)
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            let limit = d
                .get(
                    1,
                    FeatureType::EnergyControl,
                    ec::EFFECTIVE_CONSUMPTION_LIMIT,
                )
                .and_then(|v| v.as_i64());
            (ControlState::from_value(state as u8), limit)
        })
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_remaining_failsafe_time_survives_a_restart() {
    let mut house = House::new().unwrap();
    let config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 77)
        .unwrap();
    let charger = house.add_device(config).unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    ems.commission(&charger.target(), SetupCode::new(20202021).unwrap())
        .await
        .unwrap();
    assert_eq!(control_state(&charger).await.0, ControlState::Controlled);

    // The EMS vanishes: FAILSAFE with the failsafe limit, at once.
    house.net.isolate("ems", Some(Isolation::Cut));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        control_state(&charger).await,
        (ControlState::Failsafe, Some(4_200_000))
    );

    // One hour in, the device loses power and comes back.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let charger = house.restart_device(&charger).await.unwrap();
    assert_eq!(
        control_state(&charger).await,
        (ControlState::Failsafe, Some(4_200_000))
    );
    let remaining = charger
        .handle
        .inspect(|core| match core.energy().failsafe().state() {
            State::Active { deadline, .. } => Some(deadline),
            _ => None,
        })
        .await
        .flatten()
        .unwrap();
    // About one hour left of the two (the restart itself takes no time here).
    assert!(
        (3_500_000..=3_600_100).contains(&remaining.as_millis()),
        "{remaining:?}"
    );

    // It ends on the original schedule, not two hours after the restart.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(control_state(&charger).await.0, ControlState::Autonomous);
    assert_eq!(control_state(&charger).await.1, None);
}
