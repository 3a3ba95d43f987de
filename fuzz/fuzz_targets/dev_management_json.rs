//! The dev issuer's management API bodies (a new client, a client update):
//! parsed with the path to the error and validated. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopegate_dev::__fuzz::{client_update, new_client};

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let result = if which % 2 == 0 {
        new_client(body)
    } else {
        client_update(body)
    };
    if let Err(error) = result {
        assert!(!error.to_string().is_empty());
    }
});
