use scopegate::require_scopes;

#[require_scopes("read:deployments", check_revocation = true)]
async fn apps() -> &'static str {
    ""
}

fn main() {}
