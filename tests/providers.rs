//! The provider presets against tokens shaped the way each provider
//! documents its client-credentials access tokens (claim names and types,
//! `iss` form, header `typ`), verified against a real JWKS endpoint on
//! loopback at the provider's documented key path: the preset is pointed
//! at it with `Issuer::base_url`, which keeps the paths. For each provider,
//! one common misconfiguration is refused too.
//!
//! The presets' hosts are checked against the documented ones in the
//! runtime's unit tests (`preset::tests`).

mod common;

use actix_web::{HttpResponse, web};
use common::issuers::{JwksServer, assert_refused, call, claims_api, mint, now};
use common::jose::{TestKey, jwks};
use scopegate::{Authenticator, Claims, Issuer, require_scopes};
use serde_json::{Value, json};

/// A provider stand-in: one signing key, published at `key_path` only.
struct Provider {
    key: TestKey,
    server: JwksServer,
}

impl Provider {
    fn start(key_path: &str) -> Provider {
        let key = TestKey::generate("provider-key-1");
        let server = JwksServer::start(vec![(key_path.to_owned(), jwks(&[&key]))]);
        Provider { key, server }
    }

    fn base(&self) -> &str {
        &self.server.base
    }

    /// The API trusting `preset`, pointed at this stand-in.
    fn api(&self, preset: Issuer) -> String {
        let auth = Authenticator::builder(preset.base_url(self.base()))
            .build()
            .expect("the preset builds");
        claims_api(auth)
    }

    /// A token with header `{"alg": "RS256", "kid": ..}` plus `header`.
    fn mint(&self, header: Value, claims: Value) -> String {
        let mut full = json!({"alg": "RS256", "kid": self.key.kid});
        if let (Value::Object(full), Value::Object(extra)) = (&mut full, header) {
            full.extend(extra);
        }
        mint(&self.key, full, claims)
    }
}

