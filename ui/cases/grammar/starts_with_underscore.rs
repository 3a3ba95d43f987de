use scopegate::require_scopes;

#[require_scopes("deploy:_applications")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
