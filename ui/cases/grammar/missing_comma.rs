use scopegate::require_scopes;

#[require_scopes("deploy:applications" "read:deployments")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
