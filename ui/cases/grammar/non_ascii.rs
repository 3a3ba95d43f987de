use scopegate::require_scopes;

#[require_scopes("déploy:applications")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
