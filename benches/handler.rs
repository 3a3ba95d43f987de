//! A protected handler against an unprotected one, through actix-web's
//! service stack (`test::init_service` + `test::call_service`), with the
//! same repeated bearer token on both.
//!
//! ```text
//! cargo bench --features dev --bench handler
//! ```
//!
//! The difference between the two cases is what `#[require_scopes]` adds to
//! a request whose token the verified-token cache already holds: finding the
//! authenticator, reading the `Authorization` header, the cache lookup, the
//! scope check and the claims kept in the request's extensions. Building the
//! request is inside the timed loop for both cases alike.
//!
//! Both run on an actix-rt system (what `#[actix_web::main]` uses), one
//! `block_on` per criterion sample around the timed loop.

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_web::http::header::AUTHORIZATION;
use actix_web::{App, HttpResponse, get, test};
use criterion::{Criterion, criterion_group, criterion_main};
use scopegate::dev::DevIssuer;
use scopegate::require_scopes;

#[get("/open")]
async fn open() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

#[get("/protected")]
#[require_scopes("read:deployments")]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

fn handler(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let (_issuer, bearer, app) = system.block_on(async {
        let issuer = DevIssuer::start().await.expect("the dev issuer");
        let auth = issuer.authenticator().build().expect("authenticator");
        let token = issuer
            .token()
            .scopes(["deploy:applications", "read:deployments"])
            .mint();
        let app =
            test::init_service(App::new().app_data(auth).service(open).service(protected)).await;
        (issuer, format!("Bearer {token}"), app)
    });

    let mut group = c.benchmark_group("handler");
    group.measurement_time(Duration::from_secs(8));
    for (name, path) in [
        ("unprotected", "/open"),
        ("protected_repeated_token", "/protected"),
    ] {
        // The first call validates the token (and fetches the key); the
        // timed ones find it in the verified-token cache.
        system.block_on(async {
            let req = test::TestRequest::get()
                .uri(path)
                .insert_header((AUTHORIZATION, bearer.as_str()))
                .to_request();
            let response = test::call_service(&app, req).await;
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
        });
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                system.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let req = test::TestRequest::get()
                            .uri(path)
                            .insert_header((AUTHORIZATION, bearer.as_str()))
                            .to_request();
                        let response = test::call_service(&app, req).await;
                        debug_assert!(response.status().is_success());
                        black_box(response);
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, handler);
criterion_main!(benches);
