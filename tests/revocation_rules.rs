//! Revocation rules at their edges, over real HTTP with the dev issuer and
//! the in-memory store: revoked tokens answered from the verified-token
//! caches, `iat` of unusual shapes under a client rule, rules for tokens
//! that expire far in the future, rules that name the same id at two
//! trusted issuers (scoped to one of them, or to both), and the dev issuer's RFC 7009 endpoint (another
//! client's token, `token_type_hint`, oversized bodies).

mod common;

use common::{decode_jwt, http_client, unix_now};
use reqwest::StatusCode;
use scopegate::dev::DevIssuer;
use scopegate::{
    Issuer,
    revocation::{MemoryRevocations, Revocation, RevocationMode},
};
use serde_json::{Value, json};

const SCOPE: &str = "read:deployments";

async fn setup(store: &MemoryRevocations) -> (DevIssuer, String) {
    let issuer = DevIssuer::builder()
        .revocation_store(store.clone())
        .start()
        .await
        .expect("dev issuer");
    let auth = issuer
        .authenticator()
        .revocation(store.clone(), RevocationMode::OptIn)
        .build()
        .expect("authenticator");
    (issuer, common::revocation_api::spawn(auth))
}

/// `GET api + path` with `token`: the status and the body.
async fn get(api: &str, path: &str, token: &str) -> (StatusCode, Value) {
    let response = http_client()
        .get(format!("{api}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn assert_revoked((status, body): (StatusCode, Value), what: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    assert_eq!(
        body["error_description"], "the token has been revoked",
        "{what}"
    );
}

/// A token verified once sits in this thread's front cache and in the
/// shared cache; revoking it afterwards is seen on the very next request,
/// and on every one after it, on every worker.
#[actix_web::test]
async fn a_cached_token_is_refused_once_revoked() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store).await;
    let token = issuer.token().scopes([SCOPE]).mint();
    for _ in 0..4 {
        assert_eq!(get(&api, "/sensitive", &token).await.0, StatusCode::OK);
    }
    let claims = decode_jwt(&token).1;
    let jti = claims["jti"].as_str().unwrap();
    store
        .revoke_now(Revocation::token(jti, claims["exp"].as_i64().unwrap()))
        .unwrap();
    for _ in 0..8 {
        assert_revoked(get(&api, "/sensitive", &token).await, "after revoking");
    }
    // Handlers that did not opt in still serve it (the documented mode).
    assert_eq!(get(&api, "/plain", &token).await.0, StatusCode::OK);
}

/// Under a client rule, `iat` decides. A fractional `iat` counts as the
/// second it falls in, so a token issued half a second before the cutoff
/// is covered (before the fix it was rounded up to the cutoff and served);
/// `iat` as a string is an invalid token; no `iat` is covered.
#[actix_web::test]
async fn iat_of_every_shape_is_judged_toward_revocation() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store).await;
    let client = "m2m_review";
    let cutoff = unix_now() - 10;
    store
        .revoke_now(Revocation::client(client, cutoff))
        .unwrap();
    let token = |iat: Value| {
        issuer
            .token()
            .scopes([SCOPE])
            .client_id(client)
            .claim("iat", iat)
            .mint()
    };
    let half_before = json!(cutoff as f64 - 0.5);
    assert_revoked(
        get(&api, "/sensitive", &token(half_before)).await,
        "iat - 0.5",
    );
    assert_revoked(
        get(&api, "/sensitive", &token(json!(cutoff - 1))).await,
        "iat - 1",
    );
    let without = issuer
        .token()
        .scopes([SCOPE])
        .client_id(client)
        .remove_claim("iat")
        .mint();
    assert_revoked(get(&api, "/sensitive", &without).await, "no iat");
    for bad in [json!(cutoff.to_string()), json!(null), json!([cutoff])] {
        let (status, body) = get(&api, "/sensitive", &token(bad.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("`iat`"),
            "{bad}: {body}"
        );
    }
    // Issued at or after the cutoff: not covered.
    for iat in [json!(cutoff), json!(cutoff as f64 + 0.5), json!(unix_now())] {
        assert_eq!(
            get(&api, "/sensitive", &token(iat.clone())).await.0,
            StatusCode::OK,
            "{iat}"
        );
    }
}

