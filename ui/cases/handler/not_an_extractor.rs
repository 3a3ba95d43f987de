// An argument whose type is not an actix-web extractor: the error points
// at that argument's type, not at the handler's name. (Registering the
// handler, with `#[get]` or `.to(deploy)`, adds actix-web's own error at
// the registration site.)
use actix_web::HttpRequest;
use scopegate::require_scopes;

struct Deployment {
    id: u32,
}

#[require_scopes("deploy:applications")]
async fn deploy(_req: HttpRequest, deployment: Deployment) -> String {
    deployment.id.to_string()
}

fn main() {}
