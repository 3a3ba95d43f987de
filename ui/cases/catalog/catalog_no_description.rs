// A catalog scope without a description.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(catalog = "catalogs/no_description.catalog", "deploy:applications")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
