// Options apply to the whole handler, not to one branch of any(..).
use scopegate::require_scopes;

#[require_scopes(any("read:deployments", claim(gty == "client_credentials")))]
async fn list() -> &'static str {
    ""
}

fn main() {}
