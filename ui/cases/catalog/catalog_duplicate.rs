// A scope declared twice in the catalog.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(catalog = "catalogs/duplicate.catalog", "deploy:applications")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
