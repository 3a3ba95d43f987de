//! The wire behaviour of protected handlers: every 200/400/401/403/500 of
//! RFC 6750, the scope forms of `#[require_scopes]`, and the token checks
//! of RFC 7519 / RFC 8725, over real HTTP with real RS256 tokens.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{
    COUNTED_EXTRACTIONS, challenge, expect_error, get_bearer, http_client, spawn_api, unix_now,
};
use reqwest::StatusCode;
use scopegate::dev::DevIssuer;
use serde_json::{Value, json};

struct Fixture {
    issuer: DevIssuer,
    api: String,
    http: reqwest::Client,
}

impl Fixture {
    async fn new() -> Self {
        Self::with(|b| b).await
    }

    async fn with(
        configure: impl FnOnce(scopegate::AuthenticatorBuilder) -> scopegate::AuthenticatorBuilder,
    ) -> Self {
        let issuer = DevIssuer::start().await.unwrap();
        let auth = configure(issuer.authenticator().leeway(Duration::from_secs(5)))
            .build()
            .unwrap();
        let api = spawn_api(Some(auth));
        Fixture {
            issuer,
            api,
            http: http_client(),
        }
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        get_bearer(&format!("{}{path}", self.api), token).await
    }

    async fn status(&self, path: &str, token: &str) -> StatusCode {
        self.get(path, token).await.status()
    }

    /// Asserts `token` is refused on /whoami with `401 invalid_token`, and
    /// returns the error description.
    async fn assert_invalid(&self, token: &str, why: &str) -> String {
        let response = self.get("/whoami", token).await;
        let header = challenge(&response);
        assert!(
            header.starts_with("Bearer error=\"invalid_token\", error_description=\""),
            "{why}: {header}"
        );
        let body = expect_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
        let description = body["error_description"].as_str().unwrap().to_owned();
        assert!(
            !description.contains(token),
            "{why}: the description echoes the token"
        );
        description
    }
}

