//! The `#[require_scopes]` attribute of scopegate.
//!
//! Do not depend on this crate directly: use the `scopegate` crate, which
//! re-exports the attribute and holds everything the expansion names.
//!
//! The macro works in three steps, one module each: `model` parses the
//! attribute into a typed tree, `check` validates it and the handler with
//! errors spanned at the offending token, and `expand` writes the code.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod check;
mod expand;
mod model;

/// Requires the caller's bearer token to carry the given scopes; see the
/// `scopegate` crate for the full documentation.
#[proc_macro_attribute]
pub fn require_scopes(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match run(attr.into(), item.clone()) {
        Ok(tokens) => tokens.into(),
        // Keep the item as written next to the error, so that code using the
        // handler (`.service(deploy)`, `#[get]` around it) does not add a
        // cascade of "cannot find" errors to the one that matters.
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(item);
            tokens.into()
        }
    }
}

fn run(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let requirement = model::parse_attribute(attr)?;
    check::check_requirement(&requirement)?;
    let handler = check::check_handler(item)?;
    expand::expand(&requirement, handler)
}
