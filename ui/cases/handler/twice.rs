use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
#[require_scopes("read:deployments")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
