use scopegate::require_scopes;

#[require_scopes("Deploy:applications")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
