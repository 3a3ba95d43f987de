use scopegate::require_scopes;

#[require_scopes("read:deployments" or "admin:deployments")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
