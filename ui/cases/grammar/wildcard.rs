use scopegate::require_scopes;

#[require_scopes("deploy:*")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
