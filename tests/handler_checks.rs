//! What a handler checks once the token is valid,
//! over real HTTP with tokens minted by the dev issuer: the scopes a token
//! grants (RFC 6749 §3.3: scope tokens separated by single spaces, several
//! sources intersected), claim requirements (`claim(..)`), and the tenant
//! binding (`tenant(..)`) against percent-encoded, differently cased and
//! repeated path parameters. Each test pins a property that an attacker
//! controlling a token's claims or a request's path would like to break.

mod common;

use actix_web::{HttpRequest, HttpResponse, get, web};
use common::{http_client, serve};
use reqwest::StatusCode;
use scopegate::dev::DevIssuer;
use scopegate::{Claims, require_scopes};
use serde_json::{Value, json};

#[get("/read")]
#[require_scopes("read:deployments")]
async fn read() -> &'static str {
    "read"
}

#[get("/admin")]
#[require_scopes("admin:all")]
async fn admin() -> &'static str {
    "admin"
}

#[get("/scope-includes")]
#[require_scopes("read:deployments", claim(scope includes "admin:all"))]
async fn scope_includes() -> &'static str {
    "scope includes admin:all"
}

#[get("/groups")]
#[require_scopes("read:deployments", claim(groups includes "ops"))]
async fn groups() -> &'static str {
    "groups"
}

#[get("/tier")]
#[require_scopes("read:deployments", claim(tier == 1), claim(gty == "client_credentials"))]
async fn tier() -> &'static str {
    "tier"
}

#[get("/granted")]
async fn granted(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(claims.scopes())
}

#[require_scopes("read:deployments", tenant(org_id))]
#[get("/orgs/{org_id}/apps")]
async fn org_apps(org_id: web::Path<String>) -> String {
    org_id.into_inner()
}

// The parameter named twice: once by the enclosing scope, once by the
// resource (a route the macro cannot see whole).
#[require_scopes("read:deployments", tenant(org_id, from_scope))]
async fn org_team(req: HttpRequest) -> HttpResponse {
    let all: Vec<&str> = req
        .match_info()
        .iter()
        .filter(|(name, _)| *name == "org_id")
        .map(|(_, value)| value)
        .collect();
    HttpResponse::Ok().json(all)
}

struct Fixture {
    issuer: DevIssuer,
    api: String,
}

async fn fixture() -> Fixture {
    let issuer = DevIssuer::start().await.expect("dev issuer");
    let auth = issuer.authenticator().build().expect("authenticator");
    let api = serve(move |cfg| {
        cfg.app_data(auth.clone())
            .service(read)
            .service(admin)
            .service(scope_includes)
            .service(groups)
            .service(tier)
            .service(granted)
            .service(org_apps)
            .service(
                web::scope("/orgs/{org_id}").route("/teams/{org_id}", web::get().to(org_team)),
            );
    });
    Fixture { issuer, api }
}

impl Fixture {
    /// A token of the dev issuer granting `read:deployments`, with `extra`
    /// claims written over the defaults.
    fn token(&self, extra: Value) -> String {
        let mut builder = self.issuer.token().scopes(["read:deployments"]);
        if let Value::Object(extra) = extra {
            for (name, value) in extra {
                builder = builder.claim(name, value);
            }
        }
        builder.mint()
    }

    /// `GET path` with `token`: the status and the body as text.
    async fn get(&self, path: &str, token: &str) -> (StatusCode, String) {
        let response = http_client()
            .get(format!("{}{path}", self.api))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }
}

