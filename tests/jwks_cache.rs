//! The JWKS cache against a real issuer on loopback: lazy start, rotation,
//! the unknown-`kid` flood, and an issuer that is down, slow, huge or
//! garbled.

mod common;

use std::time::{Duration, Instant};

use common::{challenge, decode_jwt, eventually, get_bearer, http_client, spawn_api, unix_now};
use reqwest::StatusCode;
use scopegate::dev::{DevIssuer, JwksMode};

/// The status of `GET <api>/whoami` with `token`.
async fn status(api: &str, token: &str) -> StatusCode {
    get_bearer(&format!("{api}/whoami"), token).await.status()
}

#[actix_web::test]
async fn the_api_starts_while_the_issuer_is_down_and_recovers() {
    let issuer = DevIssuer::start().await.unwrap();
    issuer.set_jwks_mode(JwksMode::Unavailable);
    let auth = issuer
        .authenticator()
        .refetch_cooldown(Duration::from_millis(200))
        .build()
        .unwrap();
    // Building fetched nothing.
    assert_eq!(issuer.jwks_fetches(), 0);
    let api = spawn_api(Some(auth));
    let token = issuer.token().mint();

    let response = get_bearer(&format!("{api}/whoami"), &token).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(challenge(&response), "");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");

    issuer.set_jwks_mode(JwksMode::Normal);
    assert!(eventually(async || status(&api, &token).await == StatusCode::OK).await);
}

#[actix_web::test]
async fn garbage_empty_and_oversized_key_sets_are_not_keys() {
    for mode in [
        JwksMode::Garbage,
        JwksMode::Empty,
        JwksMode::Oversized(2 * 1024 * 1024),
    ] {
        let issuer = DevIssuer::start().await.unwrap();
        issuer.set_jwks_mode(mode);
        let auth = issuer.authenticator().build().unwrap();
        let api = spawn_api(Some(auth));
        assert_eq!(
            status(&api, &issuer.token().mint()).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "{mode:?}"
        );
    }
}

#[actix_web::test]
async fn cached_keys_outlive_a_failing_issuer() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .refresh_interval(Duration::from_millis(1))
        .refetch_cooldown(Duration::from_millis(50))
        .fetch_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let api = spawn_api(Some(auth.clone()));
    let token = issuer.token().mint();
    assert_eq!(status(&api, &token).await, StatusCode::OK);

    for mode in [
        JwksMode::Unavailable,
        JwksMode::Garbage,
        JwksMode::Empty,
        JwksMode::Oversized(2 * 1024 * 1024),
        JwksMode::Hang,
    ] {
        issuer.set_jwks_mode(mode);
        let fetches = issuer.jwks_fetches();
        // Every request finds its key cached and answers at once, even while
        // the background refresh is failing or (Hang) waiting on a 30 s fetch:
        // at least 20 requests, and on until a refresh in this mode has been
        // attempted (however long a loaded machine takes to get to it).
        let mut requests = 0;
        let refreshed = eventually(async || {
            assert_eq!(status(&api, &token).await, StatusCode::OK, "{mode:?}");
            requests += 1;
            requests >= 20 && issuer.jwks_fetches() > fetches
        })
        .await;
        assert!(refreshed, "{mode:?}: no background refresh was attempted");
    }
}

#[actix_web::test]
async fn a_rotated_key_is_picked_up_with_one_refetch() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .refetch_cooldown(Duration::from_millis(200))
        .build()
        .unwrap();
    let api = spawn_api(Some(auth.clone()));
    assert_eq!(status(&api, &issuer.token().mint()).await, StatusCode::OK);
    let fetches = auth.jwks_fetch_count();
    assert_eq!(fetches, 1);

    let old_kid = issuer.signing_kid();
    let new_kid = issuer.rotate_key(Duration::from_secs(3600));
    assert_ne!(new_kid, old_kid);
    tokio::time::sleep(Duration::from_millis(250)).await; // past the cooldown
    // A token of the new key (the signer now): its unknown kid makes the
    // one refetch.
    let token = issuer.token().mint();
    assert_eq!(
        decode_jwt(&token).0["kid"],
        new_kid.as_str(),
        "the issuer signs with the new key"
    );
    assert_eq!(status(&api, &token).await, StatusCode::OK);
    assert_eq!(auth.jwks_fetch_count(), fetches + 1);
    // The old key is still published during the grace period, and known
    // from that same fetch: its tokens pass with no further fetch.
    assert_eq!(
        status(&api, &issuer.token().kid(&old_kid).mint()).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&api, &issuer.token().kid(&new_kid).mint()).await,
        StatusCode::OK
    );
    assert_eq!(auth.jwks_fetch_count(), fetches + 1);
}

