// all() of five any() of two expands to 32 alternatives in OpenAPI's
// OR-of-AND form: more than the 16 allowed.
use actix_web::{HttpResponse, get};
use scopegate::require_scopes;

#[require_scopes(
    any("a:a", "b:b"),
    any("c:c", "d:d"),
    any("e:e", "f:f"),
    any("g:g", "h:h"),
    any("i:i", "j:j")
)]
#[utoipa::path(responses((status = 200)))]
#[get("/x")]
async fn x() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