/// A scope array element holding a space is not a scope token (RFC 6749
/// §3.3): it must not turn into two scopes anywhere. Before the fix, the
/// `scope` claim a claim requirement reads was rebuilt by joining the
/// granted scopes with spaces, so `["x:y admin:all"]` passed
/// `claim(scope includes "admin:all")`, though `admin:all` was not granted.
#[actix_web::test]
async fn a_scope_element_holding_a_space_is_not_split_into_scopes() {
    let f = fixture().await;
    let token = f.token(json!({"scopes": ["read:deployments", "x:y admin:all"]}));
    let (status, body) = f.get("/scope-includes", &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(f.get("/admin", &token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(f.get("/read", &token).await.0, StatusCode::OK);
    let (status, body) = f.get("/granted", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!(["read:deployments"])
    );
    // The same holds for the other whitespace characters, which are not
    // scope-token characters either.
    for odd in ["x:y\tadmin:all", "x:y\nadmin:all", "admin:all\u{a0}", ""] {
        let token = f.token(json!({"scopes": ["read:deployments", odd]}));
        let (status, body) = f.get("/granted", &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!(["read:deployments"]),
            "{odd:?}"
        );
    }
    // A scope that is a scope token is still granted and still passes.
    let token = f.token(json!({"scopes": ["read:deployments", "admin:all"]}));
    assert_eq!(f.get("/scope-includes", &token).await.0, StatusCode::OK);
}

/// In a space-separated `scope` string, only a single space separates:
/// a tab or a newline neither splits it nor is accepted as part of a scope.
#[actix_web::test]
async fn only_a_space_separates_scopes_in_a_scope_string() {
    let f = fixture().await;
    for scope in [
        "read:deployments\tadmin:all",
        "admin:all\nread:deployments",
        "read:deployments\r\nadmin:all",
    ] {
        let token = f
            .issuer
            .token()
            .scope_string(scope)
            .remove_claim("scopes")
            .mint();
        assert_eq!(
            f.get("/read", &token).await.0,
            StatusCode::FORBIDDEN,
            "{scope:?}"
        );
        assert_eq!(
            f.get("/admin", &token).await.0,
            StatusCode::FORBIDDEN,
            "{scope:?}"
        );
        let (_, body) = f.get("/granted", &token).await;
        assert_eq!(body, "[]", "{scope:?}");
    }
    // Several spaces, leading and trailing ones: empty tokens are dropped.
    let token = f
        .issuer
        .token()
        .scope_string("  read:deployments   admin:all ")
        .remove_claim("scopes")
        .mint();
    assert_eq!(f.get("/admin", &token).await.0, StatusCode::OK);
    let (_, body) = f.get("/granted", &token).await;
    assert_eq!(body, r#"["read:deployments","admin:all"]"#);
}

/// `scope` and `scopes` both present: only what both grant, so adding a
/// second source never widens a token; a source of the wrong shape, or
/// an array with a non-string element, makes the token invalid.
#[actix_web::test]
async fn two_scope_sources_never_widen_a_token() {
    let f = fixture().await;
    let token = f.token(json!({"scope": "read:deployments admin:all"}));
    assert_eq!(f.get("/admin", &token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(f.get("/read", &token).await.0, StatusCode::OK);
    let token = f.token(json!({"scopes": ["admin:all"], "scope": "read:deployments"}));
    assert_eq!(f.get("/admin", &token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(f.get("/read", &token).await.0, StatusCode::FORBIDDEN);
    // Duplicates grant nothing more.
    let token = f.token(json!({"scopes": ["read:deployments", "read:deployments"]}));
    assert_eq!(f.get("/read", &token).await.0, StatusCode::OK);
    assert_eq!(f.get("/admin", &token).await.0, StatusCode::FORBIDDEN);
    for bad in [
        json!({"scopes": ["read:deployments", 1]}),
        json!({"scopes": ["read:deployments", null]}),
        json!({"scopes": ["read:deployments", ["admin:all"]]}),
        json!({"scopes": "read:deployments"}),
        json!({"scope": ["read:deployments"]}),
    ] {
        let token = f.token(bad.clone());
        let (status, body) = f.get("/read", &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}: {body}");
        assert!(body.contains("invalid_token"), "{bad}: {body}");
    }
}

/// Claim requirements compare JSON types strictly: an integer requirement
/// is not met by a string or a float, a string one not by a number, and
/// `includes` on a space-separated string needs a whole item.
#[actix_web::test]
async fn claim_requirements_compare_types_and_whole_items() {
    let f = fixture().await;
    let ok = json!({"tier": 1, "gty": "client_credentials"});
    assert_eq!(f.get("/tier", &f.token(ok)).await.0, StatusCode::OK);
    for bad in [
        json!({"tier": "1", "gty": "client_credentials"}),
        json!({"tier": 1.0, "gty": "client_credentials"}),
        json!({"tier": true, "gty": "client_credentials"}),
        json!({"tier": [1], "gty": "client_credentials"}),
        json!({"tier": 1, "gty": 1}),
        json!({"tier": 1, "gty": "Client_Credentials"}),
        json!({"tier": 1, "gty": ["client_credentials"]}),
    ] {
        let (status, body) = f.get("/tier", &f.token(bad.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{bad}: {body}");
    }
    assert_eq!(
        f.get("/groups", &f.token(json!({"groups": "dev  ops "})))
            .await
            .0,
        StatusCode::OK
    );
    for bad in [
        json!({"groups": "dev\tops"}),
        json!({"groups": "devops"}),
        json!({"groups": "OPS"}),
        json!({"groups": " ops-team"}),
        json!({"groups": ["dev ops"]}),
        json!({"groups": {"ops": true}}),
    ] {
        let (status, body) = f.get("/groups", &f.token(bad.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{bad}: {body}");
    }
}

/// The tenant binding compares the claim with the path parameter as the
/// handler receives it: percent-decoded (`org%5F1` is `org_1`, and
/// `org_1%2Fx` is `org_1/x`, which the handler sees too), case-sensitive.
/// The refusal's description echoes neither the path nor the claim.
#[actix_web::test]
async fn the_tenant_binding_sees_the_parameter_the_handler_sees() {
    let f = fixture().await;
    let token = f.token(json!({"oid": "org_1"}));
    let (status, body) = f.get("/orgs/org%5F1/apps", &token).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "org_1"));
    for path in [
        "/orgs/ORG_1/apps",
        "/orgs/org_1%20/apps",
        "/orgs/org_1%2F/apps",
        "/orgs/org%5F2/apps",
    ] {
        let (status, body) = f.get(path, &token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let slash = f.token(json!({"oid": "org_1/x"}));
    let (status, body) = f.get("/orgs/org_1%2Fx/apps", &slash).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "org_1/x"));
    let encoded = f.token(json!({"oid": "org_1%2Fx"}));
    let (status, body) = f.get("/orgs/org_1%2Fx/apps", &encoded).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // An `oid` that is not a string makes the token invalid (a registered
    // claim of the wrong type), whatever the path says; a custom tenant
    // claim of the wrong type is a 403 (tests/handler_policy.rs).
    let number = f.token(json!({"oid": 1}));
    assert_eq!(
        f.get("/orgs/1/apps", &number).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Attacker-chosen text appears nowhere in the answer.
    let (status, body) = f.get("/orgs/evil%22marker%0a/apps", &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        !body.contains("marker") && !body.contains("org_1"),
        "{body}"
    );
}

/// A path that names the bound parameter twice (`/orgs/{org_id}` around
/// `/teams/{org_id}`) is accepted only if every value equals the claim:
/// a handler that reads the other one must not serve another tenant.
#[actix_web::test]
async fn a_parameter_named_twice_must_match_the_claim_both_times() {
    let f = fixture().await;
    let token = f.token(json!({"oid": "org_1"}));
    let (status, body) = f.get("/orgs/org_1/teams/org_1", &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, r#"["org_1","org_1"]"#);
    for path in ["/orgs/org_1/teams/org_2", "/orgs/org_2/teams/org_1"] {
        let (status, body) = f.get(path, &token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
}

/// `includes ""` written by hand (the attribute or `Issuer::require`):
/// an empty string is not an item of a space-separated list, so doubled,
/// leading or trailing spaces in the claim never satisfy it. Before the
/// fix, `"dev  ops"` held an empty item between its two spaces.
struct IncludesEmpty;

const INCLUDES_EMPTY: &[scopegate::policy::ClaimRequirement] =
    &[scopegate::policy::ClaimRequirement::new(
        "groups",
        scopegate::policy::ClaimTest::Includes(scopegate::policy::ClaimValue::str("")),
    )];

impl scopegate_core::actix::ScopeRequirement for IncludesEmpty {
    const REQUIREMENT: scopegate::policy::Requirement =
        scopegate::policy::Requirement::Scope("read:deployments");
    const POLICY: scopegate::policy::HandlerPolicy =
        scopegate::policy::HandlerPolicy::for_handler("review::includes_empty")
            .with_claims(INCLUDES_EMPTY);
}

async fn includes_empty(_: scopegate_core::actix::Authorized<IncludesEmpty, ()>) -> &'static str {
    "includes empty"
}

#[actix_web::test]
async fn includes_an_empty_string_never_matches_a_spaced_list() {
    let issuer = DevIssuer::start().await.expect("dev issuer");
    let auth = issuer.authenticator().build().expect("authenticator");
    let api = serve(move |cfg| {
        cfg.app_data(auth.clone())
            .route("/empty", web::get().to(includes_empty));
    });
    let f = Fixture { issuer, api };
    for list in ["dev  ops", " ops", "ops ", "", " "] {
        let (status, body) = f.get("/empty", &f.token(json!({ "groups": list }))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{list:?}: {body}");
    }
}
