// #[utoipa::path] under the route attribute: utoipa cannot see the handler.
use actix_web::{HttpResponse, get};
use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
#[get("/deploy")]
#[utoipa::path(responses((status = 200)))]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
