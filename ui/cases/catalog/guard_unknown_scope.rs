// The guard macro checks its scopes like the attribute: grammar and catalog.
use actix_web::{App, web};
use scopegate::require_scopes_guard;

fn main() {
    let _ = App::new().service(
        web::scope("/admin")
            .wrap(require_scopes_guard!(catalog = "catalogs/deploy.catalog", "admin:user", any("Admin:x")))
    );
    let _ = require_scopes_guard!();
}
