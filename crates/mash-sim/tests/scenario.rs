//! The multi-controller scenario (mission/multi-controller-scenario.md)
//! on the simulated network and clock: one EV charger, the grid
//! operator's SMGW (GRID) and the home EMS (LOCAL), running their real
//! service code. Hours of simulated time take milliseconds.

use std::time::Duration;

use mash_controller::{Error, SetLimit, SubscriptionEvent};
use mash_core::cbor::Value;
use mash_core::interaction::SubscribePayload;
use mash_core::model::FeatureType;
use mash_core::model::features::energy_control::{ControlState, LimitCause, attr as ec};
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_sim::{House, Isolation, SimController, SimDevice};
use mash_transport::Target;

const EP: u8 = 1;
const KW: i64 = 1_000_000;

struct Scene {
    house: House,
    charger: SimDevice,
    ems: SimController,
    smgw: SimController,
}

async fn scene() -> Scene {
    scene_with(2).await
}

async fn scene_with(max_zones: u8) -> Scene {
    let mut house = House::new().unwrap();
    let mut config = house
        .device_config("charger", DeviceKind::Evse, 20202021, 1234)
        .unwrap();
    config.max_zones = max_zones;
    let charger = house.add_device(config).unwrap();
    let ems = house
        .add_controller(house.controller_config("ems", ZoneType::Local))
        .await
        .unwrap();
    let smgw = house
        .add_controller(house.controller_config("smgw", ZoneType::Grid))
        .await
        .unwrap();
    Scene {
        house,
        charger,
        ems,
        smgw,
    }
}

impl Scene {
    fn target(&self) -> Target {
        Target::Addr(self.charger.addr)
    }

    /// The EMS commissions directly; the SMGW later, as delegated
    /// commissioning would have it do, when the window is opened again.
    async fn commission_both(
        &self,
    ) -> (mash_controller::DeviceHandle, mash_controller::DeviceHandle) {
        let code = mash_core::commissioning::SetupCode::new(20202021).unwrap();
        let ems = self.ems.commission(&self.target(), code).await.unwrap();
        self.charger.handle.open_window(None).await;
        let smgw = self.smgw.commission(&self.target(), code).await.unwrap();
        (ems.handle, smgw.handle)
    }

    async fn control_state(&self, h: &mash_controller::DeviceHandle) -> ControlState {
        h.energy_status(EP).await.unwrap().control_state
    }
}

fn limit(kw: f64, cause: LimitCause, duration: Option<Duration>) -> SetLimit {
    SetLimit {
        consumption: Some((kw * KW as f64) as i64),
        production: None,
        duration,
        cause,
    }
}

#[tokio::test(start_paused = true)]
async fn a_grid_emergency_overrides_the_ems_for_thirty_minutes() {
    let s = scene().await;
    let (ems, smgw) = s.commission_both().await;
    assert_eq!(s.charger.handle.snapshot().zones.len(), 2);

    let r = ems
        .set_limit(EP, limit(11.0, LimitCause::LocalOptimization, None))
        .await
        .unwrap();
    assert!(r.applied);
    let attrs = [ec::EFFECTIVE_CONSUMPTION_LIMIT];
    // A heartbeat every hour at most, so the reports below are changes.
    let payload = SubscribePayload {
        attributes: attrs.to_vec(),
        min_interval: Duration::from_secs(1),
        max_interval: Duration::from_secs(3600),
    };
    let mut sub = ems
        .subscribe(EP, FeatureType::EnergyControl, payload)
        .await
        .unwrap();
    assert_eq!(
        sub.priming()
            .get_uint(ec::EFFECTIVE_CONSUMPTION_LIMIT.into()),
        Some(&Value::Uint(11_000_000))
    );

    let r = smgw
        .set_limit(
            EP,
            limit(
                3.7,
                LimitCause::GridEmergency,
                Some(Duration::from_secs(1800)),
            ),
        )
        .await
        .unwrap();
    assert!(r.applied);
    assert_eq!(r.effective_consumption, Some(3_700_000));

    // The EMS is told, and sees who limits it, why and for how long.
    let SubscriptionEvent::Report(report) = sub.next().await.unwrap() else {
        panic!("expected a report")
    };
    assert_eq!(
        report.get_uint(ec::EFFECTIVE_CONSUMPTION_LIMIT.into()),
        Some(&Value::Uint(3_700_000))
    );
    let status = ems.energy_status(EP).await.unwrap();
    assert_eq!(status.control_state, ControlState::Limited);
    assert_eq!(status.my_consumption_limit, Some(11_000_000));
    let now = s.ems.now();
    assert_eq!(
        status.display(now).to_string(),
        "Limited to 3.7 kW — grid operator (GRID_EMERGENCY) — 30 min left"
    );

    // Thirty minutes later the grid limit ends by itself.
    tokio::time::sleep(Duration::from_secs(1800)).await;
    let SubscriptionEvent::Report(report) = sub.next().await.unwrap() else {
        panic!("expected a report")
    };
    assert_eq!(
        report.get_uint(ec::EFFECTIVE_CONSUMPTION_LIMIT.into()),
        Some(&Value::Uint(11_000_000))
    );
    let status = ems.energy_status(EP).await.unwrap();
    assert_eq!(status.effective_consumption_limit, Some(11_000_000));
    assert!(
        status.display(s.ems.now()).to_string().contains("own"),
        "{}",
        status.display(s.ems.now())
    );
}

