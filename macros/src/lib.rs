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
//!    (`async`, no `self`, at most 16 arguments, no attributes on them);
//!    (`policy_check`) the claim requirements, the tenant binding against
//!    the route attribute's path parameters, and `check_revocation`,
//!    whose syntax `policy` parses.
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
use proc_macro2::Span;
use quote::quote;

mod catalog;
mod check;
mod ctxt;
mod expand;
mod model;
mod policy;
mod policy_check;
mod route;

/// Requires the caller's bearer token to carry the given scopes; see the
/// `scopegate` crate for the full documentation.
#[proc_macro_attribute]
pub fn require_scopes(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let Output {
        result,
        tracking,
        fallback,
    } = run(attr.into(), item.clone());
    match result {
        Ok(tokens) => tokens.into(),
        Err(errors) => {
            let mut tokens = errors.to_compile_error();
            tokens.extend(tracking);
            tokens.extend(fallback.unwrap_or(item));
            tokens.into()
        }
    }
}

/// What [`run`] gives.
struct Output {
    result: syn::Result<proc_macro2::TokenStream>,
    /// The catalog's tracking tokens, which go into the output whether or
    /// not it has errors.
    tracking: proc_macro2::TokenStream,
    /// On errors, the item to print back instead of the item as written:
    /// without its `#[utoipa::path]`, whose own errors would only repeat
    /// ours.
    fallback: Option<proc_macro2::TokenStream>,
}

