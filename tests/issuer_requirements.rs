//! Requirements written on issuers, over real HTTP with the dev issuer
//! and loopback JWKS servers: claim requirements written on an issuer
//! (`Issuer::require`) or on the whole authenticator
//! (`AuthenticatorBuilder::require`), answered `403 insufficient_scope`;
//! and scope prefixes (`Issuer::scope_prefix`), which grant only one
//! resource server's scopes, without the prefix.

mod common;

use actix_web::{HttpResponse, web};
use common::{decode_jwt, expect_error, get_bearer};
use reqwest::StatusCode;
use scopegate::dev::DevIssuer;
use scopegate::{
    policy::{ClaimRequirement, ClaimTest, ClaimValue},
    revocation::{MemoryRevocations, Revocation, RevocationMode},
};

const SCOPE: &str = "read:deployments";

/// Every token must carry `tier: "gold"`; the dev issuer's tokens do not,
/// unless asked.
fn gold() -> ClaimRequirement {
    ClaimRequirement::new("tier", ClaimTest::Equals(ClaimValue::str("gold")))
}

/// `GET api + path` with `token`: the status, the challenge and the body.
async fn get(api: &str, path: &str, token: &str) -> (StatusCode, String, serde_json::Value) {
    let response = get_bearer(&format!("{api}{path}"), token).await;
    let status = response.status();
    let challenge = common::challenge(&response);
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, challenge, body)
}

/// Asserts the `401` of a revoked token.
async fn assert_revoked(api: &str, path: &str, token: &str, what: &str) {
    let response = get_bearer(&format!("{api}{path}"), token).await;
    let body = expect_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(
        body["error_description"], "the token has been revoked",
        "{what} {path}"
    );
}

