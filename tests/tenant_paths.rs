//! Tenant isolation against percent-encoded path values, over real HTTP:
//! `tenant(..)` compares the token's claim with the path parameter exactly
//! as the handler's `web::Path<String>` reads it (percent-decoded), on
//! every kind of route: a route attribute the macro reads, a handler
//! registered with `web::resource(..)`, a parameter of an enclosing
//! `web::scope(..)`, and a guard on a scope.
//!
//! Every protected handler echoes the tenant it would serve, so each case
//! proves both that the right token is let through and that the handler
//! then serves exactly the token's tenant.

mod common;

use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};
use common::{http_client, serve};
use reqwest::StatusCode;
use scopegate::dev::DevIssuer;
use scopegate::{require_scopes, require_scopes_guard};
use serde_json::{Value, json};

/// The route attribute stands below: the macro reads `{team}` from it.
#[require_scopes("read:deployments", tenant(team, claim = "team_id"))]
#[get("/attr/{team}/apps")]
async fn by_attribute(team: web::Path<String>) -> String {
    team.into_inner()
}

/// No route attribute: registered with `web::resource(..)` below, and
/// checked per request.
#[require_scopes("read:deployments", tenant(team, claim = "team_id"))]
async fn by_resource(team: web::Path<String>) -> String {
    team.into_inner()
}

/// The parameter comes from the enclosing `web::scope("/scoped/{team}")`.
#[require_scopes("read:deployments", tenant(team, claim = "team_id", from_scope))]
#[get("/apps")]
async fn by_scope(team: web::Path<String>) -> String {
    team.into_inner()
}

/// Bound to Scalekit's organization claim, `oid`, which scopegate reads
/// and types itself.
#[require_scopes("read:deployments", tenant(org_id))]
#[get("/orgs/{org_id}/apps")]
async fn by_org(org_id: web::Path<String>) -> String {
    org_id.into_inner()
}

/// Behind a guard on `web::scope("/guarded/{team}")`: what the handler
/// reads of its path, decoded as `web::Path` decodes it.
async fn guarded(req: HttpRequest) -> HttpResponse {
    match web::Path::<String>::extract(&req).await {
        Ok(team) => HttpResponse::Ok().body(team.into_inner()),
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

const ROUTES: [&str; 4] = [
    "/attr/{}/apps",
    "/resource/{}/apps",
    "/scoped/{}/apps",
    "/guarded/{}/apps",
];

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
                .service(by_attribute)
                .service(by_org)
                .service(web::resource("/resource/{team}/apps").route(web::get().to(by_resource)))
                .service(web::scope("/scoped/{team}").service(by_scope))
                .service(
                    web::scope("/guarded/{team}")
                        .wrap(require_scopes_guard!(
                            "read:deployments",
                            tenant(team, claim = "team_id")
                        ))
                        .route("/apps", web::get().to(guarded)),
                );
        });
        Fixture {
            issuer,
            api,
            http: http_client(),
        }
    }

    /// A token with `read:deployments` and one more claim.
    fn token(&self, (name, value): (&str, Value)) -> String {
        self.issuer
            .token()
            .scopes(["read:deployments"])
            .claim(name, value)
            .mint()
    }

    /// `GET path` with a token carrying `claim`.
    async fn get(&self, path: &str, claim: (&str, Value)) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.api))
            .bearer_auth(self.token(claim))
            .send()
            .await
            .unwrap()
    }

    /// `GET` each route with `segment` as the team, with a token for
    /// `team`: the status and body of each.
    async fn each_route(&self, segment: &str, team: &str) -> Vec<(String, StatusCode, String)> {
        let mut answers = Vec::new();
        for route in ROUTES {
            let path = route.replace("{}", segment);
            let response = self.get(&path, ("team_id", json!(team))).await;
            let status = response.status();
            answers.push((path, status, response.text().await.unwrap()));
        }
        answers
    }

    /// Every route lets a token for `team` through on `segment`, and the
    /// handler serves `team`.
    async fn assert_served(&self, segment: &str, team: &str) {
        for (path, status, body) in self.each_route(segment, team).await {
            assert_eq!(
                status,
                StatusCode::OK,
                "{path} with a token for {team:?}: {body}"
            );
            assert_eq!(body, team, "{path}: the handler serves another tenant");
        }
    }

    /// Every route refuses a token for `team` on `segment`, with a `403`
    /// whose description is `description`.
    async fn assert_refused(&self, segment: &str, team: &str, description: &str) {
        for (path, status, body) in self.each_route(segment, team).await {
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{path} with a token for {team:?}: {body}"
            );
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                body,
                json!({ "error": "insufficient_scope", "error_description": description }),
                "{path}"
            );
        }
    }
}

