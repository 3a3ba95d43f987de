use scopegate::require_scopes;

#[require_scopes(claim(gty == "client_credentials"), tenant(org_id))]
async fn list() -> &'static str {
    ""
}

fn main() {}
