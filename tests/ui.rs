//! Compile-time behaviour of `#[require_scopes]`, `require_scopes_guard!`
//! and `scope_catalog!`: every mistake in ui-tests/ must fail with the
//! message recorded next to it, and every handler shape in ui-tests/pass/
//! must compile (and its `main` run). The catalog cases read their catalog
//! files from ui-tests/catalogs/.
//!
//! ui-tests/utoipa/ holds the cases that need the `utoipa` feature (whose
//! expansion also holds a probe for a misplaced `#[utoipa::path]`), and
//! ui-tests/without_utoipa/ those whose errors differ without it.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`
//! and read every changed `.stderr` before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/*.rs");
    t.pass("ui-tests/pass/*.rs");
    #[cfg(feature = "utoipa")]
    t.compile_fail("ui-tests/utoipa/*.rs");
    #[cfg(not(feature = "utoipa"))]
    t.compile_fail("ui-tests/without_utoipa/*.rs");
}
