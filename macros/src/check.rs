//! Validation of the parsed attribute and of the function it stands on.
//! Every error is spanned at the offending token and shows a valid example.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{FnArg, Item, ItemFn};

use crate::model::{Node, Requirement};

/// The most arguments a handler may take: actix-web extracts tuples of up to 16.
const MAX_ARGS: usize = 16;

/// Checks every scope against the grammar, and every group for emptiness
/// and repeated scopes.
pub fn check_requirement(requirement: &Requirement) -> syn::Result<()> {
    check_siblings(&requirement.nodes)?;
    requirement.nodes.iter().try_for_each(check_node)
}

fn check_node(node: &Node) -> syn::Result<()> {
    match node {
        Node::Scope(lit) if !lit.suffix().is_empty() => Err(syn::Error::new(
            lit.span(),
            format!(
                "a scope is a plain string literal, without the suffix `{}`, e.g. \"deploy:applications\"",
                lit.suffix()
            ),
        )),
        Node::Scope(lit) => scopegate_grammar::parse_scope(&lit.value())
            .map(drop)
            .map_err(|error| {
                syn::Error::new(
                    lit.span(),
                    format!("invalid scope {:?}: {error}", lit.value()),
                )
            }),
        Node::Group {
            name,
            parens,
            children,
            ..
        } => {
            if children.is_empty() {
                return Err(syn::Error::new(
                    *parens,
                    format!(
                        "`{name}()` needs at least one scope, e.g. {name}(\"read:deployments\", \"admin:deployments\")"
                    ),
                ));
            }
            check_siblings(children)?;
            children.iter().try_for_each(check_node)
        }
    }
}

/// The same scope twice in one list is a mistake (a typo for another scope,
/// more often than not).
fn check_siblings(nodes: &[Node]) -> syn::Result<()> {
    let mut seen: Vec<String> = Vec::new();
    for node in nodes {
        if let Node::Scope(lit) = node {
            let value = lit.value();
            if seen.contains(&value) {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "scope {value:?} is listed twice; list each scope once, e.g. \"deploy:applications\", \"read:deployments\""
                    ),
                ));
            }
            seen.push(value);
        }
    }
    Ok(())
}

/// Parses the item and checks that it is an async handler function the
/// rewrite can handle.
pub fn check_handler(item: TokenStream) -> syn::Result<ItemFn> {
    let item: Item = syn::parse2(item)?;
    let Item::Fn(function) = item else {
        return Err(syn::Error::new(
            item_span(&item),
            "#[require_scopes] goes on an async handler function, e.g. `async fn deploy(claims: Claims) -> HttpResponse`",
        ));
    };
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span,
            "a handler protected by #[require_scopes] must be an `async fn`, e.g. `async fn deploy() -> HttpResponse`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            "a handler cannot be variadic; take extractors, e.g. `async fn deploy(claims: Claims) -> HttpResponse`",
        ));
    }
    // The outer attribute expands first and sees the inner one still in place.
    if let Some(again) = function.attrs.iter().find(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "require_scopes")
    }) {
        return Err(syn::Error::new_spanned(
            again,
            "#[require_scopes] is applied twice; put every scope in one attribute, e.g. \
             #[require_scopes(\"deploy:applications\", \"read:deployments\")] to require both, \
             or #[require_scopes(any(\"deploy:applications\", \"read:deployments\"))] for either",
        ));
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new_spanned(
                    receiver,
                    "#[require_scopes] goes on a free function, not a method taking `self`; \
                     e.g. `async fn deploy(claims: Claims) -> HttpResponse`",
                ));
            }
            FnArg::Typed(arg) => {
                if let Some(attr) = arg.attrs.first() {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "attributes on the arguments of a #[require_scopes] handler are not supported; \
                         put lint attributes on the function instead, \
                         e.g. `#[allow(unused_variables)] async fn deploy(claims: Claims) -> HttpResponse`",
                    ));
                }
            }
        }
    }
    if let Some(extra) = sig.inputs.iter().nth(MAX_ARGS) {
        return Err(syn::Error::new_spanned(
            extra,
            format!(
                "a handler takes at most {MAX_ARGS} extractors and this is argument {}; \
                 group some into a tuple, e.g. `(path, query): (Path<u32>, Query<Page>)`",
                MAX_ARGS + 1
            ),
        ));
    }
    Ok(function)
}

fn item_span(item: &Item) -> proc_macro2::Span {
    // Point at the keyword that says what the item is (`struct`, `impl`, ...).
    match item {
        Item::Struct(i) => i.struct_token.span,
        Item::Enum(i) => i.enum_token.span,
        Item::Impl(i) => i.impl_token.span,
        Item::Const(i) => i.const_token.span,
        Item::Static(i) => i.static_token.span,
        Item::Mod(i) => i.mod_token.span,
        Item::Trait(i) => i.trait_token.span,
        Item::Type(i) => i.type_token.span,
        Item::Use(i) => i.use_token.span,
        other => other.span(),
    }
}