/// Asserts the `403` of the `tier` requirement.
async fn assert_tier_refused(api: &str, path: &str, token: &str, what: &str) {
    let (status, challenge, body) = get(api, path, token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{what} {path}: {body}");
    assert_eq!(body["error"], "insufficient_scope", "{what} {path}: {body}");
    assert!(challenge.contains("`tier`"), "{what} {path}: {challenge}");
}

/// A revoked token is not a valid token: wherever revocation is checked
/// (a handler that opts in; every handler and the `Claims` extractor in
/// `EveryHandler` mode), it is `401 invalid_token` "revoked", even when it
/// also fails an authenticator-wide requirement, exactly as it is before a
/// handler's own `claim(..)`; from the verified-token cache and when
/// verified afresh. Where revocation is not checked, the requirement's
/// `403` stays the answer.
#[actix_web::test]
async fn a_revoked_token_failing_a_requirement_is_401_where_revocation_is_checked() {
    for mode in [RevocationMode::OptIn, RevocationMode::EveryHandler] {
        let what = format!("{mode:?}");
        let store = MemoryRevocations::new();
        let issuer = DevIssuer::builder()
            .revocation_store(store.clone())
            .start()
            .await
            .unwrap();
        let auth = issuer
            .authenticator()
            .require(gold())
            .revocation(store.clone(), mode)
            .build()
            .unwrap();
        let api = common::revocation_api::spawn(auth);
        let revoke = |token: &str| {
            let (_, claims) = decode_jwt(token);
            let jti = claims["jti"].as_str().unwrap().to_owned();
            let exp = claims["exp"].as_i64().unwrap();
            store.revoke_now(Revocation::token(jti, exp)).unwrap();
        };
        let checked: &[&str] = match mode {
            RevocationMode::OptIn => &["/sensitive"],
            _ => &["/sensitive", "/plain", "/whoami"],
        };
        let unchecked: &[&str] = match mode {
            RevocationMode::OptIn => &["/plain", "/whoami"],
            _ => &[],
        };

        // Seen once (now in the verified-token cache), then revoked.
        let cached = issuer.token().scopes([SCOPE]).mint();
        for path in ["/sensitive", "/plain", "/whoami"] {
            assert_tier_refused(&api, path, &cached, &what).await;
        }
        revoke(&cached);
        // Revoked before it is ever seen: verified now.
        let fresh = issuer.token().scopes([SCOPE]).mint();
        revoke(&fresh);
        for token in [&cached, &fresh] {
            for path in checked {
                assert_revoked(&api, path, token, &what).await;
            }
            for path in unchecked {
                assert_tier_refused(&api, path, token, &what).await;
            }
        }

        // A revoked token that meets the requirement: as before.
        let gold_token = issuer
            .token()
            .scopes([SCOPE])
            .claim("tier", serde_json::json!("gold"))
            .mint();
        assert_eq!(get(&api, "/sensitive", &gold_token).await.0, StatusCode::OK);
        revoke(&gold_token);
        assert_revoked(&api, "/sensitive", &gold_token, &what).await;
    }
}

/// `GET /guarded/status`: behind a guard asking `read:deployments`.
async fn guarded_status() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// `GET /deploy`: `#[require_scopes]`.
#[scopegate::require_scopes("read:deployments")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// `GET /whoami`: the bare `Claims` extractor.
async fn whoami(_: scopegate::Claims) -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// `GET /authenticate`: `Authenticator::authenticate` by hand.
async fn by_hand(req: actix_web::HttpRequest) -> Result<HttpResponse, scopegate::AuthError> {
    let auth = scopegate::Authenticator::from_request(&req)?.clone();
    auth.authenticate(&req).await?;
    Ok(HttpResponse::Ok().finish())
}

/// A token of the second trusted issuer failing that issuer's requirement
/// is a valid token of that issuer: its one decision per request is counted
/// under that issuer (not the first one), reason `claim_mismatch`, whether
/// the `#[require_scopes]` extractor, the `Claims` extractor,
/// `Authenticator::authenticate` or a guard decides it, verified now or
/// from the caches.
#[actix_web::test]
async fn a_requirement_refusal_is_counted_under_the_issuer_of_the_token() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    use std::collections::BTreeMap;

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this process");

    let first = DevIssuer::start().await.unwrap();
    let second = DevIssuer::start().await.unwrap();
    let auth = first
        .authenticator()
        .trust(
            scopegate::Issuer::new(second.url())
                .jwks_url(second.jwks_url())
                .require(gold()),
        )
        .build()
        .unwrap();
    let api = common::serve(move |cfg| {
        cfg.app_data(auth.clone())
            .route("/deploy", web::get().to(deploy))
            .route("/whoami", web::get().to(whoami))
            .route("/authenticate", web::get().to(by_hand))
            .service(
                web::scope("/guarded")
                    .wrap(scopegate::require_scopes_guard!("read:deployments"))
                    .route("/status", web::get().to(guarded_status)),
            );
    });
    let token = second.token().scopes([SCOPE]).mint();
    let paths = ["/deploy", "/whoami", "/authenticate", "/guarded/status"];
    for _ in 0..2 {
        for path in paths {
            assert_tier_refused(&api, path, &token, "second issuer").await;
        }
    }

    let mut decisions: BTreeMap<String, u64> = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        if key.key().name() != "scopegate_decisions_total" {
            continue;
        }
        let labels: BTreeMap<String, String> = key
            .key()
            .labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect();
        let issuer = labels.get("issuer").cloned().unwrap_or_default();
        if issuer != first.url() && issuer != second.url() {
            continue; // another test's issuer
        }
        let DebugValue::Counter(n) = value else {
            panic!("a counter")
        };
        *decisions
            .entry(format!("{issuer} {}", labels["reason"]))
            .or_default() += n;
    }
    assert_eq!(
        decisions,
        BTreeMap::from([(
            format!("{} claim_mismatch", second.url()),
            2 * paths.len() as u64
        )])
    );
}

/// `GET /admin`: `any(admin:deployments, admin:users)`.
#[scopegate::require_scopes(any("admin:deployments", "admin:users"))]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// `GET /either`: `any(read:deployments, admin:deployments)`.
#[scopegate::require_scopes(any("read:deployments", "admin:deployments"))]
async fn either() -> HttpResponse {
    HttpResponse::Ok().finish()
}

const PREFIX: &str = "https://api.acme.test/";

