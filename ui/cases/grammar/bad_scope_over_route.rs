// The error is the macro's alone: the handler is still there for `#[post]`
// and `.service(..)`, so nothing cascades.
use actix_web::{App, post};
use scopegate::require_scopes;

#[require_scopes("deploy:Applications")]
#[post("/deploy")]
async fn deploy() -> &'static str {
    ""
}

fn main() {
    let _ = App::new().service(deploy);
}
