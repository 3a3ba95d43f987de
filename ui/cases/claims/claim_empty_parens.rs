use scopegate::require_scopes;

#[require_scopes("read:deployments", claim())]
async fn list() -> &'static str {
    ""
}

fn main() {}
