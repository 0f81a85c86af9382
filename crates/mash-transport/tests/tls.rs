//! TLS over real loopback: ALPN routing, the device's and the controller's
//! certificate checks (INTEROP.md §3.2-§3.4).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Ca, DEVICE_A, DEVICE_B, Device, Leaf, ZONE_A, ZONE_B, zone_ca};
use mash_transport::{
    CommissioningClientConfig, DialOptions, Error, Identity, Incoming, Target, dial_commissioning,
    dial_operational,
};
use rustls::{AlertDescription, CertificateError};
use time::OffsetDateTime;

async fn dial_op(
    device: &Device,
    ca: &Ca,
    id: &Identity,
    device_id: &str,
) -> Result<mash_transport::ClientConn, Error> {
    dial_operational(
        &Target::from(device.addr),
        &ca.client_config(id),
        device_id,
        &DialOptions::default(),
    )
    .await
}

/// TLS 1.3 lets the client finish before the server has checked the
/// client certificate: the device's refusal arrives as a fatal alert on the
/// first read (tls-profile.md §11.1 names the alerts).
async fn assert_refused_by_device(
    result: Result<mash_transport::ClientConn, Error>,
    alert: AlertDescription,
) {
    let read = match result {
        Ok(mut conn) => tokio::time::timeout(Duration::from_secs(5), conn.stream.read_frame())
            .await
            .unwrap(),
        Err(e) => Err(e),
    };
    match read {
        Err(Error::Tls(rustls::Error::AlertReceived(a))) => assert_eq!(a, alert),
        other => panic!("expected alert {alert:?}, got {other:?}"),
    }
}

/// The next accepted connection must be an operational one for `cn`: the
/// refused attempt before it never reached the service.
async fn assert_next_is(device: &mut Device, cn: &str) -> Vec<mash_core::ids::ZoneId> {
    match device.accept().await {
        Incoming::Operational(op) => {
            assert_eq!(op.peer.common_name.as_deref(), Some(cn));
            op.zones
        }
        Incoming::Commissioning(_) => panic!("unexpected commissioning connection"),
    }
}

#[tokio::test]
async fn commissioning_alpn_is_accepted_only_while_the_window_is_open() {
    let mut device = Device::loopback().await;
    let client = CommissioningClientConfig::new().unwrap();
    let target = Target::from(device.addr);

    let refused = dial_commissioning(&target, &client, &DialOptions::default()).await;
    assert!(
        matches!(
            refused,
            Err(Error::Tls(rustls::Error::AlertReceived(
                AlertDescription::AccessDenied
            )))
        ),
        "{refused:?}"
    );

    device.open_commissioning(1234);
    let mut conn = dial_commissioning(&target, &client, &DialOptions::default())
        .await
        .unwrap();
    assert_eq!(conn.peer.common_name.as_deref(), Some("MASH-1234"));
    let Incoming::Commissioning(mut comm) = device.accept().await else {
        panic!("not commissioning")
    };
    conn.stream.write_frame(b"\xa1\x01\x01").await.unwrap();
    assert_eq!(
        comm.stream.read_frame().await.unwrap().unwrap(),
        b"\xa1\x01\x01"
    );
    comm.stream.write_frame(b"\xa1\x01\x02").await.unwrap();
    assert_eq!(
        conn.stream.read_frame().await.unwrap().unwrap(),
        b"\xa1\x01\x02"
    );
    assert!(!comm.guard.is_operational());

    device.policy.set_commissioning(None);
    let refused = dial_commissioning(&target, &client, &DialOptions::default()).await;
    assert!(matches!(refused, Err(Error::Tls(_))), "{refused:?}");
}