/// Asserts `200` and the client id and scopes read from the token.
async fn assert_accepted(api: &str, token: &str, client_id: &str, scopes: &[&str]) {
    let (status, body) = call(api, token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_id"], client_id, "{body}");
    assert_eq!(body["scopes"], json!(scopes), "{body}");
}

#[actix_web::test]
async fn scalekit() {
    let p = Provider::start("/keys");
    let api = p.api(Issuer::scalekit("https://acme.scalekit.dev"));
    let claims = |iss: &str| {
        json!({
            "client_id": "m2morg_69038819013493", "sub": "m2morg_69038819013493",
            "oid": "org_59615193906282635", "scopes": ["deploy:applications"],
            "iss": iss, "iat": now(), "nbf": now(), "exp": now() + 3600,
            "jti": "tkn_69041163914445",
        })
    };
    let token = p.mint(json!({"typ": "JWT"}), claims(p.base()));
    assert_accepted(
        &api,
        &token,
        "m2morg_69038819013493",
        &["deploy:applications"],
    )
    .await;
    // A token of another Scalekit environment.
    let other = p.mint(json!({"typ": "JWT"}), claims("https://other.scalekit.dev"));
    assert_refused(&api, &other, "issued by").await;
}

#[actix_web::test]
async fn auth0() {
    const API: &str = "https://deployments.acmecorp.com";
    const CLIENT: &str = "awZfdIir8YFdGZWkvCejDoUb7SjTDicx";
    let p = Provider::start("/.well-known/jwks.json");
    let api = p.api(Issuer::auth0("acme.us.auth0.com", API));
    let iss = format!("{}/", p.base());
    // The default token profile: `azp`, `gty`, `sub` = `<client>@clients`.
    let token = p.mint(
        json!({"typ": "JWT"}),
        json!({
            "iss": iss, "sub": format!("{CLIENT}@clients"), "aud": API,
            "iat": now(), "exp": now() + 86400,
            "scope": "read:deployments deploy:applications",
            "gty": "client-credentials", "azp": CLIENT,
        }),
    );
    assert_accepted(
        &api,
        &token,
        CLIENT,
        &["read:deployments", "deploy:applications"],
    )
    .await;
    // The RFC 9068 profile, with role-based access control's
    // `permissions`: `client_id` instead of `azp`, `typ: at+jwt`.
    let token = p.mint(
        json!({"typ": "at+jwt"}),
        json!({
            "iss": iss, "sub": format!("{CLIENT}@clients"), "aud": API,
            "iat": now(), "exp": now() + 86400, "jti": "73WakrfVbNJBaAmhQtEeDv",
            "scope": "read:deployments deploy:applications",
            "permissions": ["read:deployments"], "client_id": CLIENT,
        }),
    );
    assert_accepted(&api, &token, CLIENT, &["read:deployments"]).await;
    // An Auth0 ID token (same keys): its audience is the client.
    let id_token = p.mint(
        json!({"typ": "JWT"}),
        json!({
            "iss": iss, "sub": "auth0|6553da60a54af58e29493993", "aud": CLIENT,
            "iat": now(), "exp": now() + 36000, "nonce": "n-0S6_WzA2Mj",
            "name": "Jane", "email": "jane@acmecorp.com",
        }),
    );
    assert_refused(&api, &id_token, "another audience").await;
    // The issuer without its trailing slash is another issuer.
    let no_slash = p.mint(
        json!({"typ": "JWT"}),
        json!({"iss": p.base(), "aud": API, "exp": now() + 60, "azp": CLIENT}),
    );
    assert_refused(&api, &no_slash, "issued by").await;
}

const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const OTHER_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ENTRA_API: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
const ENTRA_CLIENT: &str = "5a7b3c42-8d1e-4f6a-9b2c-0e1d2f3a4b5c";

/// A v2.0 app-only token of Entra ID for `tenant`.
fn entra_v2(p: &Provider, tenant: &str) -> String {
    p.mint(
        json!({"typ": "JWT", "x5t": "nOo3ZDrODXEK1jKWhXslHR_KXEg"}),
        json!({
            "aud": ENTRA_API, "iss": format!("{}/{tenant}/v2.0", p.base()),
            "iat": now(), "nbf": now(), "exp": now() + 3599,
            "aio": "E2ZgYDjx", "azp": ENTRA_CLIENT, "azpacr": "1",
            "oid": "2f3b1c5e-1111-4a2b-9c3d-4e5f6a7b8c9d", "rh": "0.AQ4A",
            "roles": ["deploy:applications", "read:deployments"],
            "sub": "2f3b1c5e-1111-4a2b-9c3d-4e5f6a7b8c9d", "tid": tenant,
            "uti": "kNq5m0d1", "ver": "2.0",
        }),
    )
}

#[actix_web::test]
async fn entra_id() {
    let p = Provider::start("/common/discovery/v2.0/keys");
    let api = p.api(Issuer::entra_id(TENANT, ENTRA_API));
    assert_accepted(
        &api,
        &entra_v2(&p, TENANT),
        ENTRA_CLIENT,
        &["deploy:applications", "read:deployments"],
    )
    .await;
    // Another tenant.
    assert_refused(&api, &entra_v2(&p, OTHER_TENANT), "tenant").await;
    // A v1.0 token: `sts.windows.net`, `appid`, `ver: 1.0`.
    let v1 = p.mint(
        json!({"typ": "JWT", "x5t": "nOo3ZDrODXEK1jKWhXslHR_KXEg"}),
        json!({
            "aud": format!("api://{ENTRA_API}"), "iss": format!("https://sts.windows.net/{TENANT}/"),
            "iat": now(), "nbf": now(), "exp": now() + 3599,
            "appid": ENTRA_CLIENT, "appidacr": "1", "idp": format!("https://sts.windows.net/{TENANT}/"),
            "oid": "2f3b1c5e", "roles": ["deploy:applications"], "sub": "2f3b1c5e",
            "tid": TENANT, "ver": "1.0",
        }),
    );
    assert_refused(&api, &v1, "issued by").await;
    // A v1.0 shape under the v2.0 issuer is refused by `ver`.
    let mut mixed: Value = common::decode_jwt(&entra_v2(&p, TENANT)).1;
    mixed["ver"] = json!("1.0");
    assert_refused(&api, &p.mint(json!({"typ": "JWT"}), mixed), "`ver`").await;
}

#[actix_web::test]
async fn entra_id_tenant_lists_and_any_tenant() {
    let p = Provider::start("/common/discovery/v2.0/keys");
    let listed = p.api(Issuer::entra_id_tenants([TENANT, OTHER_TENANT], ENTRA_API));
    let third = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    for tenant in [TENANT, OTHER_TENANT] {
        let (status, body) = call(&listed, &entra_v2(&p, tenant)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["trusted_issuer"],
            format!("{}/{{tenantid}}/v2.0", p.base())
        );
    }
    assert_refused(&listed, &entra_v2(&p, third), "tenant").await;
    let any = p.api(Issuer::entra_id_any_tenant(ENTRA_API));
    assert_eq!(call(&any, &entra_v2(&p, third)).await.0, 200);
    // `iss` names one tenant, `tid` another.
    let mut forged: Value = common::decode_jwt(&entra_v2(&p, third)).1;
    forged["tid"] = json!(TENANT);
    assert_refused(&any, &p.mint(json!({"typ": "JWT"}), forged), "`tid`").await;
}

#[actix_web::test]
async fn okta() {
    const CLIENT: &str = "0oa1qh2mvd3H4J5k6l7";
    let p = Provider::start("/oauth2/default/v1/keys");
    let api = p.api(Issuer::okta("acme.okta.com", "default", "api://default"));
    // Okta's access token header has no `typ`; `scp` is an array, `cid`
    // the client, `ver` a number.
    let claims = |iss: String, aud: &str| {
        json!({
            "ver": 1, "jti": "AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE",
            "iss": iss, "aud": aud, "iat": now(), "exp": now() + 3600,
            "cid": CLIENT, "scp": ["deploy:applications"], "sub": CLIENT,
        })
    };
    let token = p.mint(
        json!({}),
        claims(format!("{}/oauth2/default", p.base()), "api://default"),
    );
    assert_accepted(&api, &token, CLIENT, &["deploy:applications"]).await;
    // A token of the org authorization server (for Okta's own APIs).
    let org = p.mint(json!({}), claims(p.base().to_owned(), p.base()));
    assert_refused(&api, &org, "issued by").await;
    // A custom authorization server's token for another audience.
    let other = p.mint(
        json!({}),
        claims(format!("{}/oauth2/default", p.base()), "api://billing"),
    );
    assert_refused(&api, &other, "another audience").await;
}

#[actix_web::test]
async fn keycloak() {
    let p = Provider::start("/realms/ops/protocol/openid-connect/certs");
    let api = p.api(Issuer::keycloak("https://sso.acmecorp.com", "ops"));
    // A service account's token: no `aud`, `typ: Bearer` in the claims,
    // `azp` and `client_id` the client.
    let claims = |realm: &str| {
        json!({
            "exp": now() + 300, "iat": now(), "jti": "8b6f0d4e-3c2a-4f1e-9d8b-7a6c5b4e3d2f",
            "iss": format!("{}/realms/{realm}", p.base()),
            "sub": "f2d7c5e1-9b3a-4c8d-a6e4-2b1f0e9d8c7a", "typ": "Bearer",
            "azp": "deployer", "acr": "1",
            "realm_access": {"roles": ["offline_access", "default-roles-ops"]},
            "scope": "profile email deploy:applications", "clientHost": "10.0.0.7",
            "preferred_username": "service-account-deployer", "client_id": "deployer",
        })
    };
    let token = p.mint(json!({"typ": "JWT"}), claims("ops"));
    assert_accepted(
        &api,
        &token,
        "deployer",
        &["profile", "email", "deploy:applications"],
    )
    .await;
    // A token of another realm of the same server.
    let other = p.mint(json!({"typ": "JWT"}), claims("master"));
    assert_refused(&api, &other, "issued by").await;
}

#[actix_web::test]
async fn cognito() {
    const POOL: &str = "us-east-1_Ab12Cd34E";
    const CLIENT: &str = "1example23456789";
    let p = Provider::start(&format!("/{POOL}/.well-known/jwks.json"));
    let api = p.api(Issuer::cognito("us-east-1", POOL));
    let iss = format!("{}/{POOL}", p.base());
    // A client-credentials access token: no `aud`, `token_use: access`,
    // scopes `<resource server>/<scope>`; the header has no `typ`.
    let token = p.mint(
        json!({}),
        json!({
            "sub": CLIENT, "token_use": "access", "scope": "deployments/deploy",
            "auth_time": now(), "iss": iss, "exp": now() + 3600, "iat": now(),
            "version": 2, "jti": "5b1c7a3e-0d4f-4e2a-8c9b-6f1e2d3c4b5a", "client_id": CLIENT,
        }),
    );
    assert_accepted(&api, &token, CLIENT, &["deployments/deploy"]).await;
    // An ID token of the same pool.
    let id_token = p.mint(
        json!({}),
        json!({
            "sub": "aaaaaaaa-bbbb-cccc-dddd-example", "aud": CLIENT, "email_verified": true,
            "token_use": "id", "auth_time": now(), "iss": iss,
            "cognito:username": "jane", "exp": now() + 3600, "iat": now(),
            "email": "jane@acmecorp.com",
        }),
    );
    assert_refused(&api, &id_token, "token_use").await;
}

/// `POST /deploy`: needs `deploy:applications`; answers with the scopes
/// granted.
#[require_scopes("deploy:applications")]
async fn deploy(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({"scopes": claims.scopes()}))
}

