// Every line of the catalog that breaks the scope grammar is reported,
// with its line number.
use actix_web::HttpResponse;
use scopegate::require_scopes;

#[require_scopes(catalog = "catalogs/bad_grammar.catalog", "deploy:applications")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
