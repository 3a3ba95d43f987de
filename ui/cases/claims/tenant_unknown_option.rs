use scopegate::require_scopes;

#[require_scopes("read:deployments", tenant(org_id, param = "x"))]
async fn apps() -> &'static str {
    ""
}

fn main() {}
