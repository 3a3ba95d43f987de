//! Handler shapes that must compile (and whose `main` must run): each
//! module is a small program written as a user would write it, against
//! the `scopegate` facade. They are ordinary tests (built with the rest of
//! the workspace), so that trybuild only checks the compile-fail cases
//! under `cases/`, all in one `cargo check`.
// The cases are written as users write them: `pub` items in private
// modules, no docs.
#![allow(unreachable_pub, missing_docs)]

mod body_as_tokens;
mod catalog;
mod generic;
mod guard;
mod impl_responder;
mod nested;
mod patterns;
mod policy;
mod result_return;
mod route_inside;
mod route_outside;
mod sixteen_args;
mod tracing_instrument;
#[cfg(feature = "utoipa")]
mod utoipa_placements;
mod visibility;
mod zero_args;

#[test]
fn body_as_tokens() {
    body_as_tokens::main();
}

#[test]
fn catalog() {
    catalog::main();
}

#[test]
fn generic() {
    generic::main();
}

#[test]
fn guard() {
    guard::main();
}

#[test]
fn impl_responder() {
    impl_responder::main();
}

#[test]
fn nested() {
    nested::main();
}

#[test]
fn patterns() {
    patterns::main();
}

#[test]
fn policy() {
    policy::main();
}

#[test]
fn result_return() {
    result_return::main();
}

#[test]
fn route_inside() {
    route_inside::main();
}

#[test]
fn route_outside() {
    route_outside::main();
}

#[test]
fn sixteen_args() {
    sixteen_args::main();
}

#[test]
fn tracing_instrument() {
    tracing_instrument::main();
}

#[cfg(feature = "utoipa")]
#[test]
fn utoipa_placements() {
    utoipa_placements::main();
}

#[test]
fn visibility() {
    visibility::main();
}

#[test]
fn zero_args() {
    zero_args::main();
}
