use scopegate::require_scopes;

#[require_scopes("2fa:enroll")]
async fn deploy() -> &'static str {
    ""
}

fn main() {}
