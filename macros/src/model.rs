//! Parsing: the attribute's arguments as a typed tree, and the handler it
//! stands on as attributes, visibility, signature and an unparsed body.
//!
//! ```text
//! #[require_scopes(node, node, ...)]     all nodes required
//! node = "resource:action"               one scope
//!      | all(node, ...)                  every node
//!      | any(node, ...)                  at least one node
//! ```
//!
//! At the top level, `catalog = "path"` and the options of `policy`
//! (`claim(..)`, `tenant(..)`, `check_revocation`) may stand among the nodes.

use crate::policy::PolicyArgs;
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Attribute, Ident, Item, LitStr, Signature, Token, Visibility, braced, parenthesized, token,
};

/// How the branches of a group combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Combinator {
    All,
    Any,
}

/// One node of the requirement.
pub(crate) enum Node {
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
pub(crate) struct Requirement {
    pub nodes: Vec<Node>,
    /// `catalog = "path"`, if given.
    pub catalog: Option<CatalogArg>,
    /// `claim(..)`, `tenant(..)`, `check_revocation`.
    pub policy: PolicyArgs,
}

/// `catalog = "path/to/file.catalog"`: the scope catalog to check against,
/// relative to the file the attribute is written in.
pub(crate) struct CatalogArg {
    /// The `catalog` keyword, for errors about the option itself.
    pub key: Ident,
    pub path: LitStr,
}

const SHAPE: &str =
    "expected a scope string such as \"deploy:applications\", or any(...) / all(...) of them";

/// Parses the attribute's tokens. An empty attribute is an error.
pub(crate) fn parse_attribute(attr: TokenStream) -> syn::Result<Requirement> {
    if attr.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[require_scopes] needs at least one scope, e.g. #[require_scopes(\"deploy:applications\")]",
        ));
    }
    parse_top_level.parse2(attr)
}

/// The top-level list: nodes, and at most one `catalog = "..."` option.
pub(crate) fn parse_top_level(input: ParseStream<'_>) -> syn::Result<Requirement> {
    let mut catalog: Option<CatalogArg> = None;
    let mut nodes = Vec::new();
    let mut policy = PolicyArgs::default();
    while !input.is_empty() {
        if crate::policy::peek_option(input).is_some() {
            crate::policy::parse_option(input, &mut policy)?;
        } else if is_catalog_option(input) {
            let arg = parse_catalog_option(input)?;
            if catalog.is_some() {
                return Err(syn::Error::new(
                    arg.key.span(),
                    "`catalog = ...` is given twice; name one catalog file, e.g. catalog = \"scopes.catalog\"",
                ));
            }
            catalog = Some(arg);
        } else {
            nodes.push(input.parse()?);
        }
        if input.is_empty() {
            break;
        }
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            continue;
        }
        return Err(separator_error(input));
    }
    if nodes.is_empty()
        && let Some(span) = policy.first_span()
    {
        return Err(syn::Error::new(
            span,
            "#[require_scopes] needs at least one scope besides its claim(..), tenant(..) and \
             check_revocation options, e.g. #[require_scopes(\"deploy:applications\", tenant(org_id))]",
        ));
    }
    if nodes.is_empty() {
        let span = catalog
            .as_ref()
            .map_or_else(Span::call_site, |arg| arg.key.span());
        return Err(syn::Error::new(
            span,
            "#[require_scopes] needs at least one scope besides its catalog, e.g. \
             #[require_scopes(catalog = \"scopes.catalog\", \"deploy:applications\")]",
        ));
    }
    Ok(Requirement {
        nodes,
        catalog,
        policy,
    })
}

fn is_catalog_option(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    fork.parse::<Ident>().is_ok_and(|ident| ident == "catalog") && fork.peek(Token![=])
}

fn parse_catalog_option(input: ParseStream<'_>) -> syn::Result<CatalogArg> {
    let key: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    if !input.peek(LitStr) {
        let found: TokenStream = input.fork().parse::<proc_macro2::TokenTree>()?.into();
        return Err(syn::Error::new_spanned(
            found,
            "`catalog` takes the path of the catalog file in double quotes, relative to this \
             source file, e.g. catalog = \"../scopes.catalog\"",
        ));
    }
    let path: LitStr = input.parse()?;
    if !path.suffix().is_empty() || path.value().is_empty() {
        return Err(syn::Error::new(
            path.span(),
            "`catalog` takes the path of the catalog file, relative to this source file, \
             e.g. catalog = \"../scopes.catalog\"",
        ));
    }
    Ok(CatalogArg { key, path })
}

