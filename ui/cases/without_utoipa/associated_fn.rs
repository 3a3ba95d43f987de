use scopegate::require_scopes;

struct Deployer;

impl Deployer {
    #[require_scopes("deploy:applications")]
    async fn deploy() -> &'static str {
        ""
    }
}

fn main() {}
