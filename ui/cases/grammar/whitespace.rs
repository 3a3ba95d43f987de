use scopegate::require_scopes;

#[require_scopes("deploy: applications")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
