//! What a handler requires beyond scopes, over real HTTP with tokens minted
//! by the dev issuer: claim requirements (`claim(..)`) and tenant isolation
//! (`tenant(..)`) in `#[require_scopes]`, their exact `403`/`500` answers,
//! and that a refused request never reaches the handler's own extractors.

mod common;

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, get, post, web};
use common::{COUNTED_EXTRACTIONS as COUNTED, Counted, challenge, header, http_client, serve};
use reqwest::StatusCode;
use scopegate::dev::DevIssuer;
use scopegate::{require_scopes, require_scopes_guard};
use serde_json::{Value, json};

#[get("/equals")]
#[require_scopes("read:deployments", claim(gty == "client_credentials"))]
async fn equals() -> &'static str {
    "equals"
}

#[get("/includes")]
#[require_scopes("read:deployments", claim(groups includes "ops"))]
async fn includes() -> &'static str {
    "includes"
}

#[get("/one-of")]
#[require_scopes("read:deployments", claim(tid in ["t1", "t2"]), claim(tier in [1, 2]))]
async fn one_of() -> &'static str {
    "one of"
}

#[derive(serde::Deserialize)]
struct Deploy {
    service: String,
}

#[require_scopes(
    "deploy:applications",
    claim(gty == "client_credentials"),
    tenant(org_id)
)]
#[post("/orgs/{org_id}/deploy")]
async fn deploy(
    org_id: web::Path<String>,
    _counted: Counted,
    body: web::Json<Deploy>,
) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "org": org_id.into_inner(), "service": body.service }))
}

// The parameter comes from the enclosing `web::scope("/t/{tenant}")`, and
// the claim is `tid`.
#[require_scopes("read:deployments", tenant(tenant, claim = "tid", from_scope))]
#[get("/deployments")]
async fn tenant_deployments() -> &'static str {
    "deployments"
}

// No route attribute: the macro cannot see the path, and the route it is
// registered on below has no `{org_id}`.
#[require_scopes("read:deployments", tenant(org_id))]
async fn unrouted() -> &'static str {
    "never"
}

#[require_scopes("read:deployments", check_revocation)]
#[get("/revocation")]
async fn revocation() -> &'static str {
    "revocation"
}

struct Fixture {
    issuer: DevIssuer,
    api: String,
    http: reqwest::Client,
}

impl Fixture {
    async fn new() -> Self {
        let issuer = DevIssuer::start().await.unwrap();
        let auth = issuer.authenticator().build().unwrap();
        let api = serve(move |cfg| {
            cfg.app_data(auth.clone())
                .app_data(web::JsonConfig::default())
                .service(equals)
                .service(includes)
                .service(one_of)
                .service(deploy)
                .service(revocation)
                .service(web::scope("/t/{tenant}").service(tenant_deployments))
                .route("/unrouted", web::get().to(unrouted))
                .service(
                    web::scope("/guarded/{org_id}")
                        .wrap(require_scopes_guard!(
                            "read:deployments",
                            claim(gty == "client_credentials"),
                            tenant(org_id)
                        ))
                        .route("/apps", web::get().to(|| async { "apps" })),
                )
                .service(
                    web::scope("/misguarded")
                        .wrap(require_scopes_guard!("read:deployments", tenant(org_id)))
                        .route("/apps", web::get().to(|| async { "apps" })),
                );
        });
        Fixture {
            issuer,
            api,
            http: http_client(),
        }
    }

    /// A token with `scopes` and the extra `claims`.
    fn token(&self, scopes: &[&str], claims: &[(&str, Value)]) -> String {
        claims
            .iter()
            .fold(
                self.issuer.token().scopes(scopes.iter().copied()),
                |token, (name, value)| token.claim(*name, value.clone()),
            )
            .mint()
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.api))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` twice with `token` (the first verifies the token, the
    /// second finds it in the verified-token cache): both statuses.
    async fn statuses(&self, path: &str, token: &str) -> [StatusCode; 2] {
        [
            self.get(path, token).await.status(),
            self.get(path, token).await.status(),
        ]
    }
}

/// Asserts a `403 insufficient_scope` refusal without a `scope` attribute,
/// whose description is exactly `description`, in the challenge (with `"`
/// as `'`, as RFC 6750's quoted string allows no `"`) and in the JSON body.
async fn assert_refused(response: reqwest::Response, description: &str) {
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{description}");
    assert_eq!(
        challenge(&response),
        format!(
            "Bearer error=\"insufficient_scope\", error_description=\"{}\"",
            description.replace('"', "'")
        )
    );
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "content-type"), "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "error": "insufficient_scope", "error_description": description })
    );
}

