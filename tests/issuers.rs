//! Several trusted issuers in one `Authenticator`, over real HTTP: each
//! issuer's own keys, served by its own JWKS endpoint on loopback; the
//! token's `iss` choosing the entry before any key is fetched; a
//! multi-tenant template in the shape of Microsoft Entra ID's; and the
//! configurations that are refused when the authenticator is built.

mod common;

use std::time::Duration;

use common::eventually;
use common::issuers::{JwksServer, assert_refused, call, claims_api, mint, now};
use common::jose::{TestKey, jwks};
use scopegate::{Authenticator, ConfigError, Issuer, ScopeSource, error::TenantTemplateError};
use serde_json::json;

/// The header of a token signed with `key`.
fn header(key: &TestKey) -> serde_json::Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": key.kid})
}

/// Claims of a client-credentials token of `iss` for `client`.
fn claims(iss: &str, client: &str, scopes: &[&str]) -> serde_json::Value {
    json!({
        "iss": iss, "sub": client, "client_id": client, "scopes": scopes,
        "iat": now(), "exp": now() + 600,
    })
}

#[actix_web::test]
async fn two_issuers_each_verify_with_their_own_keys() {
    let (key_a, key_b) = (TestKey::generate("a-1"), TestKey::generate("b-1"));
    let server_a = JwksServer::start(vec![("/keys".into(), jwks(&[&key_a]))]);
    let server_b = JwksServer::start(vec![("/b/keys".into(), jwks(&[&key_b]))]);
    let (iss_a, iss_b) = (server_a.base.clone(), format!("{}/b", server_b.base));
    let auth = Authenticator::builder(&iss_a)
        .trust(Issuer::new(&iss_b))
        .build()
        .unwrap();
    let labels: Vec<&str> = auth.trusted_issuers().iter().map(|i| i.label()).collect();
    assert_eq!(labels, [iss_a.as_str(), iss_b.as_str()]);
    let api = claims_api(auth.clone());

    // First, a flood of tokens naming issuers that are not trusted, under
    // random key ids: every one refused, and not one key fetch anywhere.
    for i in 0..40 {
        let foreign = format!("https://issuer-{i}.example");
        let mut forged = TestKey::generate(&format!("kid-{i}"));
        if i % 2 == 0 {
            forged = TestKey::generate("a-1"); // even the key id of issuer A
        }
        let token = mint(
            &forged,
            header(&forged),
            claims(&foreign, "intruder", &["a:b"]),
        );
        assert_refused(&api, &token, "does not trust").await;
    }
    // A token like one of issuer B's but for a path below it.
    let below = mint(
        &key_b,
        header(&key_b),
        claims(&format!("{iss_b}/x"), "c", &[]),
    );
    assert_refused(&api, &below, "does not trust").await;
    assert_eq!((server_a.requests(), server_b.requests()), (0, 0));
    assert_eq!(auth.jwks_fetch_count(), 0);

    // Each issuer's token is accepted, with its own keys.
    let token_a = mint(
        &key_a,
        header(&key_a),
        claims(&iss_a, "client-a", &["read:a"]),
    );
    let token_b = mint(
        &key_b,
        header(&key_b),
        claims(&iss_b, "client-b", &["read:b"]),
    );
    for _ in 0..2 {
        // The second round is answered by the verified-token cache.
        let (status, body) = call(&api, &token_a).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["client_id"], "client-a");
        assert_eq!(body["trusted_issuer"], iss_a.as_str());
        assert_eq!(body["issuer_entry"], 0);
        let (status, body) = call(&api, &token_b).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["scopes"], json!(["read:b"]));
        assert_eq!(body["trusted_issuer"], iss_b.as_str());
        assert_eq!(body["issuer_entry"], 1);
    }
    assert_eq!((server_a.requests(), server_b.requests()), (1, 1));
    let per_issuer: Vec<u64> = auth
        .trusted_issuers()
        .iter()
        .map(|issuer| issuer.jwks_fetch_count())
        .collect();
    assert_eq!(per_issuer, [1, 1]);

    // A token naming issuer A but signed with B's key: A does not publish
    // that key; the same claims under A's key id, signed by B: the
    // signature does not verify.
    let crossed = mint(
        &key_b,
        header(&key_b),
        claims(&iss_a, "client-a", &["read:a"]),
    );
    assert_refused(&api, &crossed, "does not publish").await;
    let mut disguised = header(&key_b);
    disguised["kid"] = json!(key_a.kid);
    let disguised = mint(&key_b, disguised, claims(&iss_a, "client-a", &["read:a"]));
    assert_refused(&api, &disguised, "signature does not verify").await;
}