/// A rule for a token that expires far ahead lives as long as that token
/// can (it must: dropping it earlier would let the token back in), with
/// no overflow at the end of time; such rules are not purged early.
#[actix_web::test]
async fn a_rule_for_a_far_future_exp_holds_as_long_as_the_token() {
    assert_eq!(
        Revocation::token("x", i64::MAX).expires_at(86_400),
        i64::MAX
    );
    assert_eq!(
        Revocation::client("c", i64::MAX).expires_at(i64::MAX),
        i64::MAX
    );
    assert_eq!(Revocation::client("c", i64::MIN).expires_at(i64::MAX), 299);
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store).await;
    let far = i64::from(u32::MAX) * 4;
    let token = issuer.token().scopes([SCOPE]).expires_at(far).mint();
    assert_eq!(get(&api, "/sensitive", &token).await.0, StatusCode::OK);
    let jti = decode_jwt(&token).1["jti"].as_str().unwrap().to_owned();
    store.revoke_now(Revocation::token(&jti, far)).unwrap();
    store.purge_expired();
    assert_eq!(store.len(), 1);
    assert_revoked(get(&api, "/sensitive", &token).await, "far exp");
}

/// Two trusted issuers sharing one store, both with a client `backend`
/// and tokens of one `jti` (ids are unique only per issuer): the API with
/// both issuers trusted and the shared store.
async fn two_issuers(store: &MemoryRevocations) -> (DevIssuer, DevIssuer, String) {
    let issuer_a = DevIssuer::builder()
        .revocation_store(store.clone())
        .start()
        .await
        .unwrap();
    let issuer_b = DevIssuer::start().await.unwrap();
    let auth = issuer_a
        .authenticator()
        .trust(Issuer::new(issuer_b.url()).jwks_url(issuer_b.jwks_url()))
        .revocation(store.clone(), RevocationMode::OptIn)
        .build()
        .unwrap();
    let api = common::revocation_api::spawn(auth);
    (issuer_a, issuer_b, api)
}

/// A token of `issuer` with this `jti`, `client_id` and `sub`.
fn token_of(issuer: &DevIssuer, jti: &str, client: &str, sub: &str) -> String {
    issuer
        .token()
        .scopes([SCOPE])
        .claim("jti", json!(jti))
        .client_id(client)
        .subject(sub)
        .mint()
}

/// A rule scoped to one issuer (`issued_by`) covers only the tokens whose
/// verified `iss` equals it exactly: the other issuer's token with the
/// same `jti`, `client_id` or `sub` is still served; a rule written with
/// a trailing slash still covers its issuer. A rule without an issuer
/// covers the tokens of both.
#[actix_web::test]
async fn an_issuer_scoped_rule_spares_the_other_issuers_token_with_the_same_id() {
    let store = MemoryRevocations::new();
    let (issuer_a, issuer_b, api) = two_issuers(&store).await;
    let (a, b) = (issuer_a.url(), issuer_b.url());
    let (token_a, token_b) = (
        token_of(&issuer_a, "tkn_same", "backend", "user_1"),
        token_of(&issuer_b, "tkn_same", "backend", "user_1"),
    );
    for token in [&token_a, &token_b] {
        assert_eq!(get(&api, "/sensitive", token).await.0, StatusCode::OK);
    }
    let far = unix_now() + 3600;
    let cutoff = unix_now() + 1;

    // Scoped to A: A's token refused, B's served.
    store
        .revoke_now(Revocation::token("tkn_same", far).issued_by(a))
        .unwrap();
    assert_revoked(get(&api, "/sensitive", &token_a).await, "A, jti rule for A");
    assert_eq!(get(&api, "/sensitive", &token_b).await.0, StatusCode::OK);

    // Another issuer's path is another issuer: a rule for B's URL with a
    // path added spares B.
    store
        .revoke_now(Revocation::client("backend", cutoff).issued_by(format!("{b}/realm")))
        .unwrap();
    assert_eq!(get(&api, "/sensitive", &token_b).await.0, StatusCode::OK);

    // Scoped to B, written with a stray trailing slash: B's token refused
    // too, by its client (a rule never silently covers nothing).
    store
        .revoke_now(Revocation::client("backend", cutoff).issued_by(format!("{b}/")))
        .unwrap();
    assert_revoked(
        get(&api, "/sensitive", &token_b).await,
        "B, client rule for B with a trailing slash",
    );
    assert_eq!(store.len(), 3);

    // Without an issuer: both issuers' tokens of that subject.
    let (other_a, other_b) = (
        token_of(&issuer_a, "tkn_a2", "m2m_a", "user_2"),
        token_of(&issuer_b, "tkn_b2", "m2m_b", "user_2"),
    );
    for token in [&other_a, &other_b] {
        assert_eq!(get(&api, "/sensitive", token).await.0, StatusCode::OK);
    }
    // The cutoff is taken after minting: a token covers "issued before"
    // only if its `iat` is earlier, and minting may cross a second.
    store
        .revoke_now(Revocation::subject("user_2", unix_now() + 1))
        .unwrap();
    assert_revoked(get(&api, "/sensitive", &other_a).await, "A, subject rule");
    assert_revoked(get(&api, "/sensitive", &other_b).await, "B, subject rule");

    // And a token rule without an issuer: both tokens of that `jti`.
    let (third_a, third_b) = (
        token_of(&issuer_a, "tkn_3", "m2m_a", "user_3"),
        token_of(&issuer_b, "tkn_3", "m2m_b", "user_3"),
    );
    store.revoke_now(Revocation::token("tkn_3", far)).unwrap();
    assert_revoked(get(&api, "/sensitive", &third_a).await, "A, jti rule");
    assert_revoked(get(&api, "/sensitive", &third_b).await, "B, jti rule");

    // An issuer no URL can be is refused, not stored.
    use scopegate::revocation::InvalidIssuer;
    for (bad, reason) in [
        ("", InvalidIssuer::Empty),
        ("https://a.example /x", InvalidIssuer::Whitespace),
        (
            "https://login.microsoftonline.com/{tenantid}/v2.0",
            InvalidIssuer::Template,
        ),
    ] {
        assert!(matches!(
            store.revoke_now(Revocation::subject("u", cutoff).issued_by(bad)),
            Err(scopegate::revocation::RevocationError::InvalidIssuer(r)) if r == reason
        ));
    }
}