#[actix_web::test]
async fn a_flood_of_unknown_kids_makes_a_few_fetches_and_slows_no_one() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer.authenticator().build().unwrap(); // default cooldown
    let api = spawn_api(Some(auth.clone()));
    let good = issuer.token().mint();
    assert_eq!(status(&api, &good).await, StatusCode::OK);
    let before = issuer.jwks_fetches();

    let http = http_client();
    let mut unknown = 0;
    let started = Instant::now();
    for i in 0..1000 {
        let forged = issuer
            .token()
            .kid(format!("random-kid-{i}-{}", i * 7919))
            .mint();
        let response = http
            .get(format!("{api}/whoami"))
            .bearer_auth(forged)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::UNAUTHORIZED {
            unknown += 1;
        }
        if i % 100 == 0 {
            assert_eq!(status(&api, &good).await, StatusCode::OK);
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(unknown, 1000);
    // At most one refetch per 10 s cooldown (the default) over however long
    // the flood took: a bound on the count that holds on a slow machine too.
    let fetches = issuer.jwks_fetches() - before;
    let allowed = 1 + elapsed.as_secs() / 10;
    assert!(
        fetches <= allowed,
        "{fetches} JWKS fetches for 1000 unknown kids in {elapsed:?}"
    );
}

#[actix_web::test]
async fn concurrent_misses_share_one_fetch() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer.authenticator().build().unwrap();
    let token = issuer.token().mint();
    let checks: Vec<_> = (0..50)
        .map(|_| {
            let auth = auth.clone();
            let token = token.clone();
            actix_web::rt::spawn(async move { auth.validate(&token).await.is_ok() })
        })
        .collect();
    for check in checks {
        assert!(check.await.unwrap());
    }
    assert_eq!(issuer.jwks_fetches(), 1);
}

#[actix_web::test]
async fn oidc_discovery_finds_the_keys() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = scopegate::Authenticator::builder(issuer.url())
        .discover()
        .build()
        .unwrap();
    let claims = auth
        .validate(&issuer.token().scopes(["read:deployments"]).mint())
        .await
        .unwrap();
    assert_eq!(claims.iss(), issuer.url());
    assert!(claims.has_scope("read:deployments"));
}

#[actix_web::test]
async fn a_cached_token_dies_with_its_key() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .refetch_cooldown(Duration::from_millis(50))
        .refresh_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    let old = issuer.token().mint();
    assert!(auth.validate(&old).await.is_ok());
    assert!(
        auth.validate(&old).await.is_ok(),
        "served from the verified-token cache"
    );

    let grace = Duration::from_millis(200);
    let rotated = Instant::now();
    issuer.rotate_key(grace);
    // After the grace period the old key leaves the JWKS; once a refresh has
    // seen that, the cached token is refused like any token of that key,
    // and not before: the key was published for the whole grace period.
    let refused = eventually(async || auth.validate(&old).await.is_err()).await;
    assert!(refused, "a token of a retired key stays accepted");
    assert!(
        rotated.elapsed() >= grace,
        "refused {:?} after the rotation, within the {grace:?} grace period",
        rotated.elapsed()
    );
    let error = auth.validate(&old).await.unwrap_err();
    assert_eq!(error.code(), "invalid_token");
    assert!(auth.validate(&issuer.token().mint()).await.is_ok());
}

#[actix_web::test]
async fn a_cached_token_expires_on_time() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .leeway(Duration::ZERO)
        .build()
        .unwrap();
    // A token valid for one more second at most (`exp` counts whole
    // seconds): accepted while the clock is before its `exp`. When the
    // clock reaches `exp` before the first check is over (a second
    // boundary crossed), that check proves nothing: a fresh token is
    // taken.
    let token = loop {
        let exp = unix_now() + 1;
        let token = issuer.token().expires_at(exp).mint();
        let first = auth.validate(&token).await;
        if unix_now() < exp {
            assert!(first.is_ok(), "{first:?}");
            break token;
        }
    };
    let expired = eventually(async || auth.validate(&token).await.is_err()).await;
    assert!(expired);
    let error = auth.validate(&token).await.unwrap_err();
    assert!(error.to_string().contains("expired"), "{error}");
}

