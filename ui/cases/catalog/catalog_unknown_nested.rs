// Unknown scopes deep inside any(...)/all(...) are each reported at their
// literal; one that is far from every declared scope gets no suggestion.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(
    catalog = "catalogs/deploy.catalog",
    "read:deployments",
    any("billing:invoices", all("admin:deployments", "admin:user"))
)]
async fn deployments() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
