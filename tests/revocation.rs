//! Token revocation in one process: the in-memory store, the opt-in and
//! every-handler modes, revocation on verified-token cache hits, the
//! `jti`, client and subject rules, expiry of rules, and the dev issuer's
//! RFC 7009 endpoint with the client's `revoke` call, over real HTTP.

mod common;

use std::time::Duration;

use common::{ORG, decode_jwt, eventually, expect_error, get_bearer, http_client, unix_now};
use reqwest::StatusCode;
use scopegate::client::{ClientError, TokenClient};
use scopegate::dev::DevIssuer;
use scopegate::{
    Claims,
    revocation::{MemoryRevocations, Revocation, RevocationCheck, RevocationMode, Verdict},
};
use serde_json::Value;

const SCOPE: &str = "read:deployments";

/// An issuer publishing to `store`, and an API checking against it in
/// `mode`.
async fn setup(store: &MemoryRevocations, mode: RevocationMode) -> (DevIssuer, String) {
    let issuer = DevIssuer::builder()
        .revocation_store(store.clone())
        .start()
        .await
        .unwrap();
    let auth = issuer
        .authenticator()
        .revocation(store.clone(), mode)
        .build()
        .unwrap();
    (issuer, common::revocation_api::spawn(auth))
}

/// The status of `GET api + path` with `token`.
async fn status(api: &str, path: &str, token: &str) -> StatusCode {
    get_bearer(&format!("{api}{path}"), token).await.status()
}

/// Asserts `GET api + path` answers 401 invalid_token saying the token was
/// revoked.
async fn assert_revoked(api: &str, path: &str, token: &str) {
    let response = get_bearer(&format!("{api}{path}"), token).await;
    let challenge = common::challenge(&response);
    assert_eq!(
        challenge,
        "Bearer error=\"invalid_token\", error_description=\"the token has been revoked\"",
        "{path}"
    );
    let body = expect_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(body["error_description"], "the token has been revoked");
}

fn jti(token: &str) -> String {
    decode_jwt(token).1["jti"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn opt_in_checks_only_the_handlers_that_ask_also_on_cache_hits() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store, RevocationMode::OptIn).await;
    let token = issuer.token().scopes([SCOPE]).mint();
    let other = issuer.token().scopes([SCOPE]).mint();
    for path in ["/sensitive", "/plain", "/whoami"] {
        assert_eq!(status(&api, path, &token).await, StatusCode::OK, "{path}");
    }
    // Both tokens are now in the verified-token cache: the check runs on
    // the hit, not only when a token is verified.
    assert_eq!(status(&api, "/sensitive", &other).await, StatusCode::OK);
    store
        .revoke_now(Revocation::token(
            jti(&token),
            decode_jwt(&token).1["exp"].as_i64().unwrap(),
        ))
        .unwrap();
    assert_revoked(&api, "/sensitive", &token).await;
    // Handlers that did not ask are not checked in this mode, nor are
    // hand-written checks.
    for path in ["/plain", "/by-hand", "/authenticated"] {
        assert_eq!(status(&api, path, &token).await, StatusCode::OK, "{path}");
    }
    assert_eq!(status(&api, "/whoami", &token).await, StatusCode::OK);
    // Another token of the same client is untouched.
    assert_eq!(status(&api, "/sensitive", &other).await, StatusCode::OK);
    // A revoked token never seen before (verified now, not cached) too.
    let fresh = issuer.token().scopes([SCOPE]).mint();
    store
        .revoke_now(Revocation::token(jti(&fresh), unix_now() + 3600))
        .unwrap();
    assert_revoked(&api, "/sensitive", &fresh).await;
}

