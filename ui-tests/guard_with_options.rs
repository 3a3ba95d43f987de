// The guard takes scopes only.
use actix_web::{App, web};
use scopegate::require_scopes_guard;

fn main() {
    let _ = App::new().service(
        web::scope("/orgs/{org_id}")
            .wrap(require_scopes_guard!("admin:users", tenant(org_id))),
    );
}
