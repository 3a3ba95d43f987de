//! Code generation.
//!
//! A handler
//!
//! ```text
//! #[require_scopes("deploy:applications")]
//! async fn deploy(claims: Claims, body: Json<Deploy>) -> impl Responder { ... }
//! ```
//!
//! becomes a marker type carrying the requirement, and the same function
//! whose arguments are gathered into one extractor that checks the scopes
//! before it runs the original ones:
//!
//! ```text
//! struct __scopegate_requires_deploy;
//! impl ScopeRequirement for __scopegate_requires_deploy { const REQUIREMENT: Requirement = ...; }
//! async fn deploy(
//!     Authorized((claims, body), _): Authorized<__scopegate_requires_deploy, (Claims, Json<Deploy>)>,
//! ) -> impl Responder { ... }
//! ```
//!
//!
//! The return type, body, name, generics and other attributes are untouched.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{FnArg, Signature, Type};

use crate::model::{Combinator, Handler, Node, Requirement};

pub fn expand(requirement: &Requirement, mut handler: Handler) -> syn::Result<TokenStream> {
    let private = quote!(::scopegate::__private);
    let vis = &handler.vis;
    let name = &handler.sig.ident;
    // The marker and its impl are the attribute's own items: spanned at the
    // attribute, so that if they cannot live where the handler is (an
    // `impl` block), rustc's errors point at `#[require_scopes]`.
    let marker = format_ident!("__scopegate_requires_{}", name, span = Span::call_site());
    let tree = requirement_tokens(requirement, &private);

    let (pats, tys): (Vec<_>, Vec<_>) = typed_args(&handler.sig).unzip();
    let span = name.span();
    let guarded: FnArg = syn::parse2(quote_spanned! {span=>
        #private::Authorized((#(#pats,)*), _): #private::Authorized<#marker, (#(#tys,)*)>
    })?;
    let items = quote! {
        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        #vis struct #marker;
        impl #private::ScopeRequirement for #marker {
            const REQUIREMENT: #private::Requirement = #tree;
        }
    };
    handler.sig.inputs = std::iter::once(guarded).collect();

    let mut tokens = items;
    handler.to_tokens(&mut tokens);
    Ok(tokens)
}

/// The patterns and types of the arguments (a `self` is an error found by
/// `check`).
fn typed_args(sig: &Signature) -> impl Iterator<Item = (&syn::Pat, &Type)> {
    sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(arg) => Some((&*arg.pat, &*arg.ty)),
        FnArg::Receiver(_) => None,
    })
}

fn requirement_tokens(requirement: &Requirement, private: &TokenStream) -> TokenStream {
    match requirement.nodes.as_slice() {
        [single] => node_tokens(single, private),
        nodes => {
            let children = nodes.iter().map(|n| node_tokens(n, private));
            quote!(#private::Requirement::All(&[#(#children),*]))
        }
    }
}

fn node_tokens(node: &Node, private: &TokenStream) -> TokenStream {
    match node {
        Node::Scope(lit) => quote!(#private::Requirement::Scope(#lit)),
        Node::Group {
            combinator,
            children,
            ..
        } => {
            let variant = match combinator {
                Combinator::All => format_ident!("All"),
                Combinator::Any => format_ident!("Any"),
            };
            let children = children.iter().map(|n| node_tokens(n, private));
            quote!(#private::Requirement::#variant(&[#(#children),*]))
        }
    }
}
