// A syntax error in the attribute stops its parse, but the handler is
// still checked: all three errors come in one build.
use scopegate::require_scopes;

struct Deployer;

impl Deployer {
    #[require_scopes("deploy:applications" || "read:deployments")]
    fn deploy(&self) -> &'static str {
        ""
    }
}

fn main() {}
