// Claim requirements, a tenant binding and `check_revocation` beside the
// scopes, in every form the attribute takes; the expansion puts them in
// the handler's `HandlerPolicy`, which `main` reads back.
use actix_web::{App, HttpResponse, get, web};
// The trait the expansion implements, to read the policy back.
use scopegate::__private::ScopeRequirement;
use scopegate::{
    policy::{ClaimRequirement, ClaimTest, ClaimValue, HandlerPolicy, TenantBinding},
    require_scopes,
};

#[require_scopes(
    "deploy:applications",
    claim(gty == "client_credentials"),
    claim(groups includes "ops"),
    claim(tid in ["t1", "t2"]),
    claim(level in [1, -2]),
    claim(verified == true),
    claim("https://acme.example/roles" includes "admin"),
    claim(r#type == "service"),
    claim(aud includes "api.example.com"),
    claim(exp == 1767225600),
    tenant(org_id),
    check_revocation,
)]
#[get("/orgs/{org_id}/apps/{app:[a-z]{2,8}}")]
async fn apps(path: web::Path<(String, String)>) -> HttpResponse {
    HttpResponse::Ok().body(path.into_inner().1)
}

// Another claim; the parameter of an enclosing `web::scope`.
#[require_scopes(
    any("read:deployments", "admin:deployments"),
    tenant(tenant, claim = "tid", from_scope)
)]
#[get("/deployments")]
async fn deployments() -> HttpResponse {
    HttpResponse::Ok().finish()
}

// No route attribute: the parameter is checked at request time.
#[require_scopes("read:deployments", tenant("org-id"))]
async fn plain() -> HttpResponse {
    HttpResponse::Ok().finish()
}

const TIDS: &[ClaimValue] = &[ClaimValue::str("t1"), ClaimValue::str("t2")];
const LEVELS: &[ClaimValue] = &[ClaimValue::Int(1), ClaimValue::Int(-2)];

pub(crate) fn main() {
    let policy: HandlerPolicy = __scopegate_requires_apps::POLICY;
    assert_eq!(policy.claims.len(), 9);
    assert_eq!(
        policy.claims[0],
        ClaimRequirement::new(
            "gty",
            ClaimTest::Equals(ClaimValue::str("client_credentials"))
        )
    );
    assert_eq!(
        policy.claims[2],
        ClaimRequirement::new("tid", ClaimTest::one_of(TIDS))
    );
    assert_eq!(policy.claims[3].test, ClaimTest::one_of(LEVELS));
    assert_eq!(
        policy.claims[4].test,
        ClaimTest::Equals(ClaimValue::Bool(true))
    );
    assert_eq!(policy.claims[6].claim, "type");
    assert_eq!(policy.tenant, Some(TenantBinding::new("org_id")));
    assert!(policy.check_revocation);
    assert!(policy.handler.ends_with("::apps"), "{}", policy.handler);

    let policy = __scopegate_requires_deployments::POLICY;
    assert_eq!(
        policy.tenant,
        Some(TenantBinding::new("tenant").with_claim("tid"))
    );
    assert!(policy.claims.is_empty());
    assert!(!policy.check_revocation);
    assert_eq!(
        __scopegate_requires_plain::POLICY.tenant.map(|t| t.param),
        Some("org-id")
    );

    let _ = App::new()
        .service(apps)
        .service(web::scope("/t/{tenant}").service(deployments))
        .route("/orgs/{org-id}", web::get().to(plain));
}
