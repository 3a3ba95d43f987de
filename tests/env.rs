//! Provider presets configured from environment variables
//! (`SCOPEGATE_PRESET`), read through `Authenticator::builder_from_lookup`
//! and verifying tokens against a real JWKS endpoint on loopback: Keycloak
//! through its base URL variable, Auth0 through the `SCOPEGATE_JWKS_URL`
//! override of its keys. Each variable and error is covered by the
//! runtime's unit tests (`authenticator::env::tests`).

mod common;

use common::issuers::{JwksServer, assert_refused, call, claims_api, mint, now};
use common::jose::{TestKey, jwks};
use scopegate::{Authenticator, ConfigError};
use serde_json::json;

/// The API configured by `vars` alone, as `from_env` would be.
fn api_from(vars: &[(&str, String)]) -> Result<String, ConfigError> {
    let auth = Authenticator::builder_from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })?
    .build()?;
    Ok(claims_api(auth))
}

#[actix_web::test]
async fn a_keycloak_preset_from_the_environment_validates_its_tokens() {
    let key = TestKey::generate("realm-key-1");
    let server = JwksServer::start(vec![(
        "/realms/ops/protocol/openid-connect/certs".to_owned(),
        jwks(&[&key]),
    )]);
    let api = api_from(&[
        ("SCOPEGATE_PRESET", "keycloak".to_owned()),
        ("SCOPEGATE_KEYCLOAK_URL", server.base.clone()),
        ("SCOPEGATE_KEYCLOAK_REALM", "ops".to_owned()),
    ])
    .expect("the preset builds");
    let claims = |realm: &str| {
        json!({
            "iss": format!("{}/realms/{realm}", server.base),
            "sub": "f2d7c5e1-9b3a-4c8d-a6e4-2b1f0e9d8c7a", "azp": "deployer",
            "scope": "profile deploy:applications", "typ": "Bearer",
            "iat": now(), "exp": now() + 300,
        })
    };
    let header = json!({"alg": "RS256", "kid": key.kid, "typ": "JWT"});
    let token = mint(&key, header.clone(), claims("ops"));
    let (status, body) = call(&api, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_id"], "deployer", "{body}");
    assert_eq!(body["scopes"], json!(["profile", "deploy:applications"]));
    assert_eq!(server.requests(), 1, "the keys came from the realm's URL");
    // Another realm of the same server is another issuer.
    let other = mint(&key, header, claims("master"));
    assert_refused(&api, &other, "issued by").await;
}

#[actix_web::test]
async fn an_auth0_preset_takes_its_keys_from_the_jwks_url_override() {
    let key = TestKey::generate("auth0-key-1");
    let server = JwksServer::start(vec![("/auth0/jwks.json".to_owned(), jwks(&[&key]))]);
    let vars = [
        ("SCOPEGATE_PRESET", "auth0".to_owned()),
        ("SCOPEGATE_AUTH0_DOMAIN", "acme.us.auth0.com".to_owned()),
        (
            "SCOPEGATE_AUDIENCE",
            "https://deployments.acmecorp.com".to_owned(),
        ),
        (
            "SCOPEGATE_JWKS_URL",
            format!("{}/auth0/jwks.json", server.base),
        ),
    ];
    let api = api_from(&vars).expect("the preset builds");
    let claims = |aud: &str| {
        json!({
            "iss": "https://acme.us.auth0.com/", "sub": "Xk9v2pQ7@clients",
            "aud": aud, "azp": "Xk9v2pQ7", "gty": "client-credentials",
            "scope": "deploy:applications", "iat": now(), "exp": now() + 300,
        })
    };
    let header = json!({"alg": "RS256", "kid": key.kid, "typ": "JWT"});
    let token = mint(
        &key,
        header.clone(),
        claims("https://deployments.acmecorp.com"),
    );
    let (status, body) = call(&api, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_id"], "Xk9v2pQ7", "{body}");
    assert_eq!(body["iss"], "https://acme.us.auth0.com/", "{body}");
    // The preset's audience still applies with the keys replaced.
    let other_api = mint(&key, header, claims("https://billing.acmecorp.com"));
    assert_refused(&api, &other_api, "audience").await;

    // Without the audience the preset is refused before any request.
    let before = server.requests();
    let error = api_from(&vars[..2]).expect_err("the audience is required");
    assert!(
        matches!(
            error,
            ConfigError::PresetNeedsEnv {
                preset: "auth0",
                name: "SCOPEGATE_AUDIENCE"
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.requests(), before);
}

/// `SCOPEGATE_ISSUER` is the exact `iss`, a trailing `/` included (RFC 7519
/// compares it as a string): an issuer whose tokens say `https://host/`
/// can be configured from the environment, and a token without the slash
/// is another issuer's. A Scalekit environment URL names the environment,
/// whose `iss` never ends in `/`: a stray slash there is dropped.
#[actix_web::test]
async fn an_issuer_with_a_trailing_slash_is_kept_exactly() {
    let key = TestKey::generate("slash-key-1");
    let server = JwksServer::start(vec![("/keys".to_owned(), jwks(&[&key]))]);
    let header = json!({"alg": "RS256", "kid": key.kid, "typ": "JWT"});
    let token = |iss: String| {
        mint(
            &key,
            header.clone(),
            json!({
                "iss": iss, "sub": "m2m", "client_id": "deployer",
                "scopes": ["deploy:applications"], "iat": now(), "exp": now() + 300,
            }),
        )
    };
    let with_slash = format!("{}/", server.base);
    let api = api_from(&[("SCOPEGATE_ISSUER", with_slash.clone())]).expect("it builds");
    let (status, body) = call(&api, &token(with_slash.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_refused(&api, &token(server.base.clone()), "issued by").await;

    let api = api_from(&[("SCALEKIT_ENVIRONMENT_URL", with_slash)]).expect("it builds");
    let (status, body) = call(&api, &token(server.base.clone())).await;
    assert_eq!(status, 200, "{body}");
}
