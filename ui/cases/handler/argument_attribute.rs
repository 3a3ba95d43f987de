use actix_web::HttpRequest;
use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
async fn deploy(#[allow(unused_variables)] req: HttpRequest) -> &'static str {
    ""
}

fn main() {}
