use actix_web::{App, HttpResponse, post, web};
use scopegate::require_scopes;

#[post("/deploy")]
#[require_scopes("deploy:applications")]
async fn deploy(body: web::Bytes) -> Result<HttpResponse, actix_web::Error> {
    if body.is_empty() {
        return Err(actix_web::error::ErrorBadRequest("empty body"));
    }
    Ok(HttpResponse::Accepted().finish())
}

pub(crate) fn main() {
    let _ = App::new().service(deploy);
}