#[actix_web::test]
async fn every_handler_mode_checks_plain_handlers_the_claims_extractor_and_hand_written_checks() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store, RevocationMode::EveryHandler).await;
    let token = issuer.token().scopes([SCOPE]).mint();
    let other = issuer.token().scopes([SCOPE]).mint();
    assert_eq!(status(&api, "/whoami", &token).await, StatusCode::OK);
    store
        .revoke_now(Revocation::token(jti(&token), unix_now() + 3600))
        .unwrap();
    for path in [
        "/sensitive",
        "/plain",
        "/whoami",
        "/by-hand",
        "/authenticated",
    ] {
        assert_revoked(&api, path, &token).await;
        assert_eq!(status(&api, path, &other).await, StatusCode::OK, "{path}");
    }
}

#[actix_web::test]
async fn client_and_subject_rules_cover_tokens_issued_before_the_cutoff() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store, RevocationMode::OptIn).await;
    let now = unix_now();
    let mint = |client: &str, sub: &str, iat: Option<i64>| {
        let builder = issuer
            .token()
            .scopes([SCOPE])
            .client_id(client)
            .subject(sub);
        match iat {
            Some(iat) => builder.issued_at(iat).mint(),
            None => builder.remove_claim("iat").mint(),
        }
    };
    let old = mint("m2m_a", "m2m_a", Some(now - 100));
    let new = mint("m2m_a", "m2m_a", Some(now - 10));
    let undated = mint("m2m_a", "m2m_a", None);
    let other_client = mint("m2m_b", "m2m_b", Some(now - 100));
    store
        .revoke_now(Revocation::client("m2m_a", now - 50))
        .unwrap();
    assert_revoked(&api, "/sensitive", &old).await;
    assert_eq!(status(&api, "/sensitive", &new).await, StatusCode::OK);
    // No `iat`: it cannot be shown to be issued after the cutoff.
    assert_revoked(&api, "/sensitive", &undated).await;
    assert_eq!(
        status(&api, "/sensitive", &other_client).await,
        StatusCode::OK
    );

    let user_old = mint("m2m_c", "user_1", Some(now - 100));
    let user_new = mint("m2m_c", "user_1", Some(now - 10));
    let other_user = mint("m2m_c", "user_2", Some(now - 100));
    store
        .revoke_now(Revocation::subject("user_1", now - 50))
        .unwrap();
    assert_revoked(&api, "/sensitive", &user_old).await;
    assert_eq!(status(&api, "/sensitive", &user_new).await, StatusCode::OK);
    assert_eq!(
        status(&api, "/sensitive", &other_user).await,
        StatusCode::OK
    );

    // A later cutoff for the same client wins; an earlier one changes nothing.
    store
        .revoke_now(Revocation::client("m2m_a", now - 5))
        .unwrap();
    assert_revoked(&api, "/sensitive", &new).await;
    store
        .revoke_now(Revocation::client("m2m_a", now - 500))
        .unwrap();
    assert_revoked(&api, "/sensitive", &new).await;
    assert!(
        store.revoke_now(Revocation::client("", now)).is_err(),
        "empty id"
    );
}

#[actix_web::test]
async fn tokens_without_jti_are_refused_where_revocation_is_checked() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store, RevocationMode::OptIn).await;
    let token = issuer.token().scopes([SCOPE]).remove_claim("jti").mint();
    let response = get_bearer(&format!("{api}/sensitive"), &token).await;
    let body = expect_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(
        body["error_description"],
        "the token has no `jti` (token id) claim"
    );
    assert_eq!(status(&api, "/plain", &token).await, StatusCode::OK);
}

/// A check whose store is lost: every checked handler fails closed.
struct Lost;

impl RevocationCheck for Lost {
    fn check(&self, _: &Claims) -> Verdict {
        Verdict::Unavailable {
            retry_after: Duration::from_secs(7),
        }
    }
}

#[actix_web::test]
async fn an_unavailable_check_fails_closed_with_503_and_retry_after() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .revocation(Lost, RevocationMode::OptIn)
        .build()
        .unwrap();
    let api = common::revocation_api::spawn(auth);
    let token = issuer.token().scopes([SCOPE]).mint();
    let response = get_bearer(&format!("{api}/sensitive"), &token).await;
    assert_eq!(common::header(&response, "retry-after"), "7");
    assert_eq!(common::challenge(&response), "");
    expect_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    )
    .await;
    assert_eq!(status(&api, "/plain", &token).await, StatusCode::OK);
}

