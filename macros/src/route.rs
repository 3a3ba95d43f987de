//! What the other attributes on a handler tell: actix-web's route
//! attribute (method and path, for the route inventory) and utoipa's
//! `#[utoipa::path]` (where the OpenAPI security requirement goes).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Lit, LitStr, Meta, Token};

use crate::ctxt::Ctxt;
use crate::model::{Combinator, Node, Requirement};
use scopegate_grammar::alternatives::{Expr as Tree, MAX_ALTERNATIVES, or_of_and};

/// The scheme name the security requirements refer to; the runtime's
/// `openapi::SECURITY_SCHEME`.
const SECURITY_SCHEME: &str = "oauth2";

const METHODS: &[&str] = &[
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "connect",
];

/// Method(s) and path of a route attribute, as written.
#[derive(Default)]
pub(crate) struct RouteInfo {
    pub methods: Vec<String>,
    pub path: Option<LitStr>,
}

fn last_segment(attr: &Attribute) -> Option<String> {
    let path = attr.path();
    // `get`, or `actix_web::get` / `web::get`-like paths of two segments.
    if path.segments.len() > 2 {
        return None;
    }
    path.segments.last().map(|s| s.ident.to_string())
}

/// Whether `attr` is one of actix-web's route attributes.
fn is_route(attr: &Attribute) -> bool {
    last_segment(attr).is_some_and(|name| name == "route" || METHODS.contains(&name.as_str()))
        && matches!(attr.meta, Meta::List(_))
}

/// Whether `attr` is `#[utoipa::path(...)]`.
pub(crate) fn is_utoipa_path(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments == ["utoipa", "path"]
}

/// The first route attribute's method(s) and path, if there is one the
/// macro can read.
pub(crate) fn route_info(attrs: &[Attribute]) -> RouteInfo {
    let Some(attr) = attrs.iter().find(|attr| is_route(attr)) else {
        return RouteInfo::default();
    };
    let Meta::List(list) = &attr.meta else {
        return RouteInfo::default();
    };
    let Ok(args) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(list.tokens.clone())
    else {
        return RouteInfo::default();
    };
    let mut info = RouteInfo::default();
    let name = last_segment(attr).unwrap_or_default();
    if name != "route" {
        info.methods.push(name.to_ascii_uppercase());
    }
    for arg in args {
        match arg {
            Expr::Lit(lit) if info.path.is_none() => {
                if let Lit::Str(path) = lit.lit {
                    info.path = Some(path);
                }
            }
            // `#[route("/x", method = "GET", method = "POST")]`
            Expr::Assign(assign) if name == "route" => {
                let key = assign.left.to_token_stream().to_string();
                if let (true, Expr::Lit(lit)) = (key == "method", &*assign.right)
                    && let Lit::Str(method) = &lit.lit
                {
                    info.methods.push(method.value().to_ascii_uppercase());
                }
            }
            _ => {}
        }
    }
    info
}

/// The path of every route attribute the macro can read (actix-web's
/// `#[routes]` stacks several on one handler).
pub(crate) fn route_paths(attrs: &[Attribute]) -> Vec<LitStr> {
    attrs
        .iter()
        .filter(|attr| is_route(attr))
        .filter_map(|attr| route_info(std::slice::from_ref(attr)).path)
        .collect()
}

/// The names of the dynamic segments of an actix-web path pattern:
/// `{name}`, `{name:regex}` (whose regex may hold braces) and `{name}*`.
pub(crate) fn path_params(pattern: &str) -> Vec<String> {
    let mut params = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        let mut name = String::new();
        let mut in_regex = false;
        let mut depth = 0usize;
        for c in chars.by_ref() {
            match c {
                '{' if in_regex => depth += 1,
                '}' if depth > 0 => depth -= 1,
                '}' => break,
                ':' if !in_regex => in_regex = true,
                _ if !in_regex => name.push(c),
                _ => {}
            }
        }
        params.push(name);
    }
    params
}

