use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
const DEPLOY: &str = "deploy";

fn main() {}