/// The description of a token for another tenant than the path names.
fn other_tenant(claim: &str, param: &str) -> String {
    format!(
        "the token's `{claim}` claim does not equal the `{param}` path parameter: the token is for \
         another tenant"
    )
}

const READ: &[&str] = &["read:deployments"];

#[actix_web::test]
async fn a_claim_that_equals_the_value_is_let_through() {
    let f = Fixture::new().await;
    let ok = f.token(READ, &[("gty", json!("client_credentials"))]);
    assert_eq!(f.statuses("/equals", &ok).await, [StatusCode::OK; 2]);

    let other = f.token(READ, &[("gty", json!("authorization_code"))]);
    assert_eq!(
        f.statuses("/equals", &other).await,
        [StatusCode::FORBIDDEN; 2]
    );
    assert_refused(
        f.get("/equals", &other).await,
        "the token's `gty` claim does not equal the value this endpoint requires",
    )
    .await;

    let missing = f.token(READ, &[]);
    assert_refused(
        f.get("/equals", &missing).await,
        "the token has no `gty` claim, which this endpoint requires",
    )
    .await;

    // The right text in a value of another type, or in an array, is not
    // the value.
    for value in [
        json!(["client_credentials"]),
        json!({ "gty": "client_credentials" }),
    ] {
        let token = f.token(READ, &[("gty", value.clone())]);
        assert_eq!(
            f.get("/equals", &token).await.status(),
            StatusCode::FORBIDDEN,
            "{value}"
        );
    }
}

#[actix_web::test]
async fn the_scopes_are_checked_before_the_claims() {
    let f = Fixture::new().await;
    let token = f.token(&["deploy:applications"], &[]);
    let response = f.get("/equals", &token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        challenge(&response),
        "Bearer error=\"insufficient_scope\", error_description=\"the token lacks a required \
         scope: needs read:deployments\", scope=\"read:deployments\""
    );
}

#[actix_web::test]
async fn an_array_claim_must_include_the_value() {
    let f = Fixture::new().await;
    for groups in [json!(["ops"]), json!(["dev", "ops"])] {
        let token = f.token(READ, &[("groups", groups.clone())]);
        assert_eq!(
            f.statuses("/includes", &token).await,
            [StatusCode::OK; 2],
            "{groups}"
        );
    }
    // A string claim is a space-separated list (as RFC 9068's `scope`).
    let spaced = f.token(READ, &[("groups", json!("dev ops"))]);
    assert_eq!(f.get("/includes", &spaced).await.status(), StatusCode::OK);

    for groups in [
        json!(["dev"]),
        json!([]),
        json!(["OPS", "ops2"]),
        json!("operators"),
        json!(7),
    ] {
        let token = f.token(READ, &[("groups", groups.clone())]);
        assert_refused(
            f.get("/includes", &token).await,
            "the token's `groups` claim does not include the value this endpoint requires",
        )
        .await;
    }
    assert_refused(
        f.get("/includes", &f.token(READ, &[])).await,
        "the token has no `groups` claim, which this endpoint requires",
    )
    .await;
}

#[actix_web::test]
async fn a_claim_must_be_one_of_the_values() {
    let f = Fixture::new().await;
    for (tid, tier) in [("t1", 1), ("t2", 2), ("t1", 2)] {
        let token = f.token(READ, &[("tid", json!(tid)), ("tier", json!(tier))]);
        assert_eq!(
            f.statuses("/one-of", &token).await,
            [StatusCode::OK; 2],
            "{tid} {tier}"
        );
    }
    let token = f.token(READ, &[("tid", json!("t3")), ("tier", json!(1))]);
    assert_refused(
        f.get("/one-of", &token).await,
        "the token's `tid` claim is not one of the values this endpoint accepts",
    )
    .await;
    // Every requirement must hold: the second fails here. An integer
    // requirement is not met by the same digits in a string, or by a float.
    for tier in [json!(3), json!("1"), json!(1.5), json!(true)] {
        let token = f.token(READ, &[("tid", json!("t1")), ("tier", tier.clone())]);
        assert_refused(
            f.get("/one-of", &token).await,
            "the token's `tier` claim is not one of the values this endpoint accepts",
        )
        .await;
    }
}

