use scopegate::require_scopes;

const GTY: &str = "client_credentials";

#[require_scopes("read:deployments", claim(gty == GTY))]
async fn list() -> &'static str {
    ""
}

fn main() {}
