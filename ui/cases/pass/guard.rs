// A guard for a whole scope, in the attribute's syntax, checked against the
// catalog; it composes with #[require_scopes] on the handlers inside and is
// listed in the route inventory.
#![forbid(unsafe_code)]

use actix_web::{App, HttpResponse, get, web};
use scopegate::{require_scopes, require_scopes_guard, inventory::RouteKind, actix::ScopeGuard};

#[require_scopes(catalog = "../catalog/catalogs/deploy.catalog", "admin:deployments")]
#[get("/deployments")]
async fn purge() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn admin_guard() -> ScopeGuard {
    require_scopes_guard!(catalog = "../catalog/catalogs/deploy.catalog", any("admin:users", "admin:deployments"))
}

fn main() {
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
    let routes = scopegate::inventory::routes();
    let guards = routes.iter().filter(|r| r.kind() == RouteKind::Guard).count();
    assert_eq!(guards, 2, "{routes:?}");
    assert_eq!(routes.len(), 3);
}
