//! The metrics (feature `metrics`) over real HTTP: a known mix of requests
//! to a protected API on 127.0.0.1, verified against the embedded dev
//! issuer's JWKS, and the counts a recorder saw checked exactly.
//!
//! The recorder is global to the process, so this binary has one test.

mod common;

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use reqwest::StatusCode;
use scopegate::dev::DevIssuer;
use scopegate::{require_scopes, require_scopes_guard};

use common::{get_bearer, http_client, routes, serve};

#[get("/purge")]
#[require_scopes("admin:purge")]
async fn purge() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/status")]
async fn admin_status() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// A recorded series: its name, its labels (sorted), its counter value or
/// histogram sample count.
type Series = (String, Vec<(String, String)>, u64);

/// The value of every series of `name`: its labels (sorted, joined) to its
/// counter value or histogram sample count.
fn series(snapshot: &[Series], name: &str) -> BTreeMap<String, u64> {
    snapshot
        .iter()
        .filter(|(n, _, _)| n == name)
        .map(|(_, labels, value)| {
            let text: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (text.join(","), *value)
        })
        .collect()
}

#[actix_web::test]
async fn every_decision_fetch_and_cache_lookup_is_counted_once() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this process");

    let issuer = DevIssuer::start().await.expect("dev issuer");
    let auth = issuer.authenticator().build().expect("authenticator");
    let iss = auth.issuer().to_owned();
    let api = serve({
        let auth = auth.clone();
        move |cfg| {
            cfg.app_data(auth.clone()).configure(routes).service(
                web::scope("/admin")
                    .wrap(require_scopes_guard!("admin:deployments"))
                    .service(purge)
                    .service(admin_status),
            );
        }
    });

    let reader = issuer.token().scopes(["read:deployments"]).mint();
    let admin = issuer.token().scopes(["admin:deployments"]).mint();
    let forged = issuer
        .token()
        .scopes(["read:deployments"])
        .bad_signature()
        .mint();

    // (path, token, expected status, expected outcome, expected reason)
    let plan: Vec<(&str, Option<&str>, StatusCode, &str, &str)> = vec![
        (
            "/deployments",
            None,
            StatusCode::UNAUTHORIZED,
            "401",
            "missing_token",
        ),
        (
            "/deployments",
            Some("garbage"),
            StatusCode::UNAUTHORIZED,
            "401",
            "too_few_parts",
        ),
        // Verified: the key set is fetched, the key looked up, the token
        // verified and remembered.
        (
            "/deployments",
            Some(&reader),
            StatusCode::OK,
            "allowed",
            "allowed",
        ),
        // From the verified-token caches.
        (
            "/deployments",
            Some(&reader),
            StatusCode::OK,
            "allowed",
            "allowed",
        ),
        (
            "/deployments",
            Some(&reader),
            StatusCode::OK,
            "allowed",
            "allowed",
        ),
        (
            "/whoami",
            Some(&reader),
            StatusCode::OK,
            "allowed",
            "allowed",
        ),
        (
            "/both",
            Some(&reader),
            StatusCode::FORBIDDEN,
            "403",
            "insufficient_scope",
        ),
        // Verified with the cached key: a bad signature.
        (
            "/deployments",
            Some(&forged),
            StatusCode::UNAUTHORIZED,
            "401",
            "bad_signature",
        ),
        // The guard refuses.
        (
            "/admin/status",
            Some(&reader),
            StatusCode::FORBIDDEN,
            "403",
            "insufficient_scope",
        ),
        // The guard accepts (admin is verified now), the handler refuses:
        // one decision, the handler's.
        (
            "/admin/purge",
            Some(&admin),
            StatusCode::FORBIDDEN,
            "403",
            "insufficient_scope",
        ),
        // The guard accepts, the handler asks nothing more.
        (
            "/admin/status",
            Some(&admin),
            StatusCode::OK,
            "allowed",
            "allowed",
        ),
    ];
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for (path, token, status, outcome, reason) in &plan {
        let url = format!("{api}{path}");
        let response = match token {
            Some(token) => get_bearer(&url, token).await,
            None => http_client().get(&url).send().await.expect("GET"),
        };
        assert_eq!(response.status(), *status, "{path} {token:?}");
        *expected
            .entry(format!("issuer={iss},outcome={outcome},reason={reason}"))
            .or_default() += 1;
    }

    let snapshot: Vec<Series> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let mut labels: Vec<(String, String)> = key
                .key()
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            let value = match value {
                DebugValue::Counter(n) => n,
                DebugValue::Histogram(samples) => samples.len() as u64,
                DebugValue::Gauge(_) => panic!("scopegate records no gauge"),
            };
            (key.key().name().to_owned(), labels, value)
        })
        .collect();

    assert_eq!(series(&snapshot, "scopegate_decisions_total"), expected);
    assert_eq!(auth.jwks_fetch_count(), 1);
    assert_eq!(
        series(&snapshot, "scopegate_jwks_fetches_total"),
        BTreeMap::from([(format!("issuer={iss},outcome=ok"), 1)])
    );
    assert_eq!(
        series(&snapshot, "scopegate_jwks_fetch_duration_seconds"),
        BTreeMap::from([(format!("issuer={iss}"), 1)])
    );
    // Three tokens were verified (reader, forged, admin): the first lookup
    // found no key set yet, the other two found the key.
    assert_eq!(
        series(&snapshot, "scopegate_key_cache_lookups_total"),
        BTreeMap::from([
            (format!("issuer={iss},result=hit"), 2),
            (format!("issuer={iss},result=miss"), 1),
        ])
    );
    assert_eq!(
        series(&snapshot, "scopegate_validation_duration_seconds"),
        BTreeMap::from([(format!("issuer={iss}"), 3)])
    );
    // Misses: garbage, the first reader, forged, the first admin. Hits: every
    // other request with a token (reader 2+1+1, /admin/status as reader,
    // admin twice more: the guard and handler share one lookup per request).
    assert_eq!(
        series(&snapshot, "scopegate_token_cache_lookups_total"),
        BTreeMap::from([
            (format!("issuer={iss},result=hit"), 6),
            (format!("issuer={iss},result=miss"), 4),
        ])
    );
    // Nothing else: every metric scopegate records is checked above.
    let names: std::collections::BTreeSet<&str> =
        snapshot.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
}
