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
//! followed, when it takes arguments, by one assertion per argument that
//! its type is an actix-web extractor (see [`extractor_checks`]).
//!
//! The return type, body, name, generics and other attributes are untouched.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Signature, Type};

use crate::model::{Combinator, Handler, Node, Requirement};
use crate::policy::{PolicyArgs, TestArg, Value, ValueArg};

/// The whole expansion of `#[require_scopes]`: the marker type, the route
/// inventory's entry, the catalog's tracking, and either the rewritten
/// handler or, when a `#[utoipa::path]` stands below (at `utoipa`), that
/// attribute with the security requirement added and the rewrite deferred
/// to `authorize_args`, so that utoipa still sees the real arguments.
pub(crate) fn expand(
    requirement: &Requirement,
    mut handler: Handler,
    utoipa: Option<usize>,
    tracking: TokenStream,
) -> syn::Result<TokenStream> {
    let private = quote!(::scopegate::__private);
    let vis = &handler.vis;
    let name = &handler.sig.ident;
    // The marker and its impl are the attribute's own items: spanned at the
    // attribute, so that if they cannot live where the handler is (an
    // `impl` block), rustc's errors point at `#[require_scopes]`.
    let marker = format_ident!("__scopegate_requires_{}", name, span = Span::call_site());
    let tree = requirement_tokens(requirement, &private);
    let entry = inventory_entry(
        &handler,
        &tree,
        (!requirement.policy.is_empty()).then_some(&marker),
        &private,
    );
    let policy = if requirement.policy.is_empty() {
        TokenStream::new()
    } else {
        let handler = name.to_string();
        let handler = quote!(::core::concat!(::core::module_path!(), "::", #handler));
        let policy = policy_tokens(&requirement.policy, &handler, &private);
        quote!(const POLICY: #private::HandlerPolicy = #policy;)
    };
    let mut tokens = quote! {
        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        #vis struct #marker;
        impl #private::ScopeRequirement for #marker {
            const REQUIREMENT: #private::Requirement = #tree;
            #policy
        }
    };
    // The entry and the catalog's tracking live in the body: items there
    // are compiled like any other, and an `impl` block, where a misplaced
    // handler would otherwise put them, cannot hold them.
    handler.body = with_leading_items(&handler.body, quote!(#entry #tracking));
    match utoipa {
        Some(index) => {
            crate::route::add_security(&mut handler.attrs[index], requirement);
            handler
                .attrs
                .push(syn::parse_quote!(#[#private::authorize_args(#marker)]));
            handler.to_tokens(&mut tokens);
        }
        None => {
            #[cfg(feature = "utoipa")]
            tokens.extend(utoipa_probe(name));
            tokens.extend(rewrite(handler, &marker)?);
        }
    }
    Ok(tokens)
}

/// `items` inserted at the start of `body`, after its inner attributes.
fn with_leading_items(body: &TokenStream, items: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = body.clone().into_iter().collect();
    let mut split = 0;
    // `#![...]` is three trees: `#`, `!`, `[...]`.
    while let [
        TokenTree::Punct(hash),
        TokenTree::Punct(bang),
        TokenTree::Group(_),
        ..,
    ] = &tokens[split..]
    {
        if hash.as_char() != '#' || bang.as_char() != '!' {
            break;
        }
        split += 3;
    }
    let (inner, rest) = tokens.split_at(split);
    let mut out: TokenStream = inner.iter().cloned().collect();
    out.extend(items);
    out.extend(rest.iter().cloned());
    out
}

/// The rewrite itself: the handler's arguments gathered into one
/// `Authorized<Marker, (..)>`, and the per-argument extractor assertions.
pub(crate) fn rewrite(mut handler: Handler, marker: &syn::Ident) -> syn::Result<TokenStream> {
    let private = quote!(::scopegate::__private);
    let checks = extractor_checks(&handler.sig);
    let (pats, tys): (Vec<_>, Vec<_>) = typed_args(&handler.sig).unzip();
    let span = handler.sig.ident.span();
    let guarded: FnArg = syn::parse2(quote_spanned! {span=>
        #private::Authorized((#(#pats,)*), _): #private::Authorized<#marker, (#(#tys,)*)>
    })?;
    handler.sig.inputs = std::iter::once(guarded).collect();
    let mut tokens = handler.to_token_stream();
    tokens.extend(checks);
    Ok(tokens)
}

/// The handler's entry in the route inventory (`inventory::submit!`),
/// with the policy of `marker`'s requirement when it has one.
fn inventory_entry(
    handler: &Handler,
    tree: &TokenStream,
    marker: Option<&syn::Ident>,
    private: &TokenStream,
) -> TokenStream {
    let route = crate::route::route_info(&handler.attrs);
    let name = handler.sig.ident.to_string();
    let methods = &route.methods;
    let path = match &route.path {
        Some(path) => quote!(::core::option::Option::Some(#path)),
        None => quote!(::core::option::Option::None),
    };
    let policy = marker
        .map(|marker| quote!(.__with_policy(<#marker as #private::ScopeRequirement>::POLICY)));
    quote! {
        #private::inventory::submit! {
            #private::ProtectedRoute::__handler(
                #name,
                ::core::module_path!(),
                &[#(#methods),*],
                #path,
                #tree,
                ::core::file!(),
                ::core::line!(),
            )#policy
        }
    }
}

/// Detects a `#[utoipa::path]` written *above* `#[require_scopes]`: utoipa
/// expanded first, saw no security requirement, and defined
/// `__path_<handler>` next to the handler. A glob import offers a
/// `__path_<handler>` of this crate's own, which an item of that name in
/// the module shadows; the assertion that the name resolves to ours then
/// fails with the message that says where to put the attribute. (Inside a
/// function body, where a route attribute above puts the handler, the
/// glob wins and nothing is detected.)
#[cfg(feature = "utoipa")]
fn utoipa_probe(name: &syn::Ident) -> TokenStream {
    let module = format_ident!("__scopegate_utoipa_probe_{}", name);
    let path_struct = format_ident!("__path_{}", name);
    let message = format!(
        "#[utoipa::path] stands above #[require_scopes] on `{name}`: utoipa saw no security requirement"
    );
    let label = "move #[utoipa::path(...)] below #[require_scopes(...)]";
    let note = format!(
        "write #[require_scopes(...)] #[utoipa::path(...)] #[get(\"/path\")] async fn {name}(...): \
         #[require_scopes] then writes the operation's security, and utoipa still sees the handler's own arguments"
    );
    let span = name.span();
    let check = quote_spanned! {span=> #module::check::<#path_struct>() };
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        mod #module {
            pub mod names {
                #[allow(non_camel_case_types, dead_code)]
                pub struct #path_struct;
            }
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait UtoipaPathBelowRequireScopes {}
            impl UtoipaPathBelowRequireScopes for names::#path_struct {}
            pub const fn check<T: UtoipaPathBelowRequireScopes>() {}
        }
        #[allow(unused_imports)]
        use #module::names::*;
        const _: () = #check;
    }
}

/// The patterns and types of the arguments (a `self` is an error found by
/// `check`).
fn typed_args(sig: &Signature) -> impl Iterator<Item = (&syn::Pat, &Type)> {
    sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(arg) => Some((&*arg.pat, &*arg.ty)),
        FnArg::Receiver(_) => None,
    })
}

/// One assertion per argument that its type implements `FromRequest`.
///
/// Without them, an argument that is not an extractor is reported only
/// where the handler is registered (`.to(deploy)`, `#[get]`), spanned
/// there, through the argument tuple that the rewrite builds (itself
/// spanned at the handler's name), or not at all if the handler is never
/// registered. Here each type is named on its own, with its own tokens, so
/// rustc's error points at the argument's type.
///
/// The assertions live in a function with the handler's generics and
/// where clause, so that generic extractors (`Json<T>`) are checked under
/// the handler's own bounds. An `impl Trait` argument cannot be named and
/// is left to the registration site. A handler without arguments has
/// nothing to check, and gets no item (which matters in an `impl` block,
/// where an unnamed `const _` is itself an error).
fn extractor_checks(sig: &Signature) -> TokenStream {
    let checks: Vec<TokenStream> = typed_args(sig)
        .map(|(_, ty)| ty)
        .filter(|ty| !mentions_impl(ty.to_token_stream()))
        .map(|ty| {
            quote_spanned! {ty.span()=>
                __scopegate_assert_extractor::<#ty>();
            }
        })
        .collect();
    if checks.is_empty() {
        return TokenStream::new();
    }
    let (generics, _, where_clause) = sig.generics.split_for_impl();
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn __scopegate_assert_extractor<T: ::scopegate::__private::FromRequest>() {}
            #[allow(dead_code, unused_lifetimes, clippy::extra_unused_type_parameters)]
            fn __scopegate_check_extractors #generics () #where_clause {
                #(#checks)*
            }
        };
    }
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl(group.stream()),
        _ => false,
    })
}
/// The `HandlerPolicy` of `policy`, as a `const` block expression;
/// `handler` is a `&'static str` expression naming the handler (or guard)
/// for logs. A handler without options gets none: the trait's default,
/// `HandlerPolicy::NONE`, applies. Lists are named constants of their own,
/// so that the values they hold live in `'static` memory.
pub(crate) fn policy_tokens(
    policy: &PolicyArgs,
    handler: &TokenStream,
    private: &TokenStream,
) -> TokenStream {
    let mut lists = TokenStream::new();
    let claims: Vec<TokenStream> = policy
        .claims
        .iter()
        .enumerate()
        .map(|(index, claim)| {
            let test = match &claim.test {
                TestArg::Equals(value) => {
                    let value = value_tokens(value, private);
                    quote!(#private::ClaimTest::Equals(#value))
                }
                TestArg::Includes(value) => {
                    let value = value_tokens(value, private);
                    quote!(#private::ClaimTest::Includes(#value))
                }
                TestArg::OneOf { values, .. } => {
                    let list = format_ident!("__SCOPEGATE_VALUES_{}", index);
                    let values = values.iter().map(|v| value_tokens(v, private));
                    lists.extend(quote! {
                        const #list: &[#private::ClaimValue] = &[#(#values),*];
                    });
                    quote!(#private::ClaimTest::one_of(#list))
                }
            };
            let claim = &claim.name.value;
            quote!(#private::ClaimRequirement::new(#claim, #test))
        })
        .collect();
    let mut policy_expr = quote!(#private::HandlerPolicy::for_handler(#handler));
    if !claims.is_empty() {
        policy_expr.extend(quote!(.with_claims(__SCOPEGATE_CLAIMS)));
        lists.extend(quote! {
            const __SCOPEGATE_CLAIMS: &[#private::ClaimRequirement] = &[#(#claims),*];
        });
    }
    if let Some(tenant) = policy.tenants.first() {
        let param = &tenant.param.value;
        let mut binding = quote!(#private::TenantBinding::new(#param));
        if let Some((_, claim)) = &tenant.claim {
            let claim = &claim.value;
            binding.extend(quote!(.with_claim(#claim)));
        }
        policy_expr.extend(quote!(.with_tenant(#binding)));
    }
    if !policy.revocation.is_empty() {
        policy_expr.extend(quote!(.with_revocation_check()));
    }
    quote! {{
        #lists
        #policy_expr
    }}
}

fn value_tokens(value: &ValueArg, private: &TokenStream) -> TokenStream {
    match &value.value {
        Value::Str(text) => quote!(#private::ClaimValue::str(#text)),
        Value::Int(number) => {
            let number = number.unwrap_or_default();
            quote!(#private::ClaimValue::Int(#number))
        }
        Value::Bool(flag) => quote!(#private::ClaimValue::Bool(#flag)),
    }
}

pub(crate) fn requirement_tokens(requirement: &Requirement, private: &TokenStream) -> TokenStream {
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
