use scopegate::require_scopes;

#[require_scopes]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
