// The error is the macro's alone: the handler is still there for `#[get]`
// and `.service(..)`, so nothing cascades.
use actix_web::{App, get};
use scopegate::require_scopes;

#[get("/deploy")]
#[require_scopes("deploy")]
async fn deploy() -> &'static str {
    ""
}

fn main() {
    let _ = App::new().service(deploy);
}