#[actix_web::test]
async fn each_scope_form_lets_the_right_tokens_through() {
    let f = Fixture::new().await;
    let token = |scopes: &[&str]| f.issuer.token().scopes(scopes.iter().copied()).mint();

    // One scope, with Claims and a JSON body.
    let response = f
        .http
        .post(format!("{}/deploy", f.api))
        .bearer_auth(
            f.issuer
                .token()
                .scopes(["deploy:applications"])
                .client_id("m2morg_1")
                .claim("github_repository", json!("acmecorp/inventory-service"))
                .mint(),
        )
        .json(&json!({"service": "inventory"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"service": "inventory", "client_id": "m2morg_1", "repository": "acmecorp/inventory-service"})
    );

    // any(): either alternative.
    assert_eq!(
        f.status("/deployments", &token(&["read:deployments"]))
            .await,
        StatusCode::OK
    );
    assert_eq!(
        f.status("/deployments", &token(&["admin:deployments"]))
            .await,
        StatusCode::OK
    );
    assert_eq!(
        f.status("/deployments", &token(&["deploy:applications"]))
            .await,
        StatusCode::FORBIDDEN
    );

    // Several scopes: all of them.
    assert_eq!(
        f.status(
            "/both",
            &token(&["deploy:applications", "read:deployments"])
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        f.status("/both", &token(&["deploy:applications"])).await,
        StatusCode::FORBIDDEN
    );

    // Nested.
    assert_eq!(
        f.status("/nested", &token(&["admin:deployments", "audit:read"]))
            .await,
        StatusCode::OK
    );
    assert_eq!(
        f.status(
            "/nested",
            &token(&["admin:deployments", "audit:export", "audit:sign"])
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        f.status("/nested", &token(&["admin:deployments", "audit:export"]))
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        f.status("/nested", &token(&["audit:read"])).await,
        StatusCode::FORBIDDEN
    );

    // Claims alone: any valid token, scopes readable; the open route needs none.
    let response = f
        .get(
            "/whoami",
            &f.issuer
                .token()
                .scope_string("openid read:deployments")
                .mint(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scopes"], json!(["openid", "read:deployments"]));
    let health = f
        .http
        .get(format!("{}/health", f.api))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_missing_token_gets_a_bare_challenge() {
    let f = Fixture::new().await;
    for path in ["/whoami", "/deployments"] {
        let response = f.http.get(format!("{}{path}", f.api)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(challenge(&response), "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "missing_token");
    }
    // Another scheme is not a bearer credential.
    let response = f
        .http
        .get(format!("{}/whoami", f.api))
        .basic_auth("user", Some("pass"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&response), "Bearer");
}

#[actix_web::test]
async fn the_scheme_name_is_case_insensitive() {
    let f = Fixture::new().await;
    let token = f.issuer.token().scopes(["read:deployments"]).mint();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let response = f
            .http
            .get(format!("{}/deployments", f.api))
            .header("authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }
}

#[actix_web::test]
async fn malformed_requests_get_400_invalid_request() {
    let f = Fixture::new().await;
    let token = f.issuer.token().scopes(["read:deployments"]).mint();
    let url = format!("{}/deployments", f.api);
    let cases = vec![
        (
            "two credentials in one header",
            f.http
                .get(&url)
                .header("authorization", format!("Bearer {token}, Bearer {token}")),
        ),
        (
            "two tokens",
            f.http
                .get(&url)
                .header("authorization", format!("Bearer {token} {token}")),
        ),
        (
            "empty token",
            f.http.get(&url).header("authorization", "Bearer "),
        ),
        (
            "not b64token",
            f.http.get(&url).header("authorization", "Bearer abc\"def"),
        ),
        (
            "two Authorization headers",
            f.http
                .get(&url)
                .header("authorization", format!("Bearer {token}"))
                .header("authorization", format!("Bearer {token}")),
        ),
        (
            "token in the URI",
            f.http.get(format!("{url}?access_token={token}")),
        ),
        (
            "header and URI",
            f.http
                .get(format!("{url}?access_token={token}"))
                .bearer_auth(&token),
        ),
    ];
    for (why, request) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{why}");
        assert!(
            challenge(&response)
                .starts_with("Bearer error=\"invalid_request\", error_description=\""),
            "{why}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{why}");
        assert!(
            !body["error_description"].as_str().unwrap().contains(&token),
            "{why}"
        );
    }
}

#[actix_web::test]
async fn a_missing_scope_gets_403_with_the_scope_to_ask_for() {
    let f = Fixture::new().await;
    let response = f
        .get(
            "/both",
            &f.issuer.token().scopes(["deploy:applications"]).mint(),
        )
        .await;
    assert_eq!(
        challenge(&response),
        "Bearer error=\"insufficient_scope\", error_description=\"the token lacks a required scope: needs all(deploy:applications, read:deployments)\", scope=\"deploy:applications read:deployments\""
    );
    expect_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;

    let response = f
        .get(
            "/deployments",
            &f.issuer.token().scopes(["other:scope"]).mint(),
        )
        .await;
    assert!(challenge(&response).ends_with("scope=\"read:deployments\""));
}

#[actix_web::test]
async fn scope_look_alikes_are_not_the_scope() {
    let f = Fixture::new().await;
    for near in [
        "deploy:applications2",
        "deploy:*",
        "DEPLOY:APPLICATIONS",
        "deploy:application",
        "deploy",
        "*",
        " deploy:applications",
    ] {
        let response = f
            .http
            .post(format!("{}/deploy", f.api))
            .bearer_auth(f.issuer.token().scopes([near]).mint())
            .json(&json!({"service": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{near:?}");
    }
    // A space-separated `scope` string is split, never matched as a prefix.
    assert_eq!(
        f.status(
            "/deployments",
            &f.issuer
                .token()
                .scope_string("read:deployments2 read")
                .mint()
        )
        .await,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn unauthorized_requests_never_reach_the_handlers_extractors() {
    let f = Fixture::new().await;
    let before = COUNTED_EXTRACTIONS.load(Ordering::SeqCst);
    let url = format!("{}/counted", f.api);
    let no_token = f.http.post(&url).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    let wrong_scope = f
        .http
        .post(&url)
        .bearer_auth(f.issuer.token().scopes(["x:y"]).mint())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scope.status(), StatusCode::FORBIDDEN);
    assert_eq!(COUNTED_EXTRACTIONS.load(Ordering::SeqCst), before);
    let ok = f
        .http
        .post(&url)
        .bearer_auth(f.issuer.token().scopes(["count:extractions"]).mint())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(COUNTED_EXTRACTIONS.load(Ordering::SeqCst), before + 1);

    // A broken JSON body without a token is a 401, not a JSON error: the
    // body was never parsed.
    let response = f
        .http
        .post(format!("{}/deploy", f.api))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn expiry_and_not_before_honour_the_leeway() {
    let f = Fixture::new().await; // leeway 5 s
    // The keys fetched first: the token 2 s past its `exp` below is then
    // checked by one request right after it is minted, well inside the
    // 3 s the leeway leaves it.
    assert_eq!(
        f.status("/whoami", &f.issuer.token().mint()).await,
        StatusCode::OK
    );
    assert_eq!(
        f.status(
            "/whoami",
            &f.issuer.token().expires_at(unix_now() - 2).mint()
        )
        .await,
        StatusCode::OK
    );
    let t = unix_now();
    let description = f
        .assert_invalid(&f.issuer.token().expires_at(t - 60).mint(), "expired")
        .await;
    assert!(description.contains("expired"), "{description}");
    assert_eq!(
        f.status("/whoami", &f.issuer.token().not_before(t + 2).mint())
            .await,
        StatusCode::OK
    );
    let description = f
        .assert_invalid(&f.issuer.token().not_before(t + 60).mint(), "not yet valid")
        .await;
    assert!(description.contains("nbf"), "{description}");
    f.assert_invalid(&f.issuer.token().remove_claim("exp").mint(), "no exp")
        .await;
    // exp/nbf of the wrong JSON type are never read as numbers.
    f.assert_invalid(
        &f.issuer
            .token()
            .claim("exp", json!((t + 3600).to_string()))
            .mint(),
        "exp as string",
    )
    .await;
    f.assert_invalid(
        &f.issuer.token().claim("nbf", json!(null)).mint(),
        "nbf null",
    )
    .await;
    f.assert_invalid(
        &f.issuer.token().claim("exp", json!(true)).mint(),
        "exp bool",
    )
    .await;
}

#[actix_web::test]
async fn the_issuer_must_match() {
    let f = Fixture::new().await;
    let description = f
        .assert_invalid(
            &f.issuer.token().issuer("https://evil.example").mint(),
            "wrong iss",
        )
        .await;
    assert!(description.contains("issued by"), "{description}");
    f.assert_invalid(
        &f.issuer
            .token()
            .issuer(format!("{}/", f.issuer.url()))
            .mint(),
        "trailing slash",
    )
    .await;
    f.assert_invalid(&f.issuer.token().remove_claim("iss").mint(), "no iss")
        .await;
}

#[actix_web::test]
async fn the_audience_is_checked_when_configured() {
    let f = Fixture::with(|b| b.audience("deployment-api.acmecorp.com")).await;
    assert_eq!(
        f.status(
            "/whoami",
            &f.issuer
                .token()
                .audience("deployment-api.acmecorp.com")
                .mint()
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        f.status(
            "/whoami",
            &f.issuer
                .token()
                .audiences(["other", "deployment-api.acmecorp.com"])
                .mint()
        )
        .await,
        StatusCode::OK
    );
    f.assert_invalid(&f.issuer.token().audience("other-api").mint(), "wrong aud")
        .await;
    f.assert_invalid(&f.issuer.token().mint(), "missing aud")
        .await;
    f.assert_invalid(
        &f.issuer.token().claim("aud", json!(42)).mint(),
        "aud not a string",
    )
    .await;
}

#[actix_web::test]
async fn unsigned_and_algorithm_confused_tokens_are_refused() {
    let f = Fixture::new().await;
    for spelling in ["none", "None", "NONE", "nOnE"] {
        let token = f
            .issuer
            .token()
            .scopes(["read:deployments"])
            .unsigned(spelling)
            .mint();
        f.assert_invalid(&token, spelling).await;
    }
    let description = f
        .assert_invalid(
            &f.issuer.token().hs256_with_public_key().mint(),
            "HS256 keyed with the public key",
        )
        .await;
    assert!(description.contains("HS256"), "{description}");
    f.assert_invalid(
        &f.issuer.token().alg("RS512").mint(),
        "RS512 not in the allow-list",
    )
    .await;
}

#[actix_web::test]
async fn forged_signatures_are_refused() {
    let f = Fixture::new().await;
    let description = f
        .assert_invalid(
            &f.issuer.token().signed_with_other_key().mint(),
            "another key under a known kid",
        )
        .await;
    assert!(description.contains("signature"), "{description}");
    f.assert_invalid(
        &f.issuer.token().bad_signature().mint(),
        "flipped signature",
    )
    .await;
    // The token's own key hints are never used to find a key.
    let forged = f
        .issuer
        .token()
        .signed_with_other_key()
        .header("jku", json!("https://evil.example/keys"))
        .header("x5u", json!("https://evil.example/cert"))
        .header("jwk", json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}))
        .mint();
    f.assert_invalid(&forged, "jku/x5u/jwk on a forged token")
        .await;
    // ... and on a genuine token they are simply ignored.
    let genuine = f
        .issuer
        .token()
        .header("jku", json!("https://evil.example/keys"))
        .header("x5u", json!("https://evil.example/cert"))
        .mint();
    assert_eq!(f.status("/whoami", &genuine).await, StatusCode::OK);
    let description = f
        .assert_invalid(
            &f.issuer.token().header("crit", json!(["exp"])).mint(),
            "crit",
        )
        .await;
    assert!(description.contains("crit"), "{description}");
    f.assert_invalid(
        &f.issuer.token().header("kid", json!(null)).mint(),
        "no kid",
    )
    .await;
    f.assert_invalid("not-a-jwt", "garbage").await;
    f.assert_invalid("a.b.c", "three garbage parts").await;
}

#[actix_web::test]
async fn scope_claims_of_the_wrong_type_invalidate_the_token() {
    let f = Fixture::new().await;
    f.assert_invalid(
        &f.issuer
            .token()
            .claim("scopes", json!("read:deployments"))
            .mint(),
        "scopes as string",
    )
    .await;
    f.assert_invalid(
        &f.issuer
            .token()
            .claim("scopes", json!(["read:deployments", 7]))
            .mint(),
        "scopes with a number",
    )
    .await;
    f.assert_invalid(
        &f.issuer
            .token()
            .claim("scope", json!(["read:deployments"]))
            .mint(),
        "scope as array",
    )
    .await;
    f.assert_invalid(
        &f.issuer
            .token()
            .claim("scopes", json!({"read": true}))
            .mint(),
        "scopes as object",
    )
    .await;
}

#[actix_web::test]
async fn an_app_without_an_authenticator_answers_500() {
    let issuer = DevIssuer::start().await.unwrap();
    let api = spawn_api(None);
    let response = get_bearer(
        &format!("{api}/deployments"),
        &issuer.token().scopes(["read:deployments"]).mint(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[actix_web::test]
async fn oversized_tokens_are_refused_before_parsing() {
    let f = Fixture::with(|b| b.max_token_bytes(2048)).await;
    let big = f
        .issuer
        .token()
        .claim("padding", json!("x".repeat(4096)))
        .mint();
    let description = f.assert_invalid(&big, "oversized").await;
    assert!(description.contains("bytes"), "{description}");
}
