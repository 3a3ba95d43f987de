use actix_web::{App, Responder, get, web};
use scopegate::require_scopes;

#[get("/{name}")]
#[require_scopes("read:deployments")]
async fn show(name: web::Path<String>) -> impl Responder {
    web::Json(vec![name.into_inner()])
}

pub(crate) fn main() {
    let _ = App::new().service(show);
}
