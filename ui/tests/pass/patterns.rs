// Argument patterns survive the rewrite: `mut`, tuple-struct and struct
// destructuring, `_`. (actix-web 4's `web::Path` has a private field, so
// it cannot be destructured, with or without `#[require_scopes]`.)
use actix_web::{App, HttpRequest, HttpResponse, get, web};
use scopegate::require_scopes;

#[derive(serde::Deserialize)]
struct Page {
    limit: u32,
}

#[get("/{a}/{b}")]
#[require_scopes("read:deployments")]
async fn sum(
    mut path: web::Path<(u32, u32)>,
    web::Query(Page { limit }): web::Query<Page>,
    web::Json((c, d)): web::Json<(u32, u32)>,
    _: HttpRequest,
) -> HttpResponse {
    path.0 += limit;
    let (a, b) = path.into_inner();
    HttpResponse::Ok().body((a + b + c + d).to_string())
}

pub(crate) fn main() {
    let _ = App::new().service(sum);
}
