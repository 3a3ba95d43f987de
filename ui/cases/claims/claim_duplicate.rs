// The same requirement twice, and one claim required to equal two values.
use scopegate::require_scopes;

#[require_scopes(
    "read:deployments",
    claim(groups includes "ops"),
    claim(groups includes "ops"),
    claim(gty == "client_credentials"),
    claim(gty == "authorization_code"),
    claim(tid in ["t1", "t1"]),
)]
async fn list() -> &'static str {
    ""
}

fn main() {}