#[actix_web::test]
async fn a_token_of_organization_a_is_refused_on_organization_bs_path() {
    let f = Fixture::new().await;
    let scopes = &["deploy:applications"];
    let post = |org: &str, token: &str, body: &'static str| {
        f.http
            .post(format!("{}/orgs/{org}/deploy", f.api))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let gty = ("gty", json!("client_credentials"));
    let org_a = f.token(scopes, &[gty.clone(), ("oid", json!("org_a"))]);

    // Its own organization: accepted, twice (verified, then cached).
    for _ in 0..2 {
        let response = post("org_a", &org_a, r#"{"service":"billing"}"#)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({ "org": "org_a", "service": "billing" }));
    }

    // Another organization, one that differs only in case, a prefix: refused
    // before any of the handler's extractors runs (a broken JSON body is
    // never parsed: the answer is the 403, not a 400).
    let before = COUNTED.load(Ordering::SeqCst);
    for org in ["org_b", "ORG_A", "org_a2", "org"] {
        for body in [r#"{"service":"billing"}"#, "{not json"] {
            let response = post(org, &org_a, body).await.unwrap();
            assert_refused(response, &other_tenant("oid", "org_id")).await;
        }
    }
    // A claim requirement that fails is answered before the tenant.
    let no_gty = f.token(scopes, &[("oid", json!("org_a"))]);
    assert_refused(
        post("org_a", &no_gty, "{not json").await.unwrap(),
        "the token has no `gty` claim, which this endpoint requires",
    )
    .await;
    assert_eq!(COUNTED.load(Ordering::SeqCst), before);

    // No organization claim. (An `oid` that is not a string makes the
    // token itself invalid: 401 before any policy.)
    let no_org = f
        .issuer
        .token()
        .scopes(scopes.iter().copied())
        .claim(gty.0, gty.1.clone())
        .remove_claim("oid")
        .mint();
    assert_refused(
        post("org_a", &no_org, "{}").await.unwrap(),
        "the token has no `oid` claim, which this endpoint requires to equal its `org_id` path \
         parameter",
    )
    .await;
    let numeric = f.token(scopes, &[gty.clone(), ("oid", json!(7))]);
    let response = post("7", &numeric, "{}").await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(COUNTED.load(Ordering::SeqCst), before);

    // Organization B's token on its own path.
    let org_b = f.token(scopes, &[gty, ("oid", json!("org_b"))]);
    let response = post("org_b", &org_b, r#"{"service":"ledger"}"#)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(COUNTED.load(Ordering::SeqCst), before + 1);
}

#[actix_web::test]
async fn a_tenant_from_the_enclosing_scope_on_another_claim() {
    let f = Fixture::new().await;
    let t1 = f.token(READ, &[("tid", json!("t1")), ("oid", json!("t2"))]);
    assert_eq!(
        f.statuses("/t/t1/deployments", &t1).await,
        [StatusCode::OK; 2]
    );
    // `oid` is not the claim this handler binds.
    assert_refused(
        f.get("/t/t2/deployments", &t1).await,
        &other_tenant("tid", "tenant"),
    )
    .await;
    // A free-form claim that is not a string never equals a path.
    let numeric = f.token(READ, &[("tid", json!(1))]);
    assert_refused(
        f.get("/t/1/deployments", &numeric).await,
        "the token's `tid` claim is not a string, so it cannot equal this endpoint's `tenant` \
         path parameter",
    )
    .await;
    assert_refused(
        f.get("/t/t1/deployments", &f.token(READ, &[])).await,
        "the token has no `tid` claim, which this endpoint requires to equal its `tenant` path \
         parameter",
    )
    .await;
}

#[actix_web::test]
async fn a_binding_to_a_parameter_the_route_lacks_is_a_500_never_an_accept() {
    let f = Fixture::new().await;
    let token = f.token(READ, &[]);
    for _ in 0..2 {
        let response = f.get("/unrouted", &token).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(challenge(&response), "");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "server_error");
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with("authorization is misconfigured for this endpoint"),
            "{description}"
        );
        // Debug builds (tests) name the handler and the parameter.
        assert_eq!(
            description.contains(
                "handler `handler_policy::unrouted`: its tenant binding names the path \
                 parameter `org_id`, which its route does not have"
            ),
            cfg!(debug_assertions),
            "{description}"
        );
    }
    // A refusal for the token comes first: no scope, no answer about the
    // server.
    let no_scope = f.token(&["x:y"], &[]);
    assert_eq!(
        f.get("/unrouted", &no_scope).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn check_revocation_keeps_the_scope_check() {
    let f = Fixture::new().await;
    assert_eq!(
        f.get("/revocation", &f.token(READ, &[])).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        f.get("/revocation", &f.token(&["x:y"], &[])).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn the_guard_checks_claims_and_the_tenant_of_its_scope() {
    let f = Fixture::new().await;
    let gty = ("gty", json!("client_credentials"));
    let org_a = f.token(READ, &[gty.clone(), ("oid", json!("org_a"))]);
    assert_eq!(
        f.statuses("/guarded/org_a/apps", &org_a).await,
        [StatusCode::OK; 2]
    );
    assert_refused(
        f.get("/guarded/org_b/apps", &org_a).await,
        &other_tenant("oid", "org_id"),
    )
    .await;
    let no_gty = f.token(READ, &[("oid", json!("org_a"))]);
    assert_refused(
        f.get("/guarded/org_a/apps", &no_gty).await,
        "the token has no `gty` claim, which this endpoint requires",
    )
    .await;

    // A guard bound to a parameter its scope does not have.
    let response = f.get("/misguarded/apps", &org_a).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "server_error");
    let description = body["error_description"].as_str().unwrap();
    assert_eq!(
        description.contains("require_scopes_guard! at tests/handler_policy.rs:"),
        cfg!(debug_assertions),
        "{description}"
    );
}

/// The route inventory shows what each handler and guard asks beyond its
/// scopes, as the attribute writes it.
#[test]
fn the_inventory_lists_what_each_handler_and_guard_asks_beyond_scopes() {
    use scopegate::inventory::RouteKind;
    let routes = scopegate::inventory::routes();
    let ours: Vec<_> = routes
        .iter()
        .filter(|route| route.file().ends_with("handler_policy.rs"))
        .collect();
    let line = |name: &str| {
        ours.iter()
            .find(|route| route.name() == name)
            .map(|route| route.to_string())
            .unwrap_or_else(|| panic!("{name} is not in the inventory"))
    };
    let cases = [
        (
            "deploy",
            r#"requires deploy:applications, claim(gty == "client_credentials"), tenant(org_id)"#,
        ),
        (
            "tenant_deployments",
            r#"requires read:deployments, tenant(tenant, claim = "tid")"#,
        ),
        (
            "one_of",
            r#"requires read:deployments, claim(tid in ["t1", "t2"]), claim(tier in [1, 2])"#,
        ),
        ("revocation", "requires read:deployments, check_revocation"),
    ];
    for (name, ends) in cases {
        let line = line(name);
        assert!(line.ends_with(ends), "{line}");
    }
    let entry = ours.iter().find(|route| route.name() == "deploy").unwrap();
    assert_eq!(entry.policy().claims.len(), 1);
    assert_eq!(entry.policy().tenant.map(|t| t.param), Some("org_id"));
    assert!(!entry.policy().check_revocation);

    // In source order, as `routes()` lists them.
    let guards: Vec<String> = ours
        .iter()
        .filter(|route| route.kind() == RouteKind::Guard)
        .map(|route| route.to_string())
        .collect();
    assert_eq!(guards.len(), 2, "{guards:?}");
    assert!(
        guards[0].ends_with(
            r#"requires read:deployments, claim(gty == "client_credentials"), tenant(org_id)"#
        ),
        "{guards:?}"
    );
    assert!(
        guards[1].ends_with("requires read:deployments, tenant(org_id)"),
        "{guards:?}"
    );
}
