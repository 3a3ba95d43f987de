// `in []` could never be satisfied.
use scopegate::require_scopes;

#[require_scopes("read:deployments", claim(tid in []))]
async fn list() -> &'static str {
    ""
}

fn main() {}
