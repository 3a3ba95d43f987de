use scopegate::require_scopes;

mod scopes {
    pub const DEPLOY: &str = "deploy:applications";
}

#[require_scopes(scopes::DEPLOY)]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
