//! Protected handlers against an unprotected one, through actix-web's
//! service stack (`test::init_service` + `test::call_service`), with the
//! same repeated bearer token on every route.
//!
//! ```text
//! cargo bench --features dev --bench handler
//! ```
//!
//! | case | route |
//! |---|---|
//! | `unprotected` | `GET /open`, no guard |
//! | `protected_repeated_token` | `GET /protected`, `#[require_scopes("read:deployments")]`, a token the caches hold |
//! | `protected_with_claims` | `GET /claims`, the same guard, the handler takes `Claims` |
//! | `insufficient_scope` | `GET /protected` with a valid token lacking the scope: `403` |
//! | `garbage_token` | `GET /protected` with a token-sized string that is not a JWT: `401` |
//!
//! Every handler does the same trivial work. The difference between a
//! protected case and `unprotected` is what the guard adds: finding the
//! authenticator, reading the `Authorization` header, the cache lookup, the
//! scope check and the claims kept in the request's extensions (and, for
//! the refusals, rendering the RFC 6750 answer). Building the request is
//! inside the timed loop for every case alike.
//!
//! They run on an actix-rt system (what `#[actix_web::main]` uses), one
//! `block_on` per criterion sample around the timed loop.
//!
//! # Instruction counts
//!
//! With `SCOPEGATE_COUNT=<case>:<n>` in the environment the bench skips
//! criterion and sends `n` requests of that case through the non-inlined
//! `counted_loop`, for an instruction count that does not depend on the
//! machine's load:
//!
//! ```text
//! SCOPEGATE_COUNT=protected_repeated_token:20000 valgrind --tool=callgrind \
//!     --collect-atstart=no --toggle-collect='*counted_loop*' target/release/deps/handler-*
//! ```

#[macro_use]
mod support;

use support::counted_loop;

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, get, test};
use criterion::{Criterion, criterion_group, criterion_main};
use scopegate::dev::DevIssuer;
use scopegate::{Claims, require_scopes};

#[get("/open")]
async fn open() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

#[get("/protected")]
#[require_scopes("read:deployments")]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

#[get("/claims")]
#[require_scopes("read:deployments")]
async fn with_claims(claims: Claims) -> HttpResponse {
    black_box(claims.exp());
    HttpResponse::Ok().body("ok")
}

/// name, path, which token, expected status
const CASES: [(&str, &str, Token, u16); 5] = [
    ("unprotected", "/open", Token::Granted, 200),
    (
        "protected_repeated_token",
        "/protected",
        Token::Granted,
        200,
    ),
    ("protected_with_claims", "/claims", Token::Granted, 200),
    ("insufficient_scope", "/protected", Token::Insufficient, 403),
    ("garbage_token", "/protected", Token::Garbage, 401),
];

#[derive(Clone, Copy)]
enum Token {
    Granted,
    Insufficient,
    Garbage,
}

struct Headers {
    granted: String,
    insufficient: String,
    garbage: String,
}

impl Headers {
    fn get(&self, token: Token) -> &str {
        match token {
            Token::Granted => &self.granted,
            Token::Insufficient => &self.insufficient,
            Token::Garbage => &self.garbage,
        }
    }
}

fn handler(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let (_issuer, headers, app) = system.block_on(async {
        let issuer = DevIssuer::start().await.expect("the dev issuer");
        let auth = issuer.authenticator().build().expect("authenticator");
        let granted = issuer
            .token()
            .scopes(["deploy:applications", "read:deployments"])
            .mint();
        let insufficient = issuer.token().scopes(["deploy:applications"]).mint();
        // As long as the real token, three dot-separated parts, none of
        // them decoding to JSON.
        let garbage: String = granted
            .bytes()
            .enumerate()
            .map(|(i, b)| match b {
                b'.' => '.',
                _ => char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[i % 64],
                ),
            })
            .collect();
        let app = test::init_service(
            App::new()
                .app_data(auth)
                .service(open)
                .service(protected)
                .service(with_claims),
        )
        .await;
        let headers = Headers {
            granted: format!("Bearer {granted}"),
            insufficient: format!("Bearer {insufficient}"),
            garbage: format!("Bearer {garbage}"),
        };
        (issuer, headers, app)
    });

    // The first calls validate the tokens (and fetch the key); the timed
    // ones find them in the caches.
    for (name, path, token, status) in CASES {
        system.block_on(async {
            let response = request!(&app, path, headers.get(token)).await;
            assert_eq!(response.status().as_u16(), status, "{name}");
        });
    }

    if let Some((case, n)) = support::count_spec() {
        let (_, path, token, _) = CASES
            .into_iter()
            .find(|(name, ..)| *name == case.as_str())
            .expect("a case name");
        let header = headers.get(token);
        counted_loop(&system, || request!(&app, path, header), n);
        return;
    }

    let mut group = c.benchmark_group("handler");
    group.measurement_time(Duration::from_secs(8));
    for (name, path, token, _) in CASES {
        let header = headers.get(token);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                system.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(request!(&app, path, header).await);
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