/// `node, node, ...` with an optional trailing comma. Written out rather
/// than `Punctuated` so that a missing comma, or an attempt at `||`/`&&`,
/// gets a message that says what to write instead.
fn parse_list(input: ParseStream<'_>) -> syn::Result<Vec<Node>> {
    let mut nodes = Vec::new();
    while !input.is_empty() {
        if is_catalog_option(input) {
            let key: Ident = input.parse()?;
            return Err(syn::Error::new(
                key.span(),
                "`catalog = ...` goes at the top level of the attribute, not inside any(...)/all(...), \
                 e.g. #[require_scopes(catalog = \"scopes.catalog\", any(\"a:b\", \"c:d\"))]",
            ));
        }
        if let Some(option) = crate::policy::peek_option(input) {
            let key: Ident = input.parse()?;
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "`{option}` goes at the top level of the attribute, not inside any(...)/all(...): \
                     every claim(..), tenant(..) and check_revocation applies to the whole handler, \
                     e.g. #[require_scopes(any(\"a:b\", \"c:d\"), {option}{})]",
                    if option == "check_revocation" {
                        ""
                    } else {
                        "(..)"
                    }
                ),
            ));
        }
        nodes.push(input.parse()?);
        if input.is_empty() {
            break;
        }
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            continue;
        }
        return Err(separator_error(input));
    }
    Ok(nodes)
}

/// The error for whatever stands between two nodes where a `,` should be.
fn separator_error(input: ParseStream<'_>) -> syn::Error {
    const ANY: &str = "to require at least one of several scopes, write \
                       any(\"read:deployments\", \"admin:deployments\")";
    const ALL: &str = "to require all of several scopes, separate them with commas, \
                       e.g. #[require_scopes(\"read:deployments\", \"admin:deployments\")]";
    let fork = input.fork();
    if let Ok(op) = fork.parse::<Token![||]>() {
        return syn::Error::new_spanned(op, format!("`||` cannot combine scopes; {ANY}"));
    }
    if let Ok(op) = fork.parse::<Token![&&]>() {
        return syn::Error::new_spanned(op, format!("`&&` cannot combine scopes; {ALL}"));
    }
    if let Ok(op) = fork.parse::<Token![|]>() {
        return syn::Error::new_spanned(op, format!("`|` cannot combine scopes; {ANY}"));
    }
    if let Ok(op) = fork.parse::<Token![&]>() {
        return syn::Error::new_spanned(op, format!("`&` cannot combine scopes; {ALL}"));
    }
    if let Ok(op) = fork.parse::<Token![+]>() {
        return syn::Error::new_spanned(op, format!("`+` cannot combine scopes; {ALL}"));
    }
    if let Ok(word) = fork.parse::<Ident>() {
        match word.to_string().as_str() {
            "or" => {
                return syn::Error::new(word.span(), format!("`or` cannot combine scopes; {ANY}"));
            }
            "and" => {
                return syn::Error::new(word.span(), format!("`and` cannot combine scopes; {ALL}"));
            }
            _ => {}
        }
    }
    syn::Error::new(
        input.span(),
        "expected `,` between scopes, e.g. #[require_scopes(\"deploy:applications\", \"read:deployments\")]",
    )
}

impl Parse for Node {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            return Ok(Node::Scope(input.parse()?));
        }
        if lookahead.peek(Ident) {
            return parse_group(input);
        }
        let error = lookahead.error();
        Err(syn::Error::new(error.span(), SHAPE))
    }
}

