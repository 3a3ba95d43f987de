// The named catalog does not exist: the error names the path it looked at.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(catalog = "catalogs/nowhere.catalog", "deploy:applications")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
