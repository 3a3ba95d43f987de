// With the `utoipa` feature, the expansion also holds the probe for a
// #[utoipa::path] above #[require_scopes], which an impl block cannot hold
// either: more errors, the same first one.
use scopegate::require_scopes;

struct Deployer;

impl Deployer {
    #[require_scopes("deploy:applications")]
    async fn deploy() -> &'static str {
        ""
    }
}

fn main() {}
