// One attribute, one catalog.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(
    catalog = "catalogs/deploy.catalog",
    "deploy:applications",
    catalog = "catalogs/duplicate.catalog"
)]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
