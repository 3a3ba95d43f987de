use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
struct Deploy {
    service: String,
}

fn main() {}