/// A scope prefix on one of two trusted issuers changes only that issuer's
/// tokens, from the caches too: the other issuer's `read:deployments` still
/// grants `read:deployments` and its challenges name scopes without the
/// prefix. For the prefixed issuer, `any(..)` challenges put the prefix on
/// the scope they ask for, and a claim requirement on `scope` reads the
/// granted scopes, without the prefix, as `Claims::scopes` does.
#[actix_web::test]
async fn a_scope_prefix_binds_only_its_issuer() {
    let prefixed = DevIssuer::start().await.unwrap();
    let plain = DevIssuer::start().await.unwrap();
    let reads = ClaimRequirement::new(
        "scope",
        ClaimTest::Includes(ClaimValue::str("read:deployments")),
    );
    let auth = scopegate::Authenticator::builder(
        scopegate::Issuer::new(prefixed.url())
            .jwks_url(prefixed.jwks_url())
            .scope_prefix(PREFIX)
            .require(reads),
    )
    .trust(scopegate::Issuer::new(plain.url()).jwks_url(plain.jwks_url()))
    .build()
    .unwrap();
    let api = common::serve(move |cfg| {
        cfg.app_data(auth.clone())
            .route("/deploy", web::get().to(deploy))
            .route("/either", web::get().to(either))
            .route("/admin", web::get().to(admin));
    });
    let full = format!("{PREFIX}read:deployments");
    let challenge_scope = |scope: &str| format!(r#"scope="{scope}""#);
    for _ in 0..2 {
        // The prefixed issuer: only the full name grants the scope.
        let token = prefixed.token().scopes([full.as_str()]).mint();
        assert_eq!(get(&api, "/deploy", &token).await.0, StatusCode::OK);
        let bare = prefixed
            .token()
            .scopes(["read:deployments", "admin:deployments"])
            .mint();
        // No granted scope: the requirement on `scope` is the answer.
        assert_tier_like(&api, "/deploy", &bare, "scope").await;
        let admin = prefixed
            .token()
            .scopes([full.as_str(), "admin:deployments"])
            .mint();
        assert_eq!(get(&api, "/either", &admin).await.0, StatusCode::OK);

        // The other issuer: untouched by the prefix and the requirement.
        let token = plain.token().scopes(["read:deployments"]).mint();
        assert_eq!(get(&api, "/deploy", &token).await.0, StatusCode::OK);
        let prefixed_name = plain.token().scopes([full.as_str()]).mint();
        let (status, challenge, body) = get(&api, "/either", &prefixed_name).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(
            challenge.ends_with(&challenge_scope("read:deployments")),
            "{challenge}"
        );
    }
    // `any(..)` of scopes the prefixed issuer's token lacks: the challenge
    // asks for one, prefixed.
    let reader = prefixed.token().scopes([full.as_str()]).mint();
    let (status, challenge, body) = get(&api, "/admin", &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        challenge.ends_with(&challenge_scope(&format!("{PREFIX}admin:deployments"))),
        "{challenge}"
    );
}

/// Asserts the `403` of a failed claim requirement on `claim`.
async fn assert_tier_like(api: &str, path: &str, token: &str, claim: &str) {
    let (status, challenge, body) = get(api, path, token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    assert!(challenge.contains(&format!("`{claim}`")), "{challenge}");
    assert!(!challenge.contains("scope=\""), "{challenge}");
}

/// A `web::scope` with an authenticator of its own, under an app whose
/// authenticator trusts another issuer, with a guard on the scope: the
/// handler inside decides with the scope's authenticator, and the claims
/// another authenticator kept in the request (the guard's, which actix-web
/// runs with the app's data) are not taken as its own, so a token only
/// the app's issuer signed, or failing the scope's requirement, is refused.
#[actix_web::test]
async fn claims_kept_by_another_authenticator_are_not_reused() {
    let outer = DevIssuer::start().await.unwrap();
    let inner = DevIssuer::start().await.unwrap();
    let outer_auth = outer.authenticator().build().unwrap();
    let inner_auth = inner.authenticator().require(gold()).build().unwrap();
    let api = common::serve(move |cfg| {
        cfg.app_data(outer_auth.clone()).service(
            web::scope("/api")
                .wrap(scopegate::require_scopes_guard!("read:deployments"))
                .service(
                    web::scope("/partner")
                        .app_data(inner_auth.clone())
                        .route("/deploy", web::get().to(deploy))
                        .route("/whoami", web::get().to(whoami)),
                ),
        );
    });
    let outer_token = outer.token().scopes([SCOPE]).mint();
    for path in ["/api/partner/deploy", "/api/partner/whoami"] {
        let (status, _, body) = get(&api, path, &outer_token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
    }
}
