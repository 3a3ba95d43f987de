//! The JWKS document parser (every algorithm allowed): never panics, and a
//! set it returns is not empty.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(keys) = scopegate_core::__fuzz::parse_jwks(data) {
        assert!(keys > 0);
    }
});
