//! Cost of the controller's per-device work in commissioning: verifying a
//! CSR and issuing the device operational certificate; and of the
//! device's work: a fresh key plus CSR.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use mash_pki::{KeyPair, PendingCsr, UnixTime, VerifiedCsr, ZoneCa, ZoneType, create_csr};

const NOW: UnixTime = UnixTime::from_secs(1_796_315_590);

fn issue_device_cert(c: &mut Criterion) {
    let ca = ZoneCa::generate(ZoneType::Local, "2859a7266ff2c1f0", NOW).unwrap();
    let pending = PendingCsr::commissioning(4660, 1).unwrap();
    let csr_der = pending.csr_der().to_vec();

    c.bench_function("verify_csr_and_issue_device_cert", |b| {
        b.iter(|| {
            let csr = VerifiedCsr::verify(black_box(&csr_der)).unwrap();
            black_box(ca.issue_device_cert(&csr, NOW).unwrap())
        })
    });

    let csr = VerifiedCsr::verify(&csr_der).unwrap();
    c.bench_function("issue_device_cert_only", |b| {
        b.iter(|| black_box(ca.issue_device_cert(black_box(&csr), NOW).unwrap()))
    });
}

fn create_csrs(c: &mut Criterion) {
    c.bench_function("keygen_and_commissioning_csr", |b| {
        b.iter(|| black_box(PendingCsr::commissioning(4660, 1).unwrap()))
    });

    let key = KeyPair::generate().unwrap();
    c.bench_function("commissioning_csr_existing_key", |b| {
        b.iter(|| black_box(create_csr(&key, 4660, 1, None).unwrap()))
    });
}

criterion_group!(benches, issue_device_cert, create_csrs);
criterion_main!(benches);
