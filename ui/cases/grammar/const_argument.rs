use scopegate::require_scopes;

const DEPLOY: &str = "deploy:applications";

#[require_scopes(DEPLOY)]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
