use scopegate::require_scopes;

struct Deployer;

impl Deployer {
    #[require_scopes("deploy:applications")]
    async fn deploy(&self) -> &'static str {
        ""
    }
}

fn main() {}
