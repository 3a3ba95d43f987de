use scopegate::require_scopes;

#[require_scopes("read:deployments", claim(gty = "client_credentials"))]
async fn list() -> &'static str {
    ""
}

fn main() {}