#[actix_web::test]
async fn keys_stop_serving_after_the_maximum_staleness() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .refresh_interval(Duration::from_millis(50))
        .refetch_cooldown(Duration::from_millis(50))
        .max_staleness(Duration::from_millis(1500))
        .build()
        .unwrap();
    let api = spawn_api(Some(auth));
    let token = issuer.token().mint();
    // Every good fetch ends after this instant (the first one is made by
    // the request below).
    let started = Instant::now();
    assert_eq!(status(&api, &token).await, StatusCode::OK);

    // The issuer goes down: the cached key keeps serving, then, with no good
    // fetch for longer than the maximum staleness, the server can no longer
    // decide and says so (503), cached token or not.
    issuer.set_jwks_mode(JwksMode::Unavailable);
    let mut seen = Vec::new();
    let refused = eventually(async || {
        let answer = status(&api, &token).await;
        seen.push(answer);
        answer == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert!(refused, "still serving with stale keys: {seen:?}");
    // Not before the maximum staleness has passed since the last good fetch.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "503 after {:?}",
        started.elapsed()
    );
    // The order of the answers: 200s while the keys were fresh, then 503.
    let (last, before) = seen.split_last().unwrap();
    assert_eq!(*last, StatusCode::SERVICE_UNAVAILABLE);
    assert!(before.iter().all(|s| *s == StatusCode::OK), "{seen:?}");
    // It stays so while the issuer is down, for any token.
    assert_eq!(status(&api, &token).await, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        status(&api, &issuer.token().mint()).await,
        StatusCode::SERVICE_UNAVAILABLE
    );

    // The issuer comes back: keys are fetched again and the token passes.
    issuer.set_jwks_mode(JwksMode::Normal);
    assert!(eventually(async || status(&api, &token).await == StatusCode::OK).await);
}

/// An HTTP/1.1 server on loopback that answers the first request of each
/// connection with `document` (keeping the connection open, as keep-alive
/// allows) and closes the connection when a second request arrives on it:
/// what a server does when its keep-alive timeout fires just as the client
/// reuses the connection.
fn serve_once_per_connection(document: std::sync::Arc<std::sync::Mutex<Vec<u8>>>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/keys", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let document = std::sync::Arc::clone(&document);
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                // The first request: answer it and keep the connection.
                if stream.read(&mut buffer).unwrap_or(0) == 0 {
                    return;
                }
                let body = document.lock().unwrap().clone();
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
                // The next request on this connection: close without a word.
                let _ = stream.read(&mut buffer);
            });
        }
    });
    url
}

/// Regression: a key fetch must not depend on a pooled connection the
/// issuer may close at any moment. Before the default client stopped
/// pooling (fetches are minutes apart), the second fetch reused the first
/// one's connection, which the issuer closed on it: an incomplete message,
/// and a token under a newly published key got `503`.
#[actix_web::test]
async fn a_fetch_never_reuses_a_connection_the_issuer_may_have_closed() {
    let issuer = DevIssuer::start().await.unwrap();
    let jwks = || async {
        http_client()
            .get(issuer.jwks_url())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    };
    let document = std::sync::Arc::new(std::sync::Mutex::new(jwks().await));
    let url = serve_once_per_connection(std::sync::Arc::clone(&document));
    let auth = scopegate::Authenticator::builder(issuer.url())
        .jwks_url(url)
        .refetch_cooldown(Duration::from_millis(100))
        .build()
        .unwrap();
    auth.validate(&issuer.token().mint()).await.unwrap();
    let extra = issuer.publish_extra_key();
    *document.lock().unwrap() = jwks().await;
    tokio::time::sleep(Duration::from_millis(150)).await; // past the cooldown
    let result = auth.validate(&issuer.token().kid(&extra).mint()).await;
    assert!(
        result.is_ok(),
        "{result:?}; last fetch error: {:?}",
        auth.last_key_fetch_error()
    );
    assert_eq!(auth.jwks_fetch_count(), 2);
}

/// While no key set was ever obtained, a `503` says `Retry-After: 1`
/// (however long the cooldown), and the fetch is retried on a short
/// backoff: service resumes soon after the issuer is back, not a whole
/// cooldown later.
#[actix_web::test]
async fn a_cold_cache_answers_retry_after_1_and_retries_soon() {
    let issuer = DevIssuer::start().await.unwrap();
    issuer.set_jwks_mode(JwksMode::Unavailable);
    let auth = issuer
        .authenticator()
        .refetch_cooldown(Duration::from_secs(60))
        .build()
        .unwrap();
    let api = spawn_api(Some(auth));
    let token = issuer.token().mint();
    for _ in 0..3 {
        let response = get_bearer(&format!("{api}/whoami"), &token).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(common::header(&response, "retry-after"), "1");
    }
    issuer.set_jwks_mode(JwksMode::Normal);
    // `eventually` gives up after 30 s, half the cooldown: only the short
    // backoff can bring the keys in time.
    assert!(eventually(async || status(&api, &token).await == StatusCode::OK).await);
}