#[tokio::test]
async fn commissioning_wins_when_offered_next_to_mash1() {
    let mut device = Device::loopback().await;
    device.open_commissioning(7);
    let mut cfg = (**CommissioningClientConfig::new().unwrap().rustls()).clone();
    cfg.alpn_protocols = vec![b"mash/1".to_vec(), b"mash-comm/1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(device.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("x").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"mash-comm/1"[..]));
    assert!(matches!(device.accept().await, Incoming::Commissioning(_)));
}

#[tokio::test]
async fn operational_path_needs_a_zone_and_a_mash_alpn() {
    let device = Device::loopback().await;
    let ca = zone_ca("LOCAL", ZONE_A);
    let ctrl = ca.controller();
    // No zone yet: refused on the ClientHello.
    let r = dial_op(&device, &ca, &ctrl, DEVICE_A).await;
    assert!(
        matches!(
            r,
            Err(Error::Tls(rustls::Error::AlertReceived(
                AlertDescription::AccessDenied
            )))
        ),
        "{r:?}"
    );

    device.set_zones(&[(&ca, DEVICE_A)]);
    // A client without a certificate is refused (client auth is required).
    let mut cfg = (**CommissioningClientConfig::new().unwrap().rustls()).clone();
    cfg.alpn_protocols = vec![b"mash/1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(device.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from(DEVICE_A).unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await
        .unwrap();
    let mut framed = mash_transport::FramedStream::new(&mut tls);
    let read = framed.read_frame().await;
    assert!(
        matches!(
            read,
            Err(Error::Tls(rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
            )))
        ),
        "{read:?}"
    );

    // A client offering no MASH protocol is refused too.
    let mut cfg = (**ca.client_config(&ctrl).rustls()).clone();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(device.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from(DEVICE_A).unwrap();
    let r = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await;
    let alert = r
        .unwrap_err()
        .into_inner()
        .and_then(|e| e.downcast::<rustls::Error>().ok())
        .map(|e| *e);
    assert_eq!(
        alert,
        Some(rustls::Error::AlertReceived(
            AlertDescription::NoApplicationProtocol
        ))
    );
}

#[tokio::test]
async fn operational_client_from_a_zone_ca_is_accepted_and_its_zone_found_by_aki() {
    let mut device = Device::loopback().await;
    let (a, b) = (zone_ca("GRID", ZONE_A), zone_ca("LOCAL", ZONE_B));
    device.set_zones(&[(&a, DEVICE_A), (&b, DEVICE_B)]);

    // Each controller gets the device certificate of its own zone (SNI).
    let conn = dial_op(&device, &b, &b.controller(), DEVICE_B)
        .await
        .unwrap();
    assert_eq!(conn.peer.common_name.as_deref(), Some(DEVICE_B));
    assert_eq!(
        assert_next_is(&mut device, &format!("controller-{ZONE_B}")).await,
        [b.zone_id]
    );

    let conn = dial_op(&device, &a, &a.controller(), DEVICE_A)
        .await
        .unwrap();
    assert_eq!(conn.peer.dns_names, [DEVICE_A]);
    assert_eq!(
        assert_next_is(&mut device, &format!("controller-{ZONE_A}")).await,
        [a.zone_id]
    );
}

#[tokio::test]
async fn device_refuses_foreign_expired_ca_and_long_chains() {
    let mut device = Device::loopback().await;
    let ca = zone_ca("LOCAL", ZONE_A);
    let stranger = zone_ca("LOCAL", ZONE_B);
    device.set_zones(&[(&ca, DEVICE_A)]);
    let good_cfg_ca = |id: &Identity| ca.client_config(id);
    let now = OffsetDateTime::now_utc();

    // A controller certificate from another CA: the controller trusts our
    // zone CA, but the device does not know the stranger's.
    let foreign = stranger.controller();
    let r = dial_operational(
        &Target::from(device.addr),
        &good_cfg_ca(&foreign),
        DEVICE_A,
        &DialOptions::default(),
    )
    .await;
    assert_refused_by_device(r, AlertDescription::UnknownCA).await;

    let expired = ca.issue(Leaf {
        not_before: now - time::Duration::days(30),
        not_after: now - time::Duration::days(1),
        ..Leaf::controller(ZONE_A)
    });
    assert_refused_by_device(
        dial_op(&device, &ca, &expired, DEVICE_A).await,
        AlertDescription::CertificateExpired,
    )
    .await;

    let not_yet = ca.issue(Leaf {
        not_before: now + time::Duration::hours(1),
        ..Leaf::controller(ZONE_A)
    });
    assert_refused_by_device(
        dial_op(&device, &ca, &not_yet, DEVICE_A).await,
        AlertDescription::CertificateExpired,
    )
    .await;

    let ca_leaf = ca.issue(Leaf {
        is_ca: true,
        ..Leaf::controller(ZONE_A)
    });
    assert_refused_by_device(
        dial_op(&device, &ca, &ca_leaf, DEVICE_A).await,
        AlertDescription::CertificateUnknown,
    )
    .await;

    let server_only = ca.issue(Leaf {
        eku: vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth],
        ..Leaf::controller(ZONE_A)
    });
    assert_refused_by_device(
        dial_op(&device, &ca, &server_only, DEVICE_A).await,
        AlertDescription::UnsupportedCertificate,
    )
    .await;

    let mut three = ca.issue(Leaf {
        include_ca: true,
        ..Leaf::controller(ZONE_A)
    });
    three.chain.push(ca.cert.clone());
    assert_refused_by_device(
        dial_op(&device, &ca, &three, DEVICE_A).await,
        AlertDescription::AccessDenied,
    )
    .await;

    // Still fine: no EKU at all, and leaf plus zone CA.
    let no_eku = ca.issue(Leaf {
        eku: vec![],
        cn: Some("no-eku".into()),
        ..Leaf::controller(ZONE_A)
    });
    dial_op(&device, &ca, &no_eku, DEVICE_A).await.unwrap();
    assert_next_is(&mut device, "no-eku").await;
    let two = ca.issue(Leaf {
        include_ca: true,
        cn: Some("two".into()),
        ..Leaf::controller(ZONE_A)
    });
    dial_op(&device, &ca, &two, DEVICE_A).await.unwrap();
    assert_next_is(&mut device, "two").await;
}

#[tokio::test]
async fn adjust_clock_applies_with_300_seconds_tolerance() {
    let mut device = Device::loopback().await;
    let ca = zone_ca("TEST", ZONE_A);
    device.set_zones(&[(&ca, DEVICE_A)]);
    let fresh = Leaf::controller(ZONE_A);

    // INTEROP.md Appendix A.2: -200 s must still connect, -400 s must not.
    device.clock.set(-200);
    let id = ca.issue(Leaf {
        cn: Some("at-200".into()),
        ..fresh.clone()
    });
    dial_op(&device, &ca, &id, DEVICE_A).await.unwrap();
    assert_next_is(&mut device, "at-200").await;

    device.clock.set(-400);
    let r = dial_op(&device, &ca, &ca.issue(fresh.clone()), DEVICE_A).await;
    assert_refused_by_device(r, AlertDescription::CertificateExpired).await;

    device.clock.reset();
    let id = ca.issue(Leaf {
        cn: Some("at-0".into()),
        ..fresh
    });
    dial_op(&device, &ca, &id, DEVICE_A).await.unwrap();
    assert_next_is(&mut device, "at-0").await;
}

#[tokio::test]
async fn controller_checks_device_id_against_cn_or_dns_san() {
    let device = Device::loopback().await;
    let ca = zone_ca("LOCAL", ZONE_A);
    let ctrl = ca.controller();
    device.set_zones(&[(&ca, DEVICE_A)]);

    let wrong = dial_op(&device, &ca, &ctrl, DEVICE_B).await;
    assert!(
        matches!(
            wrong,
            Err(Error::Tls(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName
            )))
        ),
        "{wrong:?}"
    );
    assert!(matches!(
        dial_op(&device, &ca, &ctrl, "not a name").await,
        Err(Error::Misuse(mash_transport::Misuse::InvalidDeviceId(_)))
    ));

    // CN only, no SAN.
    let cn_only = ca.issue(Leaf {
        dns: None,
        ..Leaf::device(DEVICE_A)
    });
    install_device_cert(&device, &ca, cn_only);
    dial_op(&device, &ca, &ctrl, DEVICE_A).await.unwrap();

    // SAN only, CN something else.
    let san_only = ca.issue(Leaf {
        cn: Some("other".into()),
        ..Leaf::device(DEVICE_A)
    });
    install_device_cert(&device, &ca, san_only);
    dial_op(&device, &ca, &ctrl, DEVICE_A).await.unwrap();

    // A device certificate from another CA is refused by the controller.
    let stranger = zone_ca("LOCAL", ZONE_B);
    install_device_cert(&device, &ca, stranger.device(DEVICE_A));
    let r = dial_op(&device, &ca, &ctrl, DEVICE_A).await;
    assert!(
        matches!(
            r,
            Err(Error::Tls(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            )))
        ),
        "{r:?}"
    );
}

