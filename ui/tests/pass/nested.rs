use actix_web::{App, HttpResponse, get, web};
use scopegate::require_scopes;

#[get("/a")]
#[require_scopes(any("read:deployments", "admin:deployments"))]
async fn any_of() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/b")]
#[require_scopes(all("read:deployments", "audit-log:export_v2"))]
async fn all_of() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/c")]
#[require_scopes(
    "deploy:applications",
    any("billing.invoices:read", all("read:deployments", "admin:deployments")),
    all(any("a:b", "c:d"), "e:f")
)]
async fn nested() -> HttpResponse {
    HttpResponse::Ok().finish()
}

// The same scope may appear in different groups.
#[require_scopes(any("read:deployments", all("read:deployments", "admin:deployments")))]
async fn repeated_across_groups() -> HttpResponse {
    HttpResponse::Ok().finish()
}

// Raw strings are string literals too.
#[require_scopes(r"deploy:applications", r#"read:deployments"#)]
async fn raw_strings() -> HttpResponse {
    HttpResponse::Ok().finish()
}

pub(crate) fn main() {
    let _ = App::new()
        .service(any_of)
        .service(all_of)
        .service(nested)
        .route("/d", web::get().to(repeated_across_groups))
        .route("/e", web::get().to(raw_strings));
}
