use scopegate::require_scopes;

#[require_scopes(42)]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
