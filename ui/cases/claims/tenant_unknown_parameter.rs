// The route attribute is visible to the macro: a tenant bound to a
// parameter it does not have is a compile error.
use actix_web::get;
use scopegate::require_scopes;

#[require_scopes("read:deployments", tenant(org_id))]
#[get("/organizations/{org}/apps/{app}")]
async fn apps() -> &'static str {
    ""
}

#[require_scopes("read:deployments", tenant(org_id))]
#[get("/health")]
async fn health() -> &'static str {
    ""
}

fn main() {}
