use scopegate::require_scopes;

#[require_scopes(any["read:deployments", "admin:deployments"])]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
