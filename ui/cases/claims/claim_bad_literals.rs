// Values are plain literals, and integers fit in 64 bits.
use scopegate::require_scopes;

#[require_scopes(
    "read:deployments",
    claim(tier == 1u8),
    claim(gty == "x"suffix),
    claim(big == 9223372036854775808),
    claim(small == -9223372036854775808),
)]
async fn list() -> &'static str {
    ""
}

fn main() {}
