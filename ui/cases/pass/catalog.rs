// Every scope is declared in the catalog named by `catalog = "..."`
// (relative to this file); the catalog is read at compile time, and
// `scope_catalog!` gives it to the program with its descriptions. The
// crate forbids unsafe code: the inventory registration must not trip it.
#![forbid(unsafe_code)]

use actix_web::{HttpResponse, get};
use scopegate::{Claims, require_scopes, scope_catalog, policy::ScopeCatalog};

const CATALOG: ScopeCatalog = scope_catalog!("../catalog/catalogs/deploy.catalog");

#[require_scopes(catalog = "../catalog/catalogs/deploy.catalog", "deploy:applications")]
#[get("/deploy")]
async fn deploy(_claims: Claims) -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/deployments")]
#[require_scopes(
    catalog = "../catalog/catalogs/deploy.catalog",
    any("read:deployments", all("admin:deployments", "admin:users"))
)]
async fn deployments() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _ = actix_web::App::new().service(deploy).service(deployments);
    assert_eq!(
        CATALOG.description("read:deployments"),
        Some("List deployments and their versions")
    );
    let routes = scopegate::inventory::routes();
    assert_eq!(routes.len(), 2, "{routes:?}");
    assert_eq!(routes[0].methods(), ["GET"]);
    assert_eq!(routes[0].path(), Some("/deploy"));
    assert_eq!(routes[1].path(), None);
}