/// `any(...)` / `all(...)`, or a helpful error for any other identifier.
fn parse_group(input: ParseStream<'_>) -> syn::Result<Node> {
    if let Some(error) = not_a_literal_error(input) {
        return Err(error);
    }
    let name: Ident = input.parse()?;
    let text = name.to_string();
    let combinator = match text.as_str() {
        "all" => Combinator::All,
        "any" => Combinator::Any,
        other if input.peek(syn::token::Paren) => {
            let hint = if other.eq_ignore_ascii_case("any") || other.eq_ignore_ascii_case("all") {
                format!(
                    "write it in lowercase, `{}(...)`",
                    other.to_ascii_lowercase()
                )
            } else {
                "expected `any(...)` (at least one of) or `all(...)` (every one of)".to_owned()
            };
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "unknown function `{other}`: {hint}, e.g. any(\"read:deployments\", \"admin:deployments\")"
                ),
            ));
        }
        other => {
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "expected a scope in double quotes, e.g. \"deploy:applications\", or any(...) / all(...) of them; \
                     found the identifier `{other}` (a constant cannot be used here: scopes are checked when the handler compiles)"
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
    let children = parse_list(&content)?;
    Ok(Node::Group {
        combinator,
        name,
        parens: parens.span.join(),
        children,
    })
}

/// Recognizes, without consuming, the things people write instead of a
/// string literal: a path to a constant, a macro call, an unquoted scope.
/// Each error covers all the tokens concerned.
fn not_a_literal_error(input: ParseStream<'_>) -> Option<syn::Error> {
    let fork = input.fork();
    if fork.peek2(Token![::]) || fork.peek2(Token![!]) {
        if let Ok(mac) = fork.fork().parse::<syn::Macro>() {
            return Some(syn::Error::new_spanned(
                mac,
                "macros are not expanded inside #[require_scopes]; write the scope as one string literal, \
                 e.g. \"deploy:applications\"",
            ));
        }
        if let Ok(path) = fork.parse::<syn::Path>() {
            return Some(syn::Error::new_spanned(
                path,
                "expected a scope in double quotes, e.g. \"deploy:applications\"; a path to a constant \
                 cannot be used here, because scopes are checked when the handler compiles",
            ));
        }
        return None;
    }
    // `deploy:applications` without its quotes: `deploy`, `:`, `applications`.
    if fork.peek2(Token![:]) {
        let resource: Ident = fork.parse().ok()?;
        let colon: Token![:] = fork.parse().ok()?;
        let action = fork.call(Ident::parse_any).ok();
        let text = match &action {
            Some(action) => format!("{resource}:{action}"),
            None => format!("{resource}:"),
        };
        let tokens = quote::quote!(#resource #colon #action);
        return Some(syn::Error::new_spanned(
            tokens,
            format!("a scope is a string literal: write it in double quotes, \"{text}\""),
        ));
    }
    None
}

/// The function under the attribute, after tracing-attributes'
/// `MaybeItemFn`: everything up to the body is parsed, the body is kept as
/// the tokens it was written as. It is only ever printed back, so there is
/// no need to build a syntax tree of every statement (most of a real
/// handler's tokens are its body), and a body that does not parse yet, as
/// while it is being typed, still expands and leaves rustc to report its
/// own syntax errors.
pub(crate) struct Handler {
    /// Outer attributes, `#[get(..)]` and doc comments among them.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub brace_token: token::Brace,
    /// What is inside the braces, inner attributes included.
    pub body: TokenStream,
}

impl Parse for Handler {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let content;
        let brace_token = braced!(content in input);
        let body = content.parse()?;
        Ok(Handler {
            attrs,
            vis,
            sig,
            brace_token,
            body,
        })
    }
}

impl quote::ToTokens for Handler {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.attrs.iter().map(quote::ToTokens::to_token_stream));
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.brace_token
            .surround(tokens, |tokens| tokens.extend(self.body.clone()));
    }
}

/// Parses the item under the attribute as a [`Handler`]. Anything else is
/// an error pointing at the keyword that says what the item is instead.
pub(crate) fn parse_handler(item: TokenStream) -> syn::Result<Handler> {
    let error = match syn::parse2::<Handler>(item.clone()) {
        Ok(handler) => return Ok(handler),
        Err(error) => error,
    };
    // Not a function with a body. Only now parse the whole item, to say
    // what it is; if it does not parse either, syn's error says why.
    match syn::parse2::<Item>(item)? {
        Item::Fn(_) => Err(error),
        item => Err(syn::Error::new(
            item_span(&item),
            "#[require_scopes] goes on an async handler function, e.g. `async fn deploy(claims: Claims) -> HttpResponse`",
        )),
    }
}

fn item_span(item: &Item) -> Span {
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