#[actix_web::test]
async fn a_cached_token_lives_and_dies_with_its_own_issuers_keys() {
    let (key_a, key_b, key_b2) = (
        TestKey::generate("a-1"),
        TestKey::generate("b-1"),
        TestKey::generate("b-2"),
    );
    let server_a = JwksServer::start(vec![("/keys".into(), jwks(&[&key_a]))]);
    let server_b = JwksServer::start(vec![("/keys".into(), jwks(&[&key_b]))]);
    let auth = Authenticator::builder(&server_a.base)
        .trust(Issuer::new(&server_b.base))
        .refetch_cooldown(Duration::from_millis(100))
        .build()
        .unwrap();
    let api = claims_api(auth);
    let token_a = mint(&key_a, header(&key_a), claims(&server_a.base, "a", &[]));
    let token_b = mint(&key_b, header(&key_b), claims(&server_b.base, "b", &[]));
    assert_eq!(call(&api, &token_a).await.0, 200);
    assert_eq!(call(&api, &token_b).await.0, 200);

    // Issuer B rotates its key out; a token under B's new key makes B's
    // cache refetch once its cooldown has passed.
    server_b.set("/keys", jwks(&[&key_b2]));
    let token_b2 = mint(&key_b2, header(&key_b2), claims(&server_b.base, "b", &[]));
    assert!(eventually(async || call(&api, &token_b2).await.0 == 200).await);
    // B's cached token went with B's key; A's cached token is still
    // answered from the cache, without asking A.
    assert_eq!(call(&api, &token_b).await.0, 401);
    assert_eq!(call(&api, &token_a).await.0, 200);
    assert_eq!(server_a.requests(), 1);
}

#[actix_web::test]
async fn a_tenant_template_checks_iss_against_tid() {
    const T1: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
    const T2: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let key = TestKey::generate("common-1");
    let server = JwksServer::start(vec![("/common/keys".into(), jwks(&[&key]))]);
    let template = format!("{}/{{tenantid}}/v2.0", server.base);
    let tenant_issuer = || {
        Issuer::multi_tenant(&template)
            .tenant_claim("tid")
            .jwks_url(format!("{}/common/keys", server.base))
    };
    let listed = claims_api(
        Authenticator::builder(tenant_issuer().tenants([T1]))
            .build()
            .unwrap(),
    );
    let any = claims_api(
        Authenticator::builder(tenant_issuer().any_tenant())
            .build()
            .unwrap(),
    );
    let token = |iss_tenant: &str, tid: &str| {
        let mut c = claims(
            &format!("{}/{iss_tenant}/v2.0", server.base),
            "app",
            &["a:b"],
        );
        c["tid"] = json!(tid);
        mint(&key, header(&key), c)
    };

    // A tenant on the list.
    let (status, body) = call(&listed, &token(T1, T1)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["trusted_issuer"], template.as_str());
    assert_eq!(body["iss"], format!("{}/{T1}/v2.0", server.base));
    // Another tenant: refused before any fetch beyond the first.
    let fetched = server.requests();
    assert_refused(&listed, &token(T2, T2), "tenant").await;
    assert_eq!(server.requests(), fetched);
    // The tenant of `iss` and `tid` must agree, with any tenant too.
    assert_refused(&listed, &token(T1, T2), "`tid`").await;
    assert_refused(&any, &token(T2, T1), "`tid`").await;
    let mut no_tid = claims(&format!("{}/{T1}/v2.0", server.base), "app", &[]);
    no_tid["tid"] = serde_json::Value::Null;
    assert_refused(&any, &mint(&key, header(&key), no_tid), "`tid`").await;
    // Any tenant: an explicit opt-in.
    let (status, body) = call(&any, &token(T2, T2)).await;
    assert_eq!(status, 200, "{body}");
    // A tenant segment that is not a tenant id is not the template's form.
    assert_refused(&any, &token("a.b", "a.b"), "issued by").await;
}

