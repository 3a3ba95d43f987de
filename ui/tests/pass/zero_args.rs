use actix_web::{App, web};
use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
async fn deploy() -> &'static str {
    "deploying"
}

pub(crate) fn main() {
    let _ = App::new().service(web::resource("/deploy").route(web::post().to(deploy)));
}