const OTHER_TENANT: &str = "the token's `team_id` claim does not equal the `team` path \
                            parameter: the token is for another tenant";

/// Each segment, the tenant a handler reads from it, and how it was
/// encoded: a token for the decoded value is served, a token whose claim
/// holds the segment literally is refused.
const ENCODED: [(&str, &str); 9] = [
    // `+`, `/` and `%`, which actix-web's router leaves encoded.
    ("c%2B%2B", "c++"),
    ("org-x%2Forg-b", "org-x/org-b"),
    ("100%25", "100%"),
    // An unreserved character encoded (the router decodes it already).
    ("%41cme", "Acme"),
    // Mixed case hex digits.
    ("c%2b%2B", "c++"),
    ("org-x%2forg-b", "org-x/org-b"),
    // Decoded once, as the extractor does: `%2541` is the text `%41`.
    ("%2541", "%41"),
    ("%25FF", "%FF"),
    // UTF-8 encoded.
    ("caf%C3%A9", "café"),
];

#[actix_web::test]
async fn a_token_for_the_decoded_tenant_is_served_that_tenant() {
    let f = Fixture::new().await;
    for (segment, team) in ENCODED {
        f.assert_served(segment, team).await;
    }
    // Nothing encoded: served as it is.
    f.assert_served("team-7", "team-7").await;
    // A `%` that starts no escape is kept, by the extractor and the check.
    f.assert_served("a%zz", "a%zz").await;
}

#[actix_web::test]
async fn a_claim_holding_the_encoded_text_is_refused() {
    let f = Fixture::new().await;
    for (segment, _) in ENCODED {
        f.assert_refused(segment, segment, OTHER_TENANT).await;
    }
    // The claim holds an escape the path does not: `%41` is not `A`.
    f.assert_refused("Acme", "%41cme", OTHER_TENANT).await;
    // The path holds `%2541`, which a handler reads as `%41`, never `A`.
    f.assert_refused("%2541", "A", OTHER_TENANT).await;
}

#[actix_web::test]
async fn a_path_value_that_is_not_utf8_once_decoded_is_refused() {
    let f = Fixture::new().await;
    let undecodable = "the `team` path parameter is not UTF-8 once percent-decoded, so it \
                       cannot equal the token's `team_id` claim";
    // actix-web's router puts `\u{FFFD}` in place of the bad byte: a token
    // whose claim holds that is refused all the same, as many paths would
    // name that tenant (`%FE`, `%FF`, the character itself).
    for (segment, team) in [
        ("%FF", "\u{FFFD}"),
        ("%FE", "\u{FFFD}"),
        ("%EF%BF%BD", "\u{FFFD}"),
        ("caf%C3", "caf\u{FFFD}"),
        ("%FF", "%FF"),
    ] {
        f.assert_refused(segment, team, undecodable).await;
    }
}

#[actix_web::test]
async fn a_tenant_claim_that_is_not_a_string() {
    let f = Fixture::new().await;
    // A custom claim: the token is valid, the binding refuses it (403).
    let response = f.get("/attr/42/apps", ("team_id", json!(42))).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error_description"],
        "the token's `team_id` claim is not a string, so it cannot equal this endpoint's `team` \
         path parameter"
    );
    // `oid`, which scopegate types as a string: not a valid token (401).
    let response = f.get("/orgs/42/apps", ("oid", json!(42))).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    // And the organization binding decodes its path like every other.
    let response = f
        .get("/orgs/org-x%2Forg-b/apps", ("oid", json!("org-x/org-b")))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "org-x/org-b");
}
