// #[utoipa::path] above #[require_scopes]: utoipa expands first and sees
// no security requirement; #[require_scopes] says where to put it.
use actix_web::{HttpResponse, get};
use scopegate::require_scopes;

#[utoipa::path(responses((status = 200)))]
#[require_scopes("deploy:applications")]
#[get("/deploy")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
