use scopegate::require_scopes;

#[require_scopes(":applications")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
