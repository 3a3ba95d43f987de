//! What the metrics cost on the path of nearly every request: a
//! `#[require_scopes]` check answered by the verified-token cache.
//!
//! ```text
//! cargo bench --features dev --bench metrics
//! ```
//!
//! Each iteration is one request's check: the extractor `#[require_scopes]`
//! puts in front of a handler (`Authorized::from_request`) on a request
//! whose bearer token the caches hold, its ready future resolved, and the
//! request's extensions cleared (as actix-web clears them between
//! requests), so that the claims are looked up and the decision recorded
//! on every iteration. With the metrics on, that is a token-cache hit
//! counted and a decision counted.
//!
//! | case | what it measures |
//! |---|---|
//! | `cache_hit_no_recorder` | the feature compiled in, no recorder installed: what an application pays that enables the feature and exports nothing; every handle is the facade's no-op |
//! | `cache_hit_prometheus` | the same with `metrics-exporter-prometheus`'s recorder installed: the real cost of counting |
//!
//! The benches, tests and examples of this package are built with the
//! feature on (the main example serves `/metrics`), so the build with the
//! feature off is measured by the `handler` bench's
//! `protected_repeated_token` on a checkout without it; see
//! `docs/performance.md`. The two cases run in one process: the no-recorder
//! case first, then the recorder is installed and a fresh authenticator
//! (whose handles register with it) measured.

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, test};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;
use metrics_exporter_prometheus::PrometheusBuilder;
use scopegate::dev::DevIssuer;
use scopegate::{Authenticator, Requirement};
use scopegate_runtime::{Authorized, ScopeRequirement};

/// `#[require_scopes("read:deployments")]`, written out.
struct Read;

impl ScopeRequirement for Read {
    const REQUIREMENT: Requirement = Requirement::Scope("read:deployments");
}

/// One request's check, answered without waiting.
fn check(req: &HttpRequest) -> bool {
    req.extensions_mut().clear();
    let answer = Authorized::<Read, ()>::from_request(req, &mut Payload::None)
        .now_or_never()
        .expect("a cached token is decided without waiting");
    answer.is_ok()
}

/// A request to `auth` with `token`, its token verified and cached.
fn warm(system: &actix_web::rt::SystemRunner, auth: Authenticator, token: &str) -> HttpRequest {
    let req = test::TestRequest::get()
        .uri("/deployments")
        .insert_header((AUTHORIZATION, format!("Bearer {token}")))
        .app_data(auth)
        .to_http_request();
    system.block_on(async {
        for _ in 0..2 {
            req.extensions_mut().clear();
            let answer = Authorized::<Read, ()>::from_request(&req, &mut Payload::None).await;
            assert!(answer.is_ok(), "the token is accepted");
        }
    });
    assert!(check(&req));
    req
}

fn metrics(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let (issuer, token) = system.block_on(async {
        let issuer = DevIssuer::start().await.expect("the dev issuer");
        let token = issuer
            .token()
            .scopes(["deploy:applications", "read:deployments"])
            .mint();
        (issuer, token)
    });
    let authenticator = || issuer.authenticator().build().expect("authenticator");

    let mut group = c.benchmark_group("metrics");
    group.measurement_time(Duration::from_secs(8));
    let bench = |group: &mut criterion::BenchmarkGroup<'_, _>, name: &str, req: &HttpRequest| {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(check(req));
                }
                start.elapsed()
            })
        });
    };

    let req = warm(&system, authenticator(), &token);
    bench(&mut group, "cache_hit_no_recorder", &req);

    let handle = PrometheusBuilder::new()
        .install_recorder()
        .expect("the only recorder of this process");
    let req = warm(&system, authenticator(), &token);
    bench(&mut group, "cache_hit_prometheus", &req);
    group.finish();

    // Whether the counting was real: the decisions in the exporter's text
    // (none in a build with the feature off).
    let text = handle.render();
    let decisions = text
        .lines()
        .find(|line| {
            line.starts_with("scopegate_decisions_total{") && line.contains("outcome=\"allowed\"")
        })
        .unwrap_or("no scopegate_decisions_total: the metrics feature is off");
    println!("recorded: {decisions}");
}

criterion_group!(benches, metrics);
criterion_main!(benches);
