use scopegate::require_scopes;

#[require_scopes("deploy:applications:write")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
