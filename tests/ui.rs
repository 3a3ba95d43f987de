//! Compile-time behaviour of `#[require_scopes]`: every mistake in ui-tests/
//! must fail with the message recorded next to it, and every handler shape
//! in ui-tests/pass/ must compile.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`
//! and read every changed `.stderr` before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
