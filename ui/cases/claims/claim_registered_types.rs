// Registered claims are tested with values of their own types, and every
// mistake is reported in one build: `exp`/`nbf`/`iat` are integers,
// `iss`/`sub`/`jti`/`client_id`/`oid` strings, `aud`/`scopes` lists that
// only `includes` applies to.
use scopegate::require_scopes;

#[require_scopes(
    "read:deployments",
    claim(exp == "tomorrow"),
    claim(iat in [1, "2"]),
    claim(sub == 42),
    claim(oid in [true]),
    claim(client_id includes "x"),
    claim(aud == "api.example.com"),
    claim(scopes in ["a:b"]),
    claim(aud includes 7),
)]
async fn list() -> &'static str {
    ""
}

fn main() {}
