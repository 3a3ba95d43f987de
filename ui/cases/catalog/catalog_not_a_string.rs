// The catalog's path must be a string literal.
use actix_web::HttpResponse;
use scopegate::require_scopes;

const CATALOG: &str = "catalogs/deploy.catalog";

#[require_scopes(catalog = CATALOG, "deploy:applications")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _ = CATALOG;
}
