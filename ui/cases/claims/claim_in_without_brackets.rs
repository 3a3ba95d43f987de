use scopegate::require_scopes;

#[require_scopes("read:deployments", claim(tid in "t1"))]
async fn list() -> &'static str {
    ""
}

fn main() {}