#[test]
fn bad_configurations_are_typed_errors_at_build_time() {
    let base = || Authenticator::builder("https://acme.scalekit.dev");
    // Plain http is refused outside loopback, for every trusted issuer.
    let error = base()
        .trust(Issuer::new("http://idp.acme.example"))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::InvalidUrl {
                field: "issuer",
                ..
            }
        ),
        "{error:?}"
    );
    // The same issuer twice, or an issuer a template also matches.
    let error = base()
        .trust(Issuer::new("https://acme.scalekit.dev"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&error, ConfigError::DuplicateIssuer { issuer } if issuer == "https://acme.scalekit.dev"),
        "{error:?}"
    );
    let entra = || {
        Issuer::multi_tenant("https://login.microsoftonline.com/{tenantid}/v2.0")
            .jwks_url("https://login.microsoftonline.com/common/discovery/v2.0/keys")
    };
    let error = Authenticator::builder("https://login.microsoftonline.com/t1/v2.0")
        .trust(entra().tenant_claim("tid").any_tenant())
        .build()
        .unwrap_err();
    assert!(
        matches!(error, ConfigError::DuplicateIssuer { .. }),
        "{error:?}"
    );
    // A template without a tenant claim, without tenants, without keys.
    for (issuer, reason) in [
        (entra().any_tenant(), TenantTemplateError::NoTenantClaim),
        (entra().tenant_claim("tid"), TenantTemplateError::NoTenants),
        (
            Issuer::multi_tenant("https://login.microsoftonline.com/{tenantid}/v2.0")
                .tenant_claim("tid")
                .any_tenant(),
            TenantTemplateError::NoSharedKeys,
        ),
    ] {
        let error = base().trust(issuer).build().unwrap_err();
        match &error {
            ConfigError::TenantTemplate { reason: r, .. } => assert_eq!(r, &reason),
            other => panic!("{other:?}"),
        }
        assert!(error.to_string().contains("{tenantid}"), "{error}");
    }
    // No scope source at all.
    let error = base()
        .trust(Issuer::new("https://idp.acme.example").scope_sources([]))
        .build()
        .unwrap_err();
    assert!(
        matches!(&error, ConfigError::NoScopeSources { issuer } if issuer == "https://idp.acme.example"),
        "{error:?}"
    );
    // Presets combine, and each keeps its own sources.
    let auth = base()
        .trust(Issuer::new("https://idp.acme.example").scope_sources([ScopeSource::Roles]))
        .trust(Issuer::entra_id_any_tenant("api://deployments"))
        .build()
        .unwrap();
    assert_eq!(auth.trusted_issuers().len(), 3);
    assert!(auth.trusted_issuers()[2].is_multi_tenant());
    assert_eq!(auth.trusted_issuers()[2].audiences(), ["api://deployments"]);
}

/// A `web::scope` that registers an `Authenticator` of its own runs its
/// guard with that one (actix-web applies a scope's data before its
/// middleware), not with the enclosing app's: the scope's issuer's token
/// passes the guard, the app's issuer's token is refused by it.
#[actix_web::test]
async fn a_scope_with_its_own_authenticator_guards_with_it() {
    use actix_web::web;
    use common::{challenge, http_client, serve};
    use reqwest::StatusCode;
    use scopegate::dev::DevIssuer;
    use scopegate::require_scopes_guard;

    let app_issuer = DevIssuer::start().await.unwrap();
    let scope_issuer = DevIssuer::start().await.unwrap();
    let app_auth = app_issuer.authenticator().build().unwrap();
    let scope_auth = scope_issuer.authenticator().build().unwrap();
    let api = serve(move |cfg| {
        cfg.app_data(app_auth.clone()).service(
            web::scope("/own")
                .app_data(scope_auth.clone())
                .wrap(require_scopes_guard!("read:deployments"))
                .route("/apps", web::get().to(|| async { "apps" })),
        );
    });
    let http = http_client();
    let get = async |token: String| {
        http.get(format!("{api}/own/apps"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    };
    let scope_token = scope_issuer.token().scopes(["read:deployments"]).mint();
    assert_eq!(get(scope_token).await.status(), StatusCode::OK);
    let app_token = app_issuer.token().scopes(["read:deployments"]).mint();
    let response = get(app_token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        challenge(&response).starts_with("Bearer error=\"invalid_token\""),
        "{}",
        challenge(&response)
    );
}
