use scopegate::require_scopes;

#[require_scopes(b"deploy:applications")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