/// Runs `step` with the current Unix second until one run starts and ends
/// within that second, and returns what that run saw: for checks exactly at
/// a one-second boundary, where the store reads the clock itself (on each
/// revocation) and a second crossed in between would move the boundary.
fn within_one_second<T>(mut step: impl FnMut(i64) -> T) -> T {
    loop {
        let now = unix_now();
        let seen = step(now);
        if unix_now() == now {
            return seen;
        }
    }
}

#[test]
fn rules_expire_when_no_token_they_cover_can_be_valid() {
    // How many rules the store holds after each revocation.
    let held = within_one_second(|now| {
        let store = MemoryRevocations::with_max_token_lifetime(Duration::from_secs(60));
        let mut held = Vec::new();
        // A token rule lasts until `exp` plus the 5-minute leeway margin:
        // one for a token expired beyond any leeway is not kept, one still
        // within it is.
        store
            .revoke_now(Revocation::token("long_gone", now - 301))
            .unwrap();
        held.push(store.len());
        store
            .revoke_now(Revocation::token("in_leeway", now - 299))
            .unwrap();
        held.push(store.len());
        // A client rule lasts until the cutoff plus the longest token
        // lifetime plus the margin.
        store
            .revoke_now(Revocation::client("old", now - 361))
            .unwrap();
        held.push(store.len());
        store
            .revoke_now(Revocation::client("recent", now - 359))
            .unwrap();
        held.push(store.len());
        held
    });
    assert_eq!(
        held,
        [0, 1, 1, 2],
        "rules held after: an expired token, a token in the leeway, an old client cutoff, a recent one"
    );
    assert_eq!(
        Revocation::client("x", 1000).expires_at(60),
        1000 + 60 + 300
    );
}

#[actix_web::test]
async fn rules_are_forgotten_once_expired() {
    // A rule that expires one second from now, held until then.
    let (store, held) = within_one_second(|now| {
        let store = MemoryRevocations::new();
        store.revoke_now(Revocation::token("t", now - 299)).unwrap();
        let held = store.len();
        (store, held)
    });
    assert_eq!(held, 1);
    assert!(
        eventually(async || {
            store.purge_expired();
            store.is_empty()
        })
        .await
    );
}

