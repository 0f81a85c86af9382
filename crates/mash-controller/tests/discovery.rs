//! Discovery configuration errors, without a network. Discovery over real
//! multicast is tested end to end in `mash-cli/tests/netns_discovery.rs`.

use std::time::Duration;

use mash_controller::{Controller, ControllerConfig, DiscoveryConfig, Error, Misuse, TlsDialer};
use mash_core::commissioning::{Discriminator, SetupCode};
use mash_core::zone::ZoneType;

fn config(dir: &std::path::Path) -> ControllerConfig {
    ControllerConfig::new(dir, ZoneType::Local, "Home EMS")
}

#[tokio::test]
async fn commissioning_by_discriminator_needs_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let c = Controller::open(config(dir.path()), TlsDialer::new().unwrap())
        .await
        .unwrap();
    let d = Discriminator::new(1234).unwrap();
    let code = SetupCode::parse("20202021").unwrap();
    let err = c
        .commission_discovered(d, code, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Misuse(Misuse::DiscoveryDisabled)),
        "{err}"
    );
    let err = c
        .commission_qr_discovered("MASH:1:1234", Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Misuse(Misuse::InvalidQr(_))), "{err}");
    c.shutdown().await;
}

#[tokio::test]
async fn an_unusable_interface_list_fails_the_open() {
    let dir = tempfile::tempdir().unwrap();
    let cfg =
        config(dir.path()).with_discovery(DiscoveryConfig::on_interfaces(Vec::<String>::new()));
    let err = Controller::open(cfg, TlsDialer::new().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Discovery(_)), "{err}");
    assert!(err.to_string().starts_with("mdns discovery: "), "{err}");
}
