use scopegate::require_scopes;

#[require_scopes(all())]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
