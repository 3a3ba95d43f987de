use scopegate::require_scopes;

#[require_scopes(any())]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
