// A catalog that declares nothing.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(catalog = "catalogs/empty.catalog", "deploy:applications")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
