use scopegate::require_scopes;

#[require_scopes("deploy:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
