// #[utoipa::path] below #[require_scopes] (and above the route attribute,
// or with its own method and path): utoipa sees the handler's real
// arguments, and the operation's security comes from the requirement,
// nested any/all expanded into OpenAPI's OR-of-AND.
use actix_web::{HttpResponse, get, web};
use scopegate::require_scopes;
use utoipa::OpenApi;

/// Deploy one service.
#[require_scopes("deploy:applications")]
#[utoipa::path(responses((status = 200, description = "deploying")))]
#[get("/deploy/{service}")]
async fn deploy(service: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().body(service.into_inner())
}

#[require_scopes(
    "read:deployments",
    any("admin:deployments", all("admin:x", "admin:y"))
)]
#[utoipa::path(get, path = "/deployments", responses((status = 200)))]
async fn deployments() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[derive(OpenApi)]
#[openapi(paths(deploy, deployments))]
struct ApiDoc;

pub(crate) fn main() {
    let _ = actix_web::App::new()
        .service(deploy)
        .route("/deployments", web::get().to(deployments));
    let doc: serde_json::Value = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let op = &doc["paths"]["/deploy/{service}"]["get"];
    assert_eq!(op["parameters"][0]["name"], "service", "{op}");
    assert_eq!(
        op["security"],
        serde_json::json!([{"oauth2": ["deploy:applications"]}])
    );
    assert_eq!(
        doc["paths"]["/deployments"]["get"]["security"],
        serde_json::json!([
            {"oauth2": ["read:deployments", "admin:deployments"]},
            {"oauth2": ["read:deployments", "admin:x", "admin:y"]},
        ])
    );
}
