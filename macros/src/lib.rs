//! The `#[require_scopes]` attribute of scopegate.
//!
//! Do not depend on this crate directly: use the `scopegate` crate, which
//! re-exports the attribute and holds everything the expansion names.
//!
//! The macro works in three steps, in the manner of serde_derive and
//! thiserror-impl, one module each:
//!
//! 1. **parse** (`model`): the attribute into a typed tree of scopes and
//!    `any(...)`/`all(...)` groups, and the item into a `Handler`: its outer
//!    attributes, visibility and signature, with the body kept as the
//!    unparsed tokens between its braces (after tracing-attributes'
//!    `MaybeItemFn`). The body is only printed back, so parsing it into a
//!    syntax tree would be work for nothing, and most of a real handler's
//!    tokens are its body; and a body that does not parse yet, as while it
//!    is being typed in an editor, still expands: rustc, not this macro,
//!    reports what is wrong inside it (as it does for syntax that syn does
//!    not know). A syntax error in the attribute itself stops the parse of
//!    the attribute at that error; the handler is still parsed and checked.
//! 2. **validate** (`check`): every scope against the grammar of
//!    `scopegate-grammar`, repeated scopes, empty groups, and the handler
//!    (`async`, no `self`, at most 16 arguments, no attributes on them).
//!    Errors are not returned one at a time but recorded in a `Ctxt`
//!    (`ctxt`, after serde_derive's), together with any parse error, so
//!    that one build shows everything wrong with an attribute and its
//!    handler. Each error is spanned at the offending token.
//! 3. **expand** (`expand`): only when there were no errors at all, the
//!    requirement's marker type, the rewritten handler, and per-argument
//!    assertions that each argument is an extractor, spanned at its type.
//!
//! When there are errors, the output is every error as a `compile_error!`
//! followed by the item exactly as written, as tokio-macros and
//! actix-web-codegen do: code using the handler (`.service(deploy)`, a
//! `#[get]` around it) still finds it, and no cascade of "cannot find"
//! errors buries the ones that matter.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod check;
mod ctxt;
mod expand;
mod model;

/// Requires the caller's bearer token to carry the given scopes; see the
/// `scopegate` crate for the full documentation.
#[proc_macro_attribute]
pub fn require_scopes(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match run(attr.into(), item.clone()) {
        Ok(tokens) => tokens.into(),
        Err(errors) => {
            let mut tokens = errors.to_compile_error();
            tokens.extend(item);
            tokens.into()
        }
    }
}

/// Parse, validate, expand. Both halves are parsed and validated even when
/// the other fails, so that their errors are reported together.
fn run(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let cx = ctxt::Ctxt::new();
    let requirement = model::parse_attribute(attr)
        .inspect(|requirement| check::check_requirement(&cx, requirement))
        .map_err(|error| cx.syn_error(error));
    let handler = model::parse_handler(item)
        .inspect(|handler| check::check_handler(&cx, handler))
        .map_err(|error| cx.syn_error(error));
    cx.check()?;
    match (requirement, handler) {
        (Ok(requirement), Ok(handler)) => expand::expand(&requirement, handler),
        // A parse error was recorded, and `check` returned it.
        _ => unreachable!("a parse error was not reported"),
    }
}
