// A guard for a whole scope, in the attribute's syntax, checked against the
// catalog; it composes with #[require_scopes] on the handlers inside and is
// listed in the route inventory.
#![forbid(unsafe_code)]

use actix_web::{App, HttpResponse, get, web};
use scopegate::{actix::ScopeGuard, inventory::RouteKind, require_scopes, require_scopes_guard};

#[require_scopes(
    catalog = "../../cases/catalog/catalogs/deploy.catalog",
    "admin:deployments"
)]
#[get("/deployments")]
async fn purge() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn admin_guard() -> ScopeGuard {
    require_scopes_guard!(
        catalog = "../../cases/catalog/catalogs/deploy.catalog",
        any("admin:users", "admin:deployments")
    )
}

pub(crate) fn main() {
    let _ = App::new()
        .service(web::scope("/admin").wrap(admin_guard()).service(purge))
        .service(
            web::resource("/users")
                .wrap(require_scopes_guard!("admin:users"))
                .to(HttpResponse::Ok),
        );
    assert_eq!(
        admin_guard().requirement().to_string(),
        "any(admin:users, admin:deployments)"
    );
    // This module's routes (the inventory is the whole binary's).
    let routes: Vec<_> = scopegate::inventory::routes()
        .into_iter()
        .filter(|r| r.module_path() == module_path!())
        .collect();
    let guards = routes
        .iter()
        .filter(|r| r.kind() == RouteKind::Guard)
        .count();
    assert_eq!(guards, 2, "{routes:?}");
    assert_eq!(routes.len(), 3);
}
