// The security requirement comes from #[require_scopes]; writing it again
// in #[utoipa::path] would let the two disagree.
use actix_web::{HttpResponse, get};
use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
#[utoipa::path(responses((status = 200)), security(("oauth2" = ["deploy:applications"])))]
#[get("/deploy")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
