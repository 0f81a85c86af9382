//! `mash controller watch`, and the same lines for `serve`: stay
//! connected to the zone's devices and print a status line whenever
//! control changes.

use std::time::Duration;

use mash_controller::{Controller, DeviceHandle, TlsDialer};
use mash_core::interaction::SubscribePayload;
use mash_core::model::FeatureType;

use crate::output::Output;

/// `watch`: one task per device until Ctrl-C.
pub async fn run(c: &Controller<TlsDialer>, endpoint: u8, out: Output) -> Result<(), String> {
    let devices = c.devices();
    if devices.is_empty() {
        return Err("no device commissioned yet (mash controller commission ...)".into());
    }
    let mut tasks = tokio::task::JoinSet::new();
    for record in devices {
        let handle = c.connect(record.device_id).map_err(|e| e.to_string())?;
        tasks.spawn(follow(c.clone(), handle, endpoint, out));
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { while tasks.join_next().await.is_some() {} } => {}
    }
    Ok(())
}

/// Prints `<device>: <status> [<controlState>]` whenever EnergyControl
/// or its LimitSource reports a change, until the session ends.
pub async fn follow(clock: Controller<TlsDialer>, handle: DeviceHandle, endpoint: u8, out: Output) {
    let id = handle.device_id();
    if let Err(e) = handle.wait_connected(Duration::from_secs(30)).await {
        out.banner(&format!("{id}: {e}"), &[]);
        return;
    }
    let payload = SubscribePayload {
        min_interval: Duration::from_millis(500),
        ..Default::default()
    };
    let Ok(mut ec) = handle
        .subscribe(endpoint, FeatureType::EnergyControl, payload.clone())
        .await
    else {
        return;
    };
    let Ok(mut ls) = handle
        .subscribe(endpoint, FeatureType::LimitSource, payload)
        .await
    else {
        return;
    };
    let mut last = String::new();
    loop {
        if let Ok(status) = handle.energy_status(endpoint).await {
            let line = format!(
                "{id}: {} [{:?}]",
                status.display(clock.now()),
                status.control_state
            );
            if line != last {
                out.event(&line);
                last = line;
            }
        }
        tokio::select! {
            e = ec.next() => if e.is_none() { break },
            e = ls.next() => if e.is_none() { break },
        }
    }
}
