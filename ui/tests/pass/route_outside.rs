// `#[require_scopes]` below the route macro: the route macro sees the
// rewritten handler.
use actix_web::{App, HttpResponse, get, post, web};
use scopegate::{Claims, require_scopes};

#[get("/deployments")]
#[require_scopes("read:deployments")]
async fn list() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[post("/deployments/{id}")]
#[require_scopes("deploy:applications")]
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
