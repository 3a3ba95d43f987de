// `#[tracing::instrument]` above and below `#[require_scopes]`. Above, it
// expands first and records the handler's own arguments; below, it sees
// the rewritten handler, whose single argument destructures into them.
use actix_web::{App, HttpRequest, HttpResponse, get, web};
use scopegate::require_scopes;

#[tracing::instrument(skip(req))]
#[require_scopes("read:deployments")]
#[get("/above/{id}")]
async fn above(req: HttpRequest, id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", req.path(), id))
}

#[require_scopes("read:deployments")]
#[tracing::instrument(skip(req))]
async fn below(req: HttpRequest, id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", req.path(), id))
}

#[get("/outside")]
#[tracing::instrument(level = "debug", skip_all, err)]
#[require_scopes(any("read:deployments", "admin:deployments"))]
async fn outside(body: String) -> Result<HttpResponse, actix_web::Error> {
    Ok(HttpResponse::Ok().body(body))
}

pub(crate) fn main() {
    let _ = App::new()
        .service(above)
        .route("/below/{id}", web::get().to(below))
        .service(outside);
}