/// Parse, validate, expand. Both halves are parsed and validated even when
/// the other fails, so that their errors are reported together.
fn run(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Output {
    let cx = ctxt::Ctxt::new();
    let requirement = model::parse_attribute(attr)
        .inspect(|requirement| check::check_requirement(&cx, requirement))
        .map_err(|error| cx.syn_error(error));
    let handler = model::parse_handler(item)
        .inspect(|handler| check::check_handler(&cx, handler))
        .map_err(|error| cx.syn_error(error));
    if let Ok(requirement) = &requirement {
        let attrs = handler
            .as_ref()
            .ok()
            .map(|handler| handler.attrs.as_slice());
        policy_check::check_policy(&cx, &requirement.policy, attrs);
    }
    let tracking = match &requirement {
        Ok(requirement) => check_catalog(&cx, requirement),
        Err(()) => proc_macro2::TokenStream::new(),
    };
    let utoipa = match &handler {
        Ok(handler) => route::find_utoipa_path(&cx, &handler.attrs, requirement.as_ref().ok()),
        Err(()) => None,
    };
    if let Err(errors) = cx.check() {
        let fallback = match handler {
            Ok(mut handler) if utoipa.is_some() => {
                handler.attrs.retain(|attr| !route::is_utoipa_path(attr));
                Some(quote!(#handler))
            }
            _ => None,
        };
        return Output {
            result: Err(errors),
            tracking,
            fallback,
        };
    }
    let result = match (requirement, handler) {
        (Ok(requirement), Ok(handler)) => {
            expand::expand(&requirement, handler, utoipa, tracking.clone())
        }
        // A parse error was recorded, and `check` returned it.
        _ => unreachable!("a parse error was not reported"),
    };
    Output {
        result,
        tracking,
        fallback: None,
    }
}

/// Looks up the catalog and checks the requirement's scopes against it;
/// returns the tokens that make rustc track the catalog file.
fn check_catalog(cx: &ctxt::Ctxt, requirement: &model::Requirement) -> proc_macro2::TokenStream {
    let explicit = requirement.catalog.as_ref().map(|arg| &arg.path);
    let lookup = catalog::lookup(cx, explicit);
    if let catalog::Lookup::Found(loaded) = &lookup {
        catalog::check_declared(cx, loaded, requirement);
    }
    catalog::tracking(lookup.tracked_path())
}

/// The second half of `#[require_scopes]` when a `#[utoipa::path]` stands
/// below it: the argument rewrite, run after utoipa has read the real
/// arguments. Not a public API.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn authorize_args(attr: TokenStream, item: TokenStream) -> TokenStream {
    let result = syn::parse::<syn::Ident>(attr).and_then(|marker| {
        let handler = model::parse_handler(item.clone().into())?;
        expand::rewrite(handler, &marker)
    });
    match result {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(proc_macro2::TokenStream::from(item));
            tokens.into()
        }
    }
}

/// A middleware requiring scopes for a whole `web::scope` or
/// `web::resource`; see the `scopegate` crate for the full documentation.
#[proc_macro]
pub fn require_scopes_guard(input: TokenStream) -> TokenStream {
    let input = proc_macro2::TokenStream::from(input);
    let private = quote!(::scopegate::__private);
    let cx = ctxt::Ctxt::new();
    let requirement = if input.is_empty() {
        cx.error_at(
            Span::call_site(),
            "require_scopes_guard! needs at least one scope, e.g. require_scopes_guard!(\"admin:users\")",
        );
        None
    } else {
        syn::parse::Parser::parse2(model::parse_top_level, input)
            .inspect(|requirement| check::check_requirement(&cx, requirement))
            .inspect(|requirement| policy_check::check_policy(&cx, &requirement.policy, None))
            .map_err(|error| cx.syn_error(error))
            .ok()
    };
    let tracking = match &requirement {
        Some(requirement) => check_catalog(&cx, requirement),
        None => proc_macro2::TokenStream::new(),
    };
    match (cx.check(), requirement) {
        (Ok(()), Some(requirement)) => {
            let tree = expand::requirement_tokens(&requirement, &private);
            // `.__with_policy(..)` on the guard and on its inventory entry.
            let policy = (!requirement.policy.is_empty()).then(|| {
                let name = quote! {
                    ::core::concat!(
                        ::core::module_path!(), "::require_scopes_guard! at ",
                        ::core::file!(), ":", ::core::line!()
                    )
                };
                let policy = expand::policy_tokens(&requirement.policy, &name, &private);
                quote!(.__with_policy(#policy))
            });
            quote! {{
                #tracking
                #private::inventory::submit! {
                    #private::ProtectedRoute::__guard(
                        ::core::module_path!(),
                        #tree,
                        ::core::file!(),
                        ::core::line!(),
                    )#policy
                }
                #private::ScopeGuard::__new(#tree)#policy
            }}
            .into()
        }
        (result, _) => {
            let errors = result.err().map(|e| e.to_compile_error());
            quote! {{
                #errors
                #tracking
                #private::ScopeGuard::__new(#private::Requirement::Any(&[]))
            }}
            .into()
        }
    }
}

/// The crate's scope catalog as a `ScopeCatalog` value; see the
/// `scopegate` crate for the full documentation.
#[proc_macro]
pub fn scope_catalog(input: TokenStream) -> TokenStream {
    let private = quote!(::scopegate::__private);
    let cx = ctxt::Ctxt::new();
    let explicit = if input.is_empty() {
        None
    } else {
        match syn::parse::<syn::LitStr>(input) {
            Ok(lit) => Some(lit),
            Err(error) => {
                cx.syn_error(syn::Error::new(
                    error.span(),
                    "scope_catalog! takes nothing (the crate's `scopes.catalog`) or the path of a \
                     catalog file relative to this source file, e.g. scope_catalog!(\"../scopes.catalog\")",
                ));
                return finish_catalog(cx, None, proc_macro2::TokenStream::new());
            }
        }
    };
    let lookup = catalog::lookup(&cx, explicit.as_ref());
    let tracking = catalog::tracking(lookup.tracked_path());
    let entries = match lookup {
        catalog::Lookup::Found(loaded) => {
            let entries = loaded.catalog.entries().iter().map(|entry| {
                let scope = &entry.scope;
                let description = &entry.description;
                quote!(#private::CatalogScope { scope: #scope, description: #description })
            });
            Some(quote!(#(#entries),*))
        }
        catalog::Lookup::None => {
            cx.error_at(
                Span::call_site(),
                "there is no scope catalog: `scopes.catalog` is not at the crate root; create it \
                 (one `scope  description` per line), or name the file: scope_catalog!(\"path/to/file.catalog\")",
            );
            None
        }
        catalog::Lookup::Broken(_) => None,
    };
    finish_catalog(cx, entries, tracking)
}

fn finish_catalog(
    cx: ctxt::Ctxt,
    entries: Option<proc_macro2::TokenStream>,
    tracking: proc_macro2::TokenStream,
) -> TokenStream {
    let private = quote!(::scopegate::__private);
    let errors = cx.check().err().map(|e| e.to_compile_error());
    let entries = if errors.is_some() { None } else { entries };
    quote! {{
        #errors
        #tracking
        #private::ScopeCatalog::__new(&[#entries])
    }}
    .into()
}
