//! Loopback costs of the transport: a full mutual-TLS 1.3 operational
//! handshake (TCP connect, ClientHello routing, both certificate checks),
//! a commissioning handshake, and a 100-byte frame round trip through the
//! connection driver (and through bare framing, for comparison).
//!
//! Run briefly with
//! `cargo bench -p mash-transport -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs)]

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use mash_transport::{
    ClockOffset, CommissioningClientConfig, CommissioningServerConfig, Connection,
    ConnectionConfig, DeviceListener, DialOptions, FramedStream, Identity, Incoming,
    KeepAliveConfig, ListenerConfig, OperationalClientConfig, OperationalServerConfig,
    SharedPolicy, Target, ZoneCa, dial_commissioning, dial_operational,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::runtime::Runtime;

const DEVICE_ID: &str = "a1b2c3d4e5f60718";

fn leaf(issuer: &Issuer<'_, KeyPair>, cn: &str) -> Identity {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut p = CertificateParams::new(vec![cn.to_owned()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    p.use_authority_key_identifier_extension = true;
    let cert = p.signed_by(&key, issuer).unwrap().der().clone();
    Identity::new(
        vec![cert],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

struct Setup {
    device: DeviceListener,
    target: Target,
    client: OperationalClientConfig,
}

async fn setup() -> Setup {
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "MASH Zone CA - bench");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert: CertificateDer<'static> = ca.self_signed(&ca_key).unwrap().der().clone();
    let issuer = Issuer::new(ca, ca_key);

    let zone = ZoneCa {
        zone_id: "1111111111111111".parse().unwrap(),
        cert: ca_cert.clone(),
    };
    let policy = Arc::new(SharedPolicy::new());
    policy.set_operational(Some(
        OperationalServerConfig::new(&[leaf(&issuer, DEVICE_ID)], &[zone], &ClockOffset::new())
            .unwrap(),
    ));
    let comm = leaf(&issuer, "MASH-1234");
    policy.set_commissioning(Some(CommissioningServerConfig::new(&comm).unwrap()));
    let config = ListenerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    let device = DeviceListener::bind(config, policy).await.unwrap();
    let target = Target::from(device.local_addr());
    let client =
        OperationalClientConfig::new(&ca_cert, &leaf(&issuer, "controller-bench")).unwrap();
    Setup {
        device,
        target,
        client,
    }
}

fn quiet() -> ConnectionConfig {
    ConnectionConfig {
        keep_alive: KeepAliveConfig::disabled(),
        ..Default::default()
    }
}

fn handshakes(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let mut s = rt.block_on(setup());
    let opts = DialOptions::default();
    let comm_client = CommissioningClientConfig::new().unwrap();

    c.bench_function("tls13_operational_handshake_mutual", |b| {
        b.iter(|| {
            rt.block_on(async {
                let conn = dial_operational(&s.target, &s.client, DEVICE_ID, &opts)
                    .await
                    .unwrap();
                let accepted = s.device.accept().await.unwrap();
                assert!(matches!(accepted, Incoming::Operational(_)));
                drop((conn, accepted));
            })
        })
    });
    c.bench_function("tls13_commissioning_handshake", |b| {
        b.iter(|| {
            rt.block_on(async {
                let conn = dial_commissioning(&s.target, &comm_client, &opts)
                    .await
                    .unwrap();
                let accepted = s.device.accept().await.unwrap();
                drop((conn, accepted));
            })
        })
    });
}

fn round_trips(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let payload = vec![0xa5u8; 100];

    // Through the driver: device echoes with Connection, controller uses Connection.
    let mut client: Connection = rt.block_on(async {
        let mut s = setup().await;
        let conn = dial_operational(&s.target, &s.client, DEVICE_ID, &DialOptions::default())
            .await
            .unwrap();
        let Some(Incoming::Operational(op)) = s.device.accept().await else {
            panic!()
        };
        let mut device = op.start(quiet());
        tokio::spawn(async move {
            let _listener = s.device;
            while let Some(frame) = device.recv().await {
                if device.send(frame).await.is_err() {
                    break;
                }
            }
        });
        conn.start(quiet())
    });
    c.bench_function("frame_100B_round_trip_driver", |b| {
        b.iter(|| {
            rt.block_on(async {
                client.send(payload.clone()).await.unwrap();
                client.recv().await.unwrap()
            })
        })
    });

    // Bare framing over the same TLS, echoed by a plain task.
    let mut raw = rt.block_on(async {
        let mut s = setup().await;
        let conn = dial_operational(&s.target, &s.client, DEVICE_ID, &DialOptions::default())
            .await
            .unwrap();
        let Some(Incoming::Operational(mut op)) = s.device.accept().await else {
            panic!()
        };
        op.guard.mark_operational();
        let mut stream: FramedStream<_> = op.stream;
        tokio::spawn(async move {
            let _listener = s.device;
            while let Ok(Some(frame)) = stream.read_frame().await {
                if stream.write_frame(&frame).await.is_err() {
                    break;
                }
            }
        });
        conn.stream
    });
    c.bench_function("frame_100B_round_trip_framing", |b| {
        b.iter(|| {
            rt.block_on(async {
                raw.write_frame(&payload).await.unwrap();
                raw.read_frame().await.unwrap().unwrap()
            })
        })
    });
}

criterion_group!(benches, handshakes, round_trips);
criterion_main!(benches);