fn install_device_cert(device: &Device, ca: &Ca, cert: Identity) {
    let cfg =
        mash_transport::OperationalServerConfig::new(&[cert], &[ca.zone()], &device.clock).unwrap();
    device.policy.set_operational(Some(cfg));
}

#[tokio::test]
async fn ipv6_loopback() {
    let mut device = Device::start(mash_transport::ListenerConfig {
        bind: "[::1]:0".parse().unwrap(),
        ..Default::default()
    })
    .await;
    let ca = zone_ca("LOCAL", ZONE_A);
    device.set_zones(&[(&ca, DEVICE_A)]);
    let port = device.addr.port();
    let ctrl = ca.client_config(&ca.controller());
    let target: Target = format!("[::1]:{port}").parse().unwrap();
    let conn = dial_operational(&target, &ctrl, DEVICE_A, &DialOptions::default())
        .await
        .unwrap();
    assert!(conn.remote.is_ipv6());
    assert!(matches!(device.accept().await, Incoming::Operational(_)));
}

#[tokio::test]
async fn wildcard_bind_is_dual_stack() {
    let mut device = Device::start(mash_transport::ListenerConfig {
        bind: "[::]:0".parse().unwrap(),
        ..Default::default()
    })
    .await;
    let ca = zone_ca("LOCAL", ZONE_A);
    device.set_zones(&[(&ca, DEVICE_A)]);
    let port = device.addr.port();
    let ctrl = ca.client_config(&ca.controller());
    let targets = [
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("localhost:{port}"),
    ];
    for target in targets {
        let target: Target = target.parse().unwrap();
        dial_operational(&target, &ctrl, DEVICE_A, &DialOptions::default())
            .await
            .unwrap();
        assert!(matches!(device.accept().await, Incoming::Operational(_)));
    }
}

#[tokio::test]
async fn no_session_resumption() {
    let mut device = Device::loopback().await;
    device.open_commissioning(1);
    // A client that would resume if it could (rustls caches by default).
    let mut cfg = (**CommissioningClientConfig::new().unwrap().rustls()).clone();
    cfg.resumption = rustls::client::Resumption::in_memory_sessions(8);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    for _ in 0..2 {
        let tcp = tokio::net::TcpStream::connect(device.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("x").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        assert_eq!(
            tls.get_ref().1.handshake_kind(),
            Some(rustls::HandshakeKind::Full)
        );
        let Incoming::Commissioning(mut comm) = device.accept().await else {
            panic!()
        };
        comm.stream.write_frame(b"\xa0").await.unwrap();
        let mut framed = mash_transport::FramedStream::new(&mut tls);
        assert_eq!(framed.read_frame().await.unwrap().unwrap(), b"\xa0");
    }
}
