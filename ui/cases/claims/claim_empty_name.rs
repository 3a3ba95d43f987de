// A claim's name cannot be empty.
use scopegate::require_scopes;

#[require_scopes("read:deployments", claim("" == "x"))]
async fn list() -> &'static str {
    ""
}

fn main() {}
