//! The scope grammar against an independent model of the documented one
//! (`resource:action`, each segment a lowercase ASCII letter then lowercase
//! letters, digits, `_`, `-`, `.`, at most 64 characters): they must agree
//! on every string, and an accepted scope splits back into itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn model(text: &str) -> bool {
    fn segment(s: &str) -> bool {
        let mut chars = s.chars();
        s.chars().count() <= 64
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c))
    }
    let pieces: Vec<&str> = text.split(':').collect();
    pieces.len() == 2 && segment(pieces[0]) && segment(pieces[1])
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = scopegate_grammar::parse_scope(text);
    assert_eq!(parsed.is_ok(), model(text), "{text:?}: {parsed:?}");
    match parsed {
        Ok(scope) => assert_eq!(format!("{}:{}", scope.resource(), scope.action()), text),
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
