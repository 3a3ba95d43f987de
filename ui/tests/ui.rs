//! Compile-time behaviour of `#[require_scopes]`, `require_scopes_guard!`
//! and `scope_catalog!`: every mistake under `cases/` must fail with the
//! message recorded next to it (the shapes that must compile are ordinary
//! tests: `tests/pass/`). With compile-fail cases only, trybuild checks
//! them all in one `cargo check --keep-going`, with no code generation.
//! One folder per topic: the scope
//! grammar and the attribute's syntax (`grammar`), scope catalogs
//! (`catalog`, whose files are in `catalog/catalogs/`), claim requirements
//! and tenant bindings (`claims`), the handler's shape (`handler`), and
//! utoipa (`utoipa`, with the feature; `without_utoipa`, the errors that
//! differ without it).
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p
//! scopegate-ui-tests --all-features` and read every changed `.stderr`
//! before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for topic in ["grammar", "catalog", "claims", "handler"] {
        t.compile_fail(format!("cases/{topic}/*.rs"));
    }
    #[cfg(feature = "utoipa")]
    t.compile_fail("cases/utoipa/*.rs");
    #[cfg(not(feature = "utoipa"))]
    t.compile_fail("cases/without_utoipa/*.rs");
}
