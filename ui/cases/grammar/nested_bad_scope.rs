use scopegate::require_scopes;

#[require_scopes("deploy:applications", any("read:deployments", all("admin:deployments", "Audit:read")))]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