#[tokio::test(start_paused = true)]
async fn losing_the_smgw_enters_failsafe_until_the_failsafe_duration_ends() {
    let s = scene().await;
    let (ems, _smgw) = s.commission_both().await;
    ems.set_limit(EP, limit(11.0, LimitCause::LocalOptimization, None))
        .await
        .unwrap();
    assert_eq!(s.control_state(&ems).await, ControlState::Limited);

    // The SMGW disappears (its connection is cut and it cannot redial).
    s.house.net.isolate("smgw", Some(Isolation::Cut));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = ems.energy_status(EP).await.unwrap();
    assert_eq!(
        status.control_state,
        ControlState::Failsafe,
        "within 1 s of the loss"
    );
    // The EVSE's failsafe limit (4.2 kW, §14a) now binds.
    assert_eq!(status.effective_consumption_limit, Some(4_200_000));
    assert!(
        status.display(s.ems.now()).to_string().contains("failsafe"),
        "{}",
        status.display(s.ems.now())
    );

    // failsafeDuration is 2 h: after it the device is AUTONOMOUS towards
    // the grid and only the EMS's limit is left.
    tokio::time::sleep(Duration::from_secs(2 * 3600)).await;
    let status = ems.energy_status(EP).await.unwrap();
    assert_eq!(status.control_state, ControlState::Limited);
    assert_eq!(status.effective_consumption_limit, Some(11_000_000));
}

#[tokio::test(start_paused = true)]
async fn a_partitioned_smgw_is_detected_by_keep_alive_and_reconnection_wins() {
    let s = scene().await;
    let (ems, smgw) = s.commission_both().await;
    smgw.set_limit(EP, limit(6.0, LimitCause::GridOptimization, None))
        .await
        .unwrap();
    s.house.net.isolate("smgw", Some(Isolation::Partition));
    // Nothing closes: the device notices through missing pongs (≤ 95 s).
    tokio::time::sleep(Duration::from_secs(100)).await;
    assert_eq!(s.control_state(&ems).await, ControlState::Failsafe);
    // The SMGW comes back within the failsafe duration: its limit applies again.
    s.house.net.isolate("smgw", None);
    smgw.wait_connected(Duration::from_secs(120)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = ems.energy_status(EP).await.unwrap();
    assert_eq!(status.control_state, ControlState::Limited);
    assert_eq!(status.effective_consumption_limit, Some(6_000_000));
}

#[tokio::test(start_paused = true)]
async fn setpoints_follow_the_grid_and_removing_it_restores_the_ems() {
    let s = scene().await;
    let (ems, smgw) = s.commission_both().await;
    let sp = |kw: i64| mash_controller::SetSetpoint {
        consumption: Some(kw * KW),
        production: None,
        duration: None,
        cause: mash_core::model::features::energy_control::SetpointCause::GridRequest,
    };
    ems.set_setpoint(EP, sp(7)).await.unwrap();
    smgw.set_setpoint(EP, sp(3)).await.unwrap();
    assert_eq!(
        ems.energy_status(EP)
            .await
            .unwrap()
            .effective_consumption_setpoint,
        Some(3 * KW)
    );
    // Per-phase currents stack per phase.
    use mash_core::model::features::shared::Phase;
    let phases = |a, b, c| mash_controller::SetCurrentLimits {
        phases: vec![(Phase::A, a), (Phase::B, b), (Phase::C, c)],
        direction: mash_core::model::features::shared::Direction::Consumption,
        duration: None,
        cause: LimitCause::GridOptimization,
    };
    smgw.set_current_limits(EP, &phases(20_000, 20_000, 20_000))
        .await
        .unwrap();
    ems.set_current_limits(EP, &phases(16_000, 10_000, 16_000))
        .await
        .unwrap();
    let eff = ems
        .read(
            EP,
            FeatureType::EnergyControl,
            &[ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION],
        )
        .await
        .unwrap();
    let m = eff
        .get_uint(ec::EFFECTIVE_CURRENT_LIMITS_CONSUMPTION.into())
        .unwrap()
        .as_map()
        .unwrap()
        .clone();
    assert_eq!(
        (m.get_uint(0), m.get_uint(1), m.get_uint(2)),
        (
            Some(&Value::Uint(16_000)),
            Some(&Value::Uint(10_000)),
            Some(&Value::Uint(16_000))
        )
    );

    // The grid operator leaves: the EMS's values are what counts.
    smgw.remove_zone().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(s.charger.handle.snapshot().zones.len(), 1);
    let status = ems.energy_status(EP).await.unwrap();
    assert_eq!(status.effective_consumption_setpoint, Some(7 * KW));
    assert_eq!(status.control_state, ControlState::Limited);
}

#[tokio::test(start_paused = true)]
async fn a_second_grid_zone_is_refused() {
    // With a free slot, the zone type decides: ZONE_TYPE_EXISTS.
    let s = scene_with(3).await;
    s.commission_both().await;
    let other = s
        .house
        .add_controller(s.house.controller_config("smgw-2", ZoneType::Grid))
        .await
        .unwrap();
    s.charger.handle.open_window(None).await;
    let code = mash_core::commissioning::SetupCode::new(20202021).unwrap();
    let err = other.commission(&s.target(), code).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Commission(mash_controller::CommissionError::ZoneTypeExists { .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        s.charger.handle.snapshot().zones.len(),
        2,
        "the existing zones are untouched"
    );

    // With the default two slots taken, the device is busy before PASE.
    let s = scene().await;
    s.commission_both().await;
    let other = s
        .house
        .add_controller(s.house.controller_config("smgw-2", ZoneType::Grid))
        .await
        .unwrap();
    s.charger.handle.open_window(None).await;
    let err = other.commission(&s.target(), code).await.unwrap_err();
    let Error::Commission(mash_controller::CommissionError::Busy { message, .. }) = err else {
        panic!("{err:?}")
    };
    assert_eq!(message, "zone slots full (2/2)");
}
