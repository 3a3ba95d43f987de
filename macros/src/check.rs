//! Validation of the parsed attribute and of the function it stands on.
//! Every error is spanned at the offending token and shows a valid example.
//! Nothing here stops at the first error: each one is recorded in the
//! [`Ctxt`], so that one build reports all that is wrong with an attribute.

use syn::FnArg;

use crate::ctxt::Ctxt;
use crate::model::{Handler, Node, Requirement};

/// The most arguments a handler may take: actix-web extracts tuples of up to 16.
const MAX_ARGS: usize = 16;

/// Checks every scope against the grammar, and every group for emptiness
/// and repeated scopes.
pub(crate) fn check_requirement(cx: &Ctxt, requirement: &Requirement) {
    check_list(cx, &requirement.nodes);
}

/// The nodes of one list, in order. The same scope twice in one list is a
/// mistake (a typo for another scope, more often than not): each repetition
/// is reported instead of being checked again.
fn check_list(cx: &Ctxt, nodes: &[Node]) {
    let mut seen: Vec<String> = Vec::new();
    for node in nodes {
        if let Node::Scope(lit) = node {
            let value = lit.value();
            if seen.contains(&value) {
                cx.error_at(
                    lit.span(),
                    format!(
                        "scope {value:?} is listed twice; list each scope once, e.g. \"deploy:applications\", \"read:deployments\""
                    ),
                );
                continue;
            }
            seen.push(value);
        }
        check_node(cx, node);
    }
}

fn check_node(cx: &Ctxt, node: &Node) {
    match node {
        Node::Scope(lit) if !lit.suffix().is_empty() => cx.error_at(
            lit.span(),
            format!(
                "a scope is a plain string literal, without the suffix `{}`, e.g. \"deploy:applications\"",
                lit.suffix()
            ),
        ),
        Node::Scope(lit) => {
            if let Err(error) = scopegate_grammar::parse_scope(&lit.value()) {
                cx.error_at(
                    lit.span(),
                    format!("invalid scope {:?}: {error}", lit.value()),
                );
            }
        }
        Node::Group {
            name,
            parens,
            children,
            ..
        } => {
            if children.is_empty() {
                cx.error_at(
                    *parens,
                    format!(
                        "`{name}()` needs at least one scope, e.g. {name}(\"read:deployments\", \"admin:deployments\")"
                    ),
                );
            }
            check_list(cx, children);
        }
    }
}

/// Checks that the handler is an async function the rewrite can handle.
pub(crate) fn check_handler(cx: &Ctxt, handler: &Handler) {
    let sig = &handler.sig;
    if sig.asyncness.is_none() {
        cx.error_at(
            sig.fn_token.span,
            "a handler protected by #[require_scopes] must be an `async fn`, e.g. `async fn deploy() -> HttpResponse`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(
            variadic,
            "a handler cannot be variadic; take extractors, e.g. `async fn deploy(claims: Claims) -> HttpResponse`",
        );
    }
    // The outer attribute expands first and sees the inner one still in place.
    for again in handler.attrs.iter().filter(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "require_scopes")
    }) {
        cx.error_spanned_by(
            again,
            "#[require_scopes] is applied twice; put every scope in one attribute, e.g. \
             #[require_scopes(\"deploy:applications\", \"read:deployments\")] to require both, \
             or #[require_scopes(any(\"deploy:applications\", \"read:deployments\"))] for either",
        );
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => cx.error_spanned_by(
                receiver,
                "#[require_scopes] goes on a free function, not a method taking `self`; \
                 e.g. `async fn deploy(claims: Claims) -> HttpResponse`",
            ),
            FnArg::Typed(arg) => {
                for attr in &arg.attrs {
                    cx.error_spanned_by(
                        attr,
                        "attributes on the arguments of a #[require_scopes] handler are not supported; \
                         put lint attributes on the function instead, \
                         e.g. `#[allow(unused_variables)] async fn deploy(claims: Claims) -> HttpResponse`",
                    );
                }
            }
        }
    }
    if let Some(extra) = sig.inputs.iter().nth(MAX_ARGS) {
        cx.error_spanned_by(
            extra,
            format!(
                "a handler takes at most {MAX_ARGS} extractors and this is argument {}; \
                 group some into a tuple, e.g. `(path, query): (Path<u32>, Query<Page>)`",
                MAX_ARGS + 1
            ),
        );
    }
}
