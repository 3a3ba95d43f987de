//! The revocation check's cost on a verified-token cache hit, with the
//! mirror off and on, in one run.
//!
//! ```text
//! cargo bench --features dev --bench revocation
//! ```
//!
//! | case | what is timed |
//! |---|---|
//! | `cache_hit_mirror_off` | `GET /protected` (`#[require_scopes]`) with a token the caches hold; no revocation check configured |
//! | `cache_hit_mirror_on` | the same, with a `MemoryRevocations` mirror holding 10 000 token, 1 000 client and 1 000 subject rules, checked for every handler |
//!
//! Both go through actix-web's service stack (`test::call_service`), as
//! in `benches/handler.rs`; the difference between them is the check: a
//! read lock and up to three hash lookups, no allocation. The mirror of
//! `RedisRevocations` is the same structure (Redis is never asked on the
//! request path), so its cost is this one.
//!
//! With `SCOPEGATE_COUNT=<cache_hit_mirror_off|cache_hit_mirror_on>:<n>` in
//! the environment the bench skips criterion and sends `n` requests of that
//! case through the non-inlined `counted_loop`, for callgrind
//! (`--collect-atstart=no --toggle-collect='*counted_loop*'`): an
//! instruction count that does not depend on the machine's load.

#[macro_use]
mod support;

use support::counted_loop;

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, get, test};
use criterion::{Criterion, criterion_group, criterion_main};
use scopegate::dev::DevIssuer;
use scopegate::{
    require_scopes,
    revocation::{MemoryRevocations, Revocation, RevocationMode},
};

#[get("/protected")]
#[require_scopes("read:deployments")]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// A mirror with many rules, none of which covers the benchmark's token.
fn full_mirror() -> MemoryRevocations {
    let store = MemoryRevocations::new();
    let exp = 4_000_000_000;
    let now = scopegate_wire::clock::unix_now();
    for i in 0..10_000 {
        store
            .revoke_now(Revocation::token(format!("tkn_{i:024}"), exp))
            .unwrap();
    }
    for i in 0..1_000 {
        store
            .revoke_now(Revocation::client(format!("m2morg_{i:017}"), now))
            .unwrap();
        store
            .revoke_now(Revocation::subject(format!("user_{i:017}"), now))
            .unwrap();
    }
    store
}

fn revocation(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let (_issuer, header, off, on) = system.block_on(async {
        let issuer = DevIssuer::start().await.expect("the dev issuer");
        let token = issuer.token().scopes(["read:deployments"]).mint();
        let off = issuer.authenticator().build().expect("authenticator");
        let on = issuer
            .authenticator()
            .revocation(full_mirror(), RevocationMode::EveryHandler)
            .build()
            .expect("authenticator");
        let off = test::init_service(App::new().app_data(off).service(protected)).await;
        let on = test::init_service(App::new().app_data(on).service(protected)).await;
        (issuer, format!("Bearer {token}"), off, on)
    });
    let header = header.as_str();
    // The first calls verify the token; the timed ones find it cached.
    system.block_on(async {
        assert_eq!(
            request!(&off, "/protected", header).await.status().as_u16(),
            200
        );
        assert_eq!(
            request!(&on, "/protected", header).await.status().as_u16(),
            200
        );
    });

    if let Some((case, n)) = support::count_spec() {
        match case.as_str() {
            "cache_hit_mirror_off" => {
                counted_loop(&system, || request!(&off, "/protected", header), n)
            }
            "cache_hit_mirror_on" => {
                counted_loop(&system, || request!(&on, "/protected", header), n)
            }
            _ => panic!("SCOPEGATE_COUNT: cache_hit_mirror_off or cache_hit_mirror_on"),
        }
        return;
    }

    let mut group = c.benchmark_group("revocation");
    group.measurement_time(Duration::from_secs(8));
    for (name, app) in [("cache_hit_mirror_off", &off), ("cache_hit_mirror_on", &on)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                system.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(request!(app, "/protected", header).await);
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, revocation);
criterion_main!(benches);
