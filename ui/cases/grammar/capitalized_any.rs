use scopegate::require_scopes;

#[require_scopes(Any("read:deployments", "admin:deployments"))]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
