use scopegate::require_scopes;

#[require_scopes("read:deployments", claim(groups contains "ops"))]
async fn list() -> &'static str {
    ""
}

fn main() {}