/// Cognito with the resource server's identifier as the scope prefix:
/// `<identifier>/deploy:applications` grants `deploy:applications`, which
/// `#[require_scopes]` names; the scopes of another resource server, of a
/// look-alike host, Cognito's own and a bare `deploy:applications` grant
/// nothing, so a token holding only those is `403 insufficient_scope`,
/// whose challenge names the scope with the prefix, as Cognito knows it.
#[actix_web::test]
async fn cognito_scopes_of_one_resource_server() {
    const POOL: &str = "us-east-1_Ab12Cd34E";
    const SERVER: &str = "https://deployments.acmecorp.com/";
    let p = Provider::start(&format!("/{POOL}/.well-known/jwks.json"));
    let auth = Authenticator::builder(
        Issuer::cognito("us-east-1", POOL)
            .scope_prefix(SERVER)
            .base_url(p.base()),
    )
    .build()
    .expect("the preset builds");
    let api = common::serve(move |cfg| {
        cfg.app_data(auth.clone())
            .route("/deploy", web::post().to(deploy));
    });
    let iss = format!("{}/{POOL}", p.base());
    let token = |scope: &str| {
        p.mint(
            json!({}),
            json!({
                "sub": "1example23456789", "token_use": "access", "scope": scope,
                "iss": iss, "exp": now() + 3600, "iat": now(), "version": 2,
                "client_id": "1example23456789",
            }),
        )
    };
    let post = |token: String| {
        common::issuers::answer(
            common::http_client()
                .post(format!("{api}/deploy"))
                .bearer_auth(token),
        )
    };

    let granted = token(&format!(
        "{SERVER}deploy:applications https://billing.acmecorp.com/refund:payments \
         aws.cognito.signin.user.admin {SERVER}read:deployments {SERVER}"
    ));
    let (status, _, body) = post(granted).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["scopes"],
        json!(["deploy:applications", "read:deployments"])
    );

    for scope in [
        "https://billing.acmecorp.com/deploy:applications",
        "https://deployments.acmecorp.com.evil.example/deploy:applications",
        "deploy:applications",
        SERVER,
    ] {
        let (status, challenge, body) = post(token(scope)).await;
        assert_eq!(status, 403, "{scope}: {body}");
        // The scope to ask for, named as Cognito knows it.
        assert!(
            challenge.contains(r#"error="insufficient_scope""#)
                && challenge.ends_with(&format!(r#"scope="{SERVER}deploy:applications""#)),
            "{scope}: {challenge}"
        );
    }
}

/// A prefix no scope can begin with is refused when the authenticator is
/// built.
#[test]
fn an_unusable_scope_prefix_is_a_configuration_error() {
    for bad in ["", "https://api.acme.com/ x", "say\"what"] {
        let error = Authenticator::builder(
            Issuer::cognito("us-east-1", "us-east-1_Ab12Cd34E").scope_prefix(bad),
        )
        .build()
        .expect_err(bad);
        assert!(
            matches!(error, scopegate::ConfigError::InvalidScopePrefix { .. }),
            "{bad:?}: {error}"
        );
        assert!(error.to_string().contains("scope prefix"), "{error}");
    }
}
