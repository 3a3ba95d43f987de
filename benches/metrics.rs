//! What the metrics cost on the path of nearly every request: a
//! `#[require_scopes]` check answered by the verified-token cache, with a
//! real exporter's recorder and without one, **in one run**.
//!
//! ```text
//! cargo bench --features dev --bench metrics
//! scripts/bench_metrics_off.sh        # the same bench, the feature compiled out
//! python3 scripts/criterion_medians.py metrics   # medians and ratios of the last run
//! ```
//!
//! Two authenticators of the same dev issuer serve the same routes:
//!
//! * **no recorder**: built, and its token verified and cached, before any
//!   recorder is installed. The runtime registers its metric handles on
//!   first use and keeps them, so this authenticator's handles stay the
//!   `metrics` facade's no-op ones for the whole run: what an application
//!   pays that enables the feature and exports nothing.
//! * **prometheus**: built after `metrics-exporter-prometheus`'s recorder
//!   is installed as the global recorder (as an application does), so its
//!   handles count into that exporter: the real cost of counting.
//!
//! Both exist at once, so the cases alternate in one process: no recorder,
//! Prometheus, no recorder again, Prometheus again, for each path. The
//! repeated pair shows how far this machine drifts within the run.
//!
//! | case | what one iteration is |
//! |---|---|
//! | `handler/*` | `GET /protected` (`#[require_scopes("read:deployments")]`, a token the caches hold) through actix-web's service stack (`test::call_service`), request construction included, as in `benches/handler.rs` |
//! | `extractor/*` | only the extractor `#[require_scopes]` puts in front of a handler (`Authorized::from_request`) on one request, its extensions cleared each time (as actix-web does between requests), so the claims are looked up and the decision recorded every iteration |
//!
//! On a cache hit the feature counts one token-cache hit and one decision.
//! With the feature compiled out (`scripts/bench_metrics_off.sh`) the group
//! is named `metrics_feature_off` and both cases are the same code (there
//! is nothing to count): that is the "off" figure.
//!
//! With `SCOPEGATE_COUNT=<no_recorder|prometheus>:<n>` in the environment
//! the bench skips criterion and sends `n` requests to that app through the
//! non-inlined `counted_loop`, for callgrind (`--collect-atstart=no
//! --toggle-collect='*counted_loop*'`): an instruction count that does not
//! depend on the machine's load.

#[macro_use]
mod support;

use support::counted_loop;

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{App, FromRequest, HttpMessage, HttpRequest, HttpResponse, get, test};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;
use metrics_exporter_prometheus::PrometheusBuilder;
use scopegate::dev::DevIssuer;
use scopegate::{Authenticator, policy::Requirement, require_scopes};
use scopegate_core::actix::{Authorized, ScopeRequirement};

#[get("/protected")]
#[require_scopes("read:deployments")]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

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

/// An app and a bare request on an authenticator, the token verified and
/// cached by both (so every handle a cache hit uses is registered now, with
/// the recorder of this moment).
macro_rules! warm {
    ($system:expr, $auth:expr, $header:expr) => {{
        let auth: Authenticator = $auth;
        let req = test::TestRequest::get()
            .uri("/protected")
            .insert_header((AUTHORIZATION, $header))
            .app_data(auth.clone())
            .to_http_request();
        let app = $system.block_on(async {
            let app = test::init_service(App::new().app_data(auth).service(protected)).await;
            for _ in 0..2 {
                assert_eq!(
                    request!(&app, "/protected", $header)
                        .await
                        .status()
                        .as_u16(),
                    200
                );
            }
            app
        });
        assert!(check(&req), "the token is accepted");
        (app, req)
    }};
}

fn metrics(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let (issuer, header) = system.block_on(async {
        let issuer = DevIssuer::start().await.expect("the dev issuer");
        let token = issuer
            .token()
            .scopes(["deploy:applications", "read:deployments"])
            .mint();
        (issuer, format!("Bearer {token}"))
    });
    let header = header.as_str();
    let authenticator = || issuer.authenticator().build().expect("authenticator");

    // Before any recorder: this authenticator's handles are no-ops for good.
    let (quiet_app, quiet_req) = warm!(system, authenticator(), header);
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .expect("the only recorder of this process");
    let (counted_app, counted_req) = warm!(system, authenticator(), header);

    // Whether anything is counted at all: nothing when the feature is off.
    let decisions = |text: &str| -> Option<String> {
        text.lines()
            .find(|line| {
                line.starts_with("scopegate_decisions_total{")
                    && line.contains("outcome=\"allowed\"")
            })
            .map(str::to_owned)
    };
    let feature_on = decisions(&handle.render()).is_some();

    if let Some((case, n)) = support::count_spec() {
        match case.as_str() {
            "no_recorder" => {
                counted_loop(&system, || request!(&quiet_app, "/protected", header), n)
            }
            "prometheus" => {
                counted_loop(&system, || request!(&counted_app, "/protected", header), n)
            }
            _ => panic!("SCOPEGATE_COUNT: no_recorder or prometheus"),
        }
        return;
    }

    let mut group = c.benchmark_group(if feature_on {
        "metrics"
    } else {
        "metrics_feature_off"
    });
    group.measurement_time(Duration::from_secs(6));
    for round in ["", "_again"] {
        for (name, app) in [("no_recorder", &quiet_app), ("prometheus", &counted_app)] {
            group.bench_function(format!("handler/{name}{round}"), |b| {
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
    }
    for round in ["", "_again"] {
        for (name, req) in [("no_recorder", &quiet_req), ("prometheus", &counted_req)] {
            group.bench_function(format!("extractor/{name}{round}"), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(check(req));
                    }
                    start.elapsed()
                })
            });
        }
    }
    group.finish();

    // The counting was real: the exporter holds the measured decisions of
    // the Prometheus authenticator only.
    match decisions(&handle.render()) {
        Some(line) => {
            let count: f64 = line
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a counter value");
            // Warming made 3 decisions; anything more was measured.
            assert!(count > 3.0, "the recorder counted the decisions: {line}");
            println!("recorded: {line}");
        }
        None => println!("recorded: nothing (the metrics feature is compiled out)"),
    }
}

criterion_group!(benches, metrics);
criterion_main!(benches);
