use scopegate::require_scopes;

#[require_scopes("deploy:applications"_v2)]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
