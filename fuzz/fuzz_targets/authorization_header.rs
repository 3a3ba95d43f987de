//! The `Authorization` header parser: never panics, and a token it returns
//! is a non-empty `b64token` taken from the header, within the size bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopegate_core::adapter::parse_authorization;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    for max in [8 * 1024, 16] {
        if let Ok(token) = parse_authorization(value, max) {
            assert!(!token.is_empty() && token.len() <= max);
            assert!(value.contains(token));
            let body = token.trim_end_matches('=');
            assert!(
                body.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
            );
            assert!(!body.is_empty());
        }
    }
});
