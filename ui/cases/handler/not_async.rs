use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
fn deploy() -> &'static str {
    ""
}

fn main() {}
