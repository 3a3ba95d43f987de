// Every scope is declared in the catalog named by `catalog = "..."`
// (relative to this file); the catalog is read at compile time, and
// `scope_catalog!` gives it to the program with its descriptions. The
// crate forbids unsafe code: the inventory registration must not trip it.
#![forbid(unsafe_code)]

use actix_web::{HttpResponse, get};
use scopegate::{Claims, policy::ScopeCatalog, require_scopes, scope_catalog};

const CATALOG: ScopeCatalog = scope_catalog!("../../cases/catalog/catalogs/deploy.catalog");

#[require_scopes(
    catalog = "../../cases/catalog/catalogs/deploy.catalog",
    "deploy:applications"
)]
#[get("/deploy")]
async fn deploy(_claims: Claims) -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/deployments")]
#[require_scopes(
    catalog = "../../cases/catalog/catalogs/deploy.catalog",
    any("read:deployments", all("admin:deployments", "admin:users"))
)]
async fn deployments() -> HttpResponse {
    HttpResponse::Ok().finish()
}

pub(crate) fn main() {
    let _ = actix_web::App::new().service(deploy).service(deployments);
    assert_eq!(
        CATALOG.description("read:deployments"),
        Some("List deployments and their versions")
    );
    // This module's routes (the inventory is the whole binary's).
    let routes: Vec<_> = scopegate::inventory::routes()
        .into_iter()
        .filter(|r| r.module_path() == module_path!())
        .collect();
    assert_eq!(routes.len(), 2, "{routes:?}");
    assert_eq!(routes[0].methods(), ["GET"]);
    assert_eq!(routes[0].path(), Some("/deploy"));
    assert_eq!(routes[1].path(), None);
}
