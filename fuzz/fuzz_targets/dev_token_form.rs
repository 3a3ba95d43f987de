//! The dev issuer's token endpoint form parser and its strict component
//! decoder: never panic; a body that parses decodes component by component.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopegate_dev::__fuzz::{form_component, token_form};

fuzz_target!(|data: &[u8]| {
    let parsed = token_form(data);
    if parsed.is_ok() {
        let text = std::str::from_utf8(data).expect("a parsed form is UTF-8");
        for pair in text.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            assert!(form_component(name).is_some(), "{name:?}");
            assert!(form_component(value).is_some(), "{value:?}");
        }
    }
});
