// `#[require_scopes]` above the route macro: it rewrites the handler and
// leaves `#[get]`/`#[post]` in place for the route macro to expand.
use actix_web::{App, HttpResponse, get, post, web};
use scopegate::{Claims, require_scopes};

#[require_scopes("read:deployments")]
#[get("/deployments")]
async fn list() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[require_scopes("deploy:applications")]
#[post("/deployments/{id}")]
async fn deploy(claims: Claims, id: web::Path<u32>, body: String) -> HttpResponse {
    HttpResponse::Ok().body(format!(
        "{} {} {body}",
        claims.client_id().unwrap_or("?"),
        id
    ))
}

pub(crate) fn main() {
    let _ = App::new().service(list).service(deploy);
}
