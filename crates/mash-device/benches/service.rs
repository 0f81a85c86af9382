//! Service-level numbers over real TLS 1.3 on loopback
//! (`cargo bench -p mash-device --bench service`): how long from
//! "commission" to the first operational read, and the read round trip
//! (median and p99). Prints a table; asserts nothing.
#![allow(missing_docs)]

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use mash_controller::{Controller, ControllerConfig, TlsDialer};
use mash_core::commissioning::{Discriminator, SetupCode};
use mash_core::model::FeatureType;
use mash_core::model::features::measurement;
use mash_core::zone::ZoneType;
use mash_device::DeviceConfig;
use mash_device::models::DeviceKind;
use mash_transport::Target;

const COMMISSIONINGS: usize = 10;
const READS: usize = 2000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn row(name: &str, samples: &mut [Duration]) {
    samples.sort();
    println!(
        "| {name:<36} | {:>5} | {:>10.2?} | {:>10.2?} | {:>10.2?} |",
        samples.len(),
        percentile(samples, 0.5),
        percentile(samples, 0.99),
        samples.iter().copied().max().unwrap_or_default()
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let code = SetupCode::new(20202021).unwrap();
    let mut commission = Vec::new();
    let mut reads = Vec::new();
    for i in 0..COMMISSIONINGS {
        let mut config = DeviceConfig::new(
            DeviceKind::Evse,
            code,
            Discriminator::new(1234).unwrap(),
            dir.path().join(format!("dev{i}")),
        );
        config.listen = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0);
        let device = mash_device::start(config).await.unwrap();
        let target = Target::Addr(device.local_addr().unwrap());
        let config =
            ControllerConfig::new(dir.path().join(format!("ems{i}")), ZoneType::Local, "bench");
        let ems = Controller::open(config, TlsDialer::new().unwrap())
            .await
            .unwrap();

        let t0 = Instant::now();
        let dev = ems.commission(&target, code).await.unwrap().handle;
        dev.read(
            1,
            FeatureType::Measurement,
            &[measurement::attr::AC_ACTIVE_POWER],
        )
        .await
        .unwrap();
        commission.push(t0.elapsed());

        if i == 0 {
            for _ in 0..READS {
                let t = Instant::now();
                dev.read(
                    1,
                    FeatureType::Measurement,
                    &[measurement::attr::AC_ACTIVE_POWER],
                )
                .await
                .unwrap();
                reads.push(t.elapsed());
            }
        }
        ems.shutdown().await;
        device.shutdown().await;
    }
    println!(
        "| {:<36} | {:>5} | {:>10} | {:>10} | {:>10} |",
        "TLS 1.3 on loopback", "n", "median", "p99", "max"
    );
    println!(
        "|{:-<38}|{:-<7}|{:-<12}|{:-<12}|{:-<12}|",
        "", "", "", "", ""
    );
    row("commission → first operational read", &mut commission);
    row("read round trip (1 attribute)", &mut reads);
}
