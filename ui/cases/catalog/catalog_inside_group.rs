// `catalog = ...` belongs at the top level of the attribute.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(any(catalog = "catalogs/deploy.catalog", "deploy:applications"))]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
