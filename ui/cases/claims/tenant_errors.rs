// Every mistake in tenant(..) and check_revocation, in one build.
use scopegate::require_scopes;

#[require_scopes(
    "read:deployments",
    tenant(org_id, claim = "exp"),
    tenant(org_id),
    check_revocation,
    check_revocation,
)]
async fn apps() -> &'static str {
    ""
}

#[require_scopes("read:deployments", tenant("", claim = ""))]
async fn empty() -> &'static str {
    ""
}

#[require_scopes("read:deployments", tenant("{org_id}"))]
async fn braces() -> &'static str {
    ""
}

fn main() {}
