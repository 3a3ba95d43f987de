//! The attribute's arguments as a typed tree.
//!
//! ```text
//! #[require_scopes(node, node, ...)]     all nodes required
//! node = "resource:action"               one scope
//!      | all(node, ...)                  every node
//!      | any(node, ...)                  at least one node
//! ```

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token, parenthesized};

/// How the branches of a group combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combinator {
    All,
    Any,
}

/// One node of the requirement.
pub enum Node {
    Scope(LitStr),
    Group {
        combinator: Combinator,
        /// The `all`/`any` identifier, for error spans.
        name: Ident,
        /// The span of the parentheses, for errors about their content.
        parens: Span,
        children: Vec<Node>,
    },
}

/// The whole attribute: its top-level nodes are all required.
pub struct Requirement {
    pub nodes: Vec<Node>,
}

const SHAPE: &str =
    "expected a scope string such as \"deploy:applications\", or any(...) / all(...) of them";

/// Parses the attribute's tokens. An empty attribute is an error.
pub fn parse_attribute(attr: TokenStream) -> syn::Result<Requirement> {
    if attr.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[require_scopes] needs at least one scope, e.g. #[require_scopes(\"deploy:applications\")]",
        ));
    }
    let nodes = Punctuated::<Node, Token![,]>::parse_terminated.parse2(attr)?;
    Ok(Requirement {
        nodes: nodes.into_iter().collect(),
    })
}

impl Parse for Node {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            return Ok(Node::Scope(input.parse()?));
        }
        if lookahead.peek(Ident) {
            let name: Ident = input.parse()?;
            let combinator = match name.to_string().as_str() {
                "all" => Combinator::All,
                "any" => Combinator::Any,
                other => {
                    return Err(syn::Error::new(
                        name.span(),
                        format!(
                            "unknown function `{other}`: expected `any(...)` (one of) or `all(...)` (every one of), \
                             e.g. any(\"read:deployments\", \"admin:deployments\")"
                        ),
                    ));
                }
            };
            if !input.peek(syn::token::Paren) {
                return Err(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` takes its scopes in parentheses, e.g. {name}(\"read:deployments\", \"admin:deployments\")"
                    ),
                ));
            }
            let content;
            let parens = parenthesized!(content in input);
            let children = Punctuated::<Node, Token![,]>::parse_terminated(&content)?;
            return Ok(Node::Group {
                combinator,
                name,
                parens: parens.span.join(),
                children: children.into_iter().collect(),
            });
        }
        let error = lookahead.error();
        Err(syn::Error::new(error.span(), SHAPE))
    }
}
