//! The whole validate path over raw bytes (a token as a client sends it),
//! with the fixed key set: no input may panic, and an accepted token must
//! be what the rules say (see `kit::Kit::check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

mod kit;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = std::str::from_utf8(data) {
        kit::kit().check(token);
    }
});