/// What the dev issuer publishes, at its RFC 7009 endpoint and when a
/// client is deleted, is scoped to its own URL: the other trusted
/// issuer's token of the same `jti` and `client_id` is still served.
#[actix_web::test]
async fn the_dev_issuer_revokes_only_its_own_tokens() {
    let store = MemoryRevocations::new();
    let (issuer_a, issuer_b, api) = two_issuers(&store).await;
    let (id, secret) = common::register_client(&issuer_a, &[SCOPE], None);
    let token_a = token_of(&issuer_a, "tkn_shared", &id, "user_1");
    let token_b = token_of(&issuer_b, "tkn_shared", &id, "user_1");
    let response = revoke_at(&issuer_a, (&id, &secret), format!("token={token_a}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_revoked(get(&api, "/sensitive", &token_a).await, "A, revoked");
    assert_eq!(get(&api, "/sensitive", &token_b).await.0, StatusCode::OK);

    let other_a = token_of(&issuer_a, "tkn_other", &id, "user_1");
    assert_eq!(get(&api, "/sensitive", &other_a).await.0, StatusCode::OK);
    issuer_a.delete_client(common::ORG, &id).unwrap();
    assert_revoked(get(&api, "/sensitive", &other_a).await, "A, client deleted");
    assert_eq!(get(&api, "/sensitive", &token_b).await.0, StatusCode::OK);
    assert_eq!(store.len(), 2);
}

async fn revoke_at(issuer: &DevIssuer, client: (&str, &str), body: String) -> reqwest::Response {
    http_client()
        .post(issuer.revocation_url())
        .basic_auth(client.0, Some(client.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("POST /oauth/revoke")
}

/// RFC 7009 §2.1 at the dev issuer: another client's token is not revoked
/// whatever the hint, a hint of another type does not stop the client's
/// own access token from being revoked, and an oversized body is refused
/// without revoking anything.
#[actix_web::test]
async fn the_revocation_endpoint_revokes_only_the_callers_own_tokens() {
    let store = MemoryRevocations::new();
    let (issuer, api) = setup(&store).await;
    let (id, secret) = common::register_client(&issuer, &[SCOPE], None);
    let (other, other_secret) = common::register_client(&issuer, &[SCOPE], None);
    let token = issuer.token().scopes([SCOPE]).client_id(&id).mint();
    for hint in [
        "",
        "&token_type_hint=access_token",
        "&token_type_hint=refresh_token",
    ] {
        let response = revoke_at(
            &issuer,
            (&other, &other_secret),
            format!("token={token}{hint}"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{hint}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized_client", "{hint}");
    }
    // A token with no `client_id` is nobody's to revoke but the admin's.
    let orphan = issuer
        .token()
        .scopes([SCOPE])
        .remove_claim("client_id")
        .mint();
    let response = revoke_at(&issuer, (&id, &secret), format!("token={orphan}")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Too large a body: refused, nothing read into a rule.
    let padding = "x".repeat(20 * 1024);
    let response = revoke_at(
        &issuer,
        (&id, &secret),
        format!("token={token}&pad={padding}"),
    )
    .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_eq!(store.len(), 0);
    assert_eq!(get(&api, "/sensitive", &token).await.0, StatusCode::OK);

    // The owner, with a hint naming another token type: revoked anyway
    // (the hint is only a hint, RFC 7009 §2.1).
    let response = revoke_at(
        &issuer,
        (&id, &secret),
        format!("token={token}&token_type_hint=refresh_token"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(store.len(), 1);
    assert_revoked(get(&api, "/sensitive", &token).await, "own token");
}
