use scopegate::require_scopes;

#[require_scopes(concat!("deploy:", "applications"))]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