/// Finds a `#[utoipa::path]` below `#[require_scopes]` and checks where it
/// stands and what it holds: it must stand above the route attribute (as
/// utoipa reads that attribute), must not write its own `security`, and the
/// requirement must expand to at most `MAX_ALTERNATIVES` alternatives.
/// Returns its index among the handler's attributes.
pub(crate) fn find_utoipa_path(
    cx: &Ctxt,
    attrs: &[Attribute],
    requirement: Option<&Requirement>,
) -> Option<usize> {
    let index = attrs.iter().position(is_utoipa_path)?;
    let attr = &attrs[index];
    if let Some(route) = attrs[..index].iter().find(|attr| is_route(attr)) {
        cx.error_spanned_by(
            attr,
            format!(
                "#[utoipa::path] goes above the route attribute `#[{}(...)]`, which wraps the handler \
                 in a service type that utoipa cannot see through; write them in this order: \
                 #[require_scopes(...)] #[utoipa::path(...)] #[{}(\"/path\")] async fn ...",
                route.path().to_token_stream(),
                route.path().to_token_stream()
            ),
        );
    }
    if let Meta::List(list) = &attr.meta
        && has_security(list.tokens.clone())
    {
        cx.error_spanned_by(
            attr,
            "#[require_scopes] writes this operation's `security` from its own scopes; \
             remove `security(...)` from #[utoipa::path]",
        );
    }
    if let Some(requirement) = requirement
        && let Err(error) = alternatives(requirement)
    {
        cx.error_at(Span::call_site(), format!("for #[utoipa::path], {error}"));
    }
    Some(index)
}

fn has_security(tokens: TokenStream) -> bool {
    let mut previous_is_separator = true;
    for token in tokens {
        if let proc_macro2::TokenTree::Ident(ident) = &token
            && previous_is_separator
            && ident == "security"
        {
            return true;
        }
        previous_is_separator =
            matches!(&token, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',');
    }
    false
}

/// The requirement's alternatives, as scope strings.
fn alternatives(
    requirement: &Requirement,
) -> Result<Vec<Vec<String>>, scopegate_grammar::alternatives::TooManyAlternatives> {
    let values = Values::new(&requirement.nodes);
    let tree = values.tree(&requirement.nodes, Combinator::All);
    let alternatives = or_of_and(&tree, MAX_ALTERNATIVES)?;
    Ok(alternatives
        .into_iter()
        .map(|set| set.into_iter().map(str::to_owned).collect())
        .collect())
}

/// The literal values of a requirement, owned, so that the expansion's
/// tree can borrow them.
struct Values {
    scopes: Vec<String>,
}

impl Values {
    fn new(nodes: &[Node]) -> Self {
        let mut scopes = Vec::new();
        collect(nodes, &mut scopes);
        Values { scopes }
    }

    fn tree(&self, nodes: &[Node], combinator: Combinator) -> Tree<'_> {
        let mut next = 0;
        self.build(nodes, combinator, &mut next)
    }

    fn build(&self, nodes: &[Node], combinator: Combinator, next: &mut usize) -> Tree<'_> {
        let branches = nodes
            .iter()
            .map(|node| match node {
                Node::Scope(_) => {
                    let scope = Tree::Scope(&self.scopes[*next]);
                    *next += 1;
                    scope
                }
                Node::Group {
                    combinator,
                    children,
                    ..
                } => self.build(children, *combinator, next),
            })
            .collect();
        match combinator {
            Combinator::All => Tree::All(branches),
            Combinator::Any => Tree::Any(branches),
        }
    }
}

fn collect(nodes: &[Node], out: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Scope(lit) => out.push(lit.value()),
            Node::Group { children, .. } => collect(children, out),
        }
    }
}

/// Adds `security(("oauth2" = ["a:b", ...]), ...)` to `#[utoipa::path]`.
/// The requirement was checked by [`find_utoipa_path`].
pub(crate) fn add_security(attr: &mut Attribute, requirement: &Requirement) {
    let Ok(alternatives) = alternatives(requirement) else {
        return;
    };
    let groups = alternatives
        .iter()
        .map(|set| quote!((#SECURITY_SCHEME = [#(#set),*])));
    let security = quote!(security(#(#groups),*));
    let placeholder = Meta::Path(syn::Ident::new("utoipa", Span::call_site()).into());
    let (path, existing) = match std::mem::replace(&mut attr.meta, placeholder) {
        Meta::List(list) => (list.path, list.tokens),
        Meta::Path(path) => (path, TokenStream::new()),
        Meta::NameValue(value) => (value.path, TokenStream::new()),
    };
    let tokens = if existing.is_empty() {
        security
    } else {
        let comma = if existing.to_string().trim_end().ends_with(',') {
            None
        } else {
            Some(quote!(,))
        };
        quote!(#existing #comma #security)
    };
    attr.meta = Meta::List(syn::MetaList {
        path,
        delimiter: syn::MacroDelimiter::Paren(Default::default()),
        tokens,
    });
}

#[cfg(test)]
mod tests {
    use super::path_params;

    #[test]
    fn path_params_are_the_dynamic_segments() {
        assert_eq!(path_params("/orgs/{org_id}/apps/{app}"), ["org_id", "app"]);
        assert_eq!(path_params("/orgs/{org_id:[a-z_]{3,10}}/x"), ["org_id"]);
        assert_eq!(path_params("/files/{tail}*"), ["tail"]);
        assert!(path_params("/health").is_empty());
    }
}
