// The macro does not parse the handler's body: a body that does not parse
// (yet) still expands, and the only error is rustc's own, at the mistake.
use actix_web::HttpRequest;
use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
async fn deploy(req: HttpRequest) -> String {
    let path = req.path().;
    path.to_owned()
}

fn main() {}