/// The issuer's discovery document.
async fn discovery(issuer: &DevIssuer) -> Value {
    http_client()
        .get(format!("{}/.well-known/openid-configuration", issuer.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `POST /oauth/revoke` as `client_id`:`secret` (HTTP Basic).
async fn revoke_at(
    issuer: &DevIssuer,
    client: (&str, &str),
    form: &[(&str, &str)],
) -> reqwest::Response {
    http_client()
        .post(issuer.revocation_url())
        .basic_auth(client.0, Some(client.1))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_dev_issuer_revokes_tokens_per_rfc_7009() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store, RevocationMode::OptIn).await;
    let (id, secret) = common::register_client(&issuer, &[SCOPE], None);
    let tokens = TokenClient::new(issuer.url(), &id, secret.as_str()).unwrap();
    let token = tokens.token().await.unwrap();
    let token = token.as_str().to_owned();
    assert_eq!(status(&api, "/sensitive", &token).await, StatusCode::OK);

    // Another client may not revoke it.
    let (other_id, other_secret) = common::register_client(&issuer, &[SCOPE], None);
    let response = revoke_at(&issuer, (&other_id, &other_secret), &[("token", &token)]).await;
    expect_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
    // Wrong credentials, no token.
    let response = revoke_at(&issuer, (&id, "wrong"), &[("token", &token)]).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let response = revoke_at(
        &issuer,
        (&id, &secret),
        &[("token_type_hint", "access_token")],
    )
    .await;
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(status(&api, "/sensitive", &token).await, StatusCode::OK);

    // Garbage and unknown hints: 200, nothing done (RFC 7009 §2.2, §2.1).
    let response = revoke_at(
        &issuer,
        (&id, &secret),
        &[
            ("token", "not.a.token"),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(store.len(), 0);

    // The client's own call.
    tokens.revoke(&token).await.unwrap();
    assert!(
        tokens.cached().is_none(),
        "the revoked token is dropped from the cache"
    );
    assert_revoked(&api, "/sensitive", &token).await;
    assert_eq!(store.len(), 1);
    // Revoking again is fine.
    tokens.revoke(&token).await.unwrap();

    // The management client may revoke any token.
    let another = tokens.token().await.unwrap();
    let (admin_id, admin_secret) = issuer.admin_credentials();
    let response = revoke_at(
        &issuer,
        (&admin_id, &admin_secret),
        &[("token", another.as_str())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_revoked(&api, "/sensitive", another.as_str()).await;

    let config = discovery(&issuer).await;
    assert_eq!(config["revocation_endpoint"], issuer.revocation_url());
}

#[actix_web::test]
async fn without_a_store_the_issuer_cannot_revoke() {
    let issuer = DevIssuer::start().await.unwrap();
    let (id, secret) = common::register_client(&issuer, &[SCOPE], None);
    let tokens = TokenClient::new(issuer.url(), &id, secret.as_str()).unwrap();
    let token = tokens.token().await.unwrap();
    let error = tokens.revoke(token.as_str()).await.unwrap_err();
    let ClientError::RevocationRefused(server) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(server.error.as_deref(), Some("unsupported_token_type"));
    let config = discovery(&issuer).await;
    assert!(config.get("revocation_endpoint").is_none());
}

#[actix_web::test]
async fn deleting_a_client_or_a_secret_revokes_its_tokens() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store, RevocationMode::OptIn).await;
    let admin = http_client();
    let manage = |method: reqwest::Method, path: String| {
        admin
            .request(
                method,
                format!("{}/api/v1/organizations/{ORG}/clients/{path}", issuer.url()),
            )
            .bearer_auth(issuer.admin_token())
    };

    // Removing a secret (over the management API).
    let (id, secret) = common::register_client(&issuer, &[SCOPE], None);
    let tokens = TokenClient::new(issuer.url(), &id, secret.as_str()).unwrap();
    let before = tokens.token().await.unwrap().as_str().to_owned();
    let (other, other_secret) = common::register_client(&issuer, &[SCOPE], None);
    let bystander = TokenClient::new(issuer.url(), &other, other_secret.as_str()).unwrap();
    let bystander = bystander.token().await.unwrap().as_str().to_owned();
    let added = issuer.create_secret(ORG, &id).unwrap();
    let first_secret = issuer.client(ORG, &id).unwrap().secrets[0].id.clone();
    assert_ne!(first_secret, added.secret.id);
    let response = manage(
        reqwest::Method::DELETE,
        format!("{id}/secrets/no_such_secret"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        store.len(),
        0,
        "nothing is revoked for a secret that does not exist"
    );
    assert_eq!(status(&api, "/sensitive", &before).await, StatusCode::OK);
    let response = manage(
        reqwest::Method::DELETE,
        format!("{id}/secrets/{first_secret}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_revoked(&api, "/sensitive", &before).await;
    assert_eq!(status(&api, "/sensitive", &bystander).await, StatusCode::OK);

    // Deleting a client (over the management API).
    let response = manage(reqwest::Method::DELETE, other.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_revoked(&api, "/sensitive", &bystander).await;

    // Deleting a client in process.
    let (third, third_secret) = common::register_client(&issuer, &[SCOPE], None);
    let third_tokens = TokenClient::new(issuer.url(), &third, third_secret.as_str()).unwrap();
    let third_token = third_tokens.token().await.unwrap().as_str().to_owned();
    assert_eq!(
        status(&api, "/sensitive", &third_token).await,
        StatusCode::OK
    );
    issuer.delete_client(ORG, &third).unwrap();
    assert_revoked(&api, "/sensitive", &third_token).await;
}

/// A token that has expired but is still within an API's leeway is still
/// accepted, so revoking it must hold until `exp` plus the leeway: through
/// the store directly, and through the dev issuer's RFC 7009 endpoint, on
/// an API with the most leeway an authenticator allows (300 s).
#[actix_web::test]
async fn a_token_revoked_after_its_exp_stays_refused_through_the_leeway() {
    let store = MemoryRevocations::new();
    let issuer = DevIssuer::builder()
        .revocation_store(store.clone())
        .start()
        .await
        .unwrap();
    let auth = issuer
        .authenticator()
        .leeway(Duration::from_secs(300))
        .revocation(store.clone(), RevocationMode::EveryHandler)
        .build()
        .unwrap();
    let api = common::revocation_api::spawn(auth);
    let (admin_id, admin_secret) = issuer.admin_credentials();

    // Expired 10 s, 200 s and 290 s ago: all still within the leeway.
    for ago in [10, 200, 290] {
        let exp = unix_now() - ago;
        let by_store = issuer.token().scopes([SCOPE]).expires_at(exp).mint();
        let by_endpoint = issuer.token().scopes([SCOPE]).expires_at(exp).mint();
        for token in [&by_store, &by_endpoint] {
            assert_eq!(status(&api, "/plain", token).await, StatusCode::OK, "{ago}");
        }
        store
            .revoke_now(Revocation::token(jti(&by_store), exp))
            .unwrap();
        assert_revoked(&api, "/plain", &by_store).await;
        let response = revoke_at(
            &issuer,
            (&admin_id, &admin_secret),
            &[("token", &by_endpoint)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{ago}");
        assert_revoked(&api, "/plain", &by_endpoint).await;
    }

    // At the boundary: a rule for a token whose `exp` is just within the
    // 300 s margin is kept; one just beyond it (which no authenticator
    // accepts any more) is not.
    let held = within_one_second(|now| {
        let store = MemoryRevocations::new();
        store
            .revoke_now(Revocation::token("in", now - 299))
            .unwrap();
        store
            .revoke_now(Revocation::token("out", now - 300))
            .unwrap();
        store.len()
    });
    assert_eq!(held, 1);
}

/// A rule scoped to the issuer written with a stray trailing `/` still
/// covers that issuer's tokens (it errs toward refusing), and a rule
/// scoped to a multi-tenant template is refused when it is made, rather
/// than stored to cover nothing.
#[actix_web::test]
async fn an_issuer_scoped_rule_never_silently_covers_nothing() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store, RevocationMode::EveryHandler).await;
    let token = issuer.token().scopes([SCOPE]).mint();
    let exp = decode_jwt(&token).1["exp"].as_i64().unwrap();
    assert_eq!(status(&api, "/plain", &token).await, StatusCode::OK);
    store
        .revoke_now(Revocation::token(jti(&token), exp).issued_by(format!("{}/", issuer.url())))
        .unwrap();
    assert_revoked(&api, "/plain", &token).await;

    // Another issuer's rule (another path) covers nothing of this one's.
    let other = issuer.token().scopes([SCOPE]).mint();
    store
        .revoke_now(
            Revocation::token(jti(&other), exp).issued_by(format!("{}/other", issuer.url())),
        )
        .unwrap();
    assert_eq!(status(&api, "/plain", &other).await, StatusCode::OK);

    let template = Revocation::client("backend", unix_now())
        .issued_by("https://login.microsoftonline.com/{tenantid}/v2.0");
    let error = store.revoke_now(template).unwrap_err();
    assert!(
        matches!(
            error,
            scopegate::revocation::RevocationError::InvalidIssuer(
                scopegate::revocation::InvalidIssuer::Template
            )
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("multi-tenant template"),
        "{error}"
    );
}
