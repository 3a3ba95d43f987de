use scopegate::require_scopes;

#[require_scopes(any("read:deployments", all()))]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
