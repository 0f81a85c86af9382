//! A full SPAKE2+ exchange per side, as commissioning runs it
//! (`cargo bench -p mash-core --bench spake2plus`):
//!
//! - client (controller): pA, process pB, cA, verify cB;
//! - server (device, from its stored verifier): pB, process pA, cB,
//!   verify cA.
//!
//! Each side draws the same ephemeral scalar every iteration, so the
//! precomputed peer values stay valid and the confirmations verify.
#![allow(missing_docs)] // criterion's generated entry points

use std::convert::Infallible;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mash_core::commissioning::spake2plus::{Client, Server};
use mash_core::commissioning::{SetupCode, Verifier};
use rand_core::{TryCryptoRng, TryRng};

/// Returns one fixed 32-byte scalar: SHA-256("mash-test-x"/"-y") mod n
/// from INTEROP.md §5.4.
struct FixedScalar([u8; 32]);

impl TryRng for FixedScalar {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(0)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(0)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for (d, s) in dst.iter_mut().zip(self.0.iter().cycle()) {
            *d = *s;
        }
        Ok(())
    }
}

impl TryCryptoRng for FixedScalar {}

fn hex32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn bench(c: &mut Criterion) {
    let code = SetupCode::new(20_202_021).unwrap();
    let verifier = Verifier::from_setup_code(&code).unwrap();
    let x = hex32("2492274d425bc8de6a43d4a9184afc85f10afd60e66e5e05d12326c3b0ed9381");
    let y = hex32("2943bdc7e4f211965fc8a776a5ddbea933fa5f6ec4ee59192ff45eb2d3ebbfe3");

    // One honest exchange to get the peer values each side will process.
    let client = Client::new(&code, &mut FixedScalar(x));
    let server = Server::new(&verifier, &mut FixedScalar(y));
    let (pa, pb) = (*client.share(), *server.share());
    let client_session = client.finish(&pb).unwrap();
    let server_session = server.finish(&pa).unwrap();
    let (ca, cb) = (client_session.confirmation(), server_session.confirmation());

    c.bench_function("spake2plus/client_exchange", |b| {
        b.iter(|| {
            let client = Client::new(black_box(&code), &mut FixedScalar(x));
            black_box(client.share());
            let session = client.finish(black_box(&pb)).unwrap();
            black_box(session.confirmation());
            session.verify(black_box(&cb)).unwrap()
        })
    });

    c.bench_function("spake2plus/server_exchange", |b| {
        b.iter(|| {
            let server = Server::new(black_box(&verifier), &mut FixedScalar(y));
            black_box(server.share());
            let session = server.finish(black_box(&pa)).unwrap();
            black_box(session.confirmation());
            session.verify(black_box(&ca)).unwrap()
        })
    });

    c.bench_function("spake2plus/verifier_from_setup_code", |b| {
        b.iter(|| Verifier::from_setup_code(black_box(&code)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
