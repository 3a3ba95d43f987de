//! Parsing of what a handler requires beyond scopes: the top-level options
//! `claim(..)`, `tenant(..)` and `check_revocation`.
//!
//! ```text
//! option   = "claim" "(" name test ")"
//!          | "tenant" "(" param ( "," "claim" "=" string | "," "from_scope" )* ")"
//!          | "check_revocation"
//! name     = identifier | string                 (a string for names like "https://x/roles")
//! test     = "==" value | "includes" value | "in" "[" value ( "," value )* "]"
//! value    = string | integer | "-" integer | "true" | "false"
//! param    = identifier | string
//! ```
//!
//! Only syntax is checked here; what the options say (types of registered
//! claims, repetitions, empty lists, the route's parameters) is checked by
//! `policy_check`, which records every error at once.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Ident, LitBool, LitInt, LitStr, Token, bracketed, parenthesized};

/// The options of one attribute, in the order written. Repetitions are
/// kept, for `policy_check` to report.
#[derive(Default)]
pub(crate) struct PolicyArgs {
    pub claims: Vec<ClaimArg>,
    pub tenants: Vec<TenantArg>,
    /// Each `check_revocation` keyword.
    pub revocation: Vec<Ident>,
}

impl PolicyArgs {
    pub(crate) fn is_empty(&self) -> bool {
        self.claims.is_empty() && self.tenants.is_empty() && self.revocation.is_empty()
    }

    /// The span of the first option, for errors about the attribute as a whole.
    pub(crate) fn first_span(&self) -> Option<Span> {
        let claim = self.claims.first().map(|c| c.keyword.span());
        let tenant = self.tenants.first().map(|t| t.keyword.span());
        let revocation = self.revocation.first().map(Ident::span);
        claim.or(tenant).or(revocation)
    }
}

/// A name written as an identifier or a string, with where it was written.
pub(crate) struct Name {
    pub value: String,
    /// The tokens as written, for error spans.
    pub tokens: TokenStream,
    /// A string's suffix (`"x"abc`), which is an error.
    pub suffix: String,
}

/// `claim(name test)`.
pub(crate) struct ClaimArg {
    /// The `claim` keyword.
    pub keyword: Ident,
    pub name: Name,
    pub test: TestArg,
}

/// How a claim is tested, as written.
pub(crate) enum TestArg {
    Equals(ValueArg),
    Includes(ValueArg),
    OneOf {
        values: Vec<ValueArg>,
        /// The brackets, for an empty list.
        brackets: Span,
    },
}

/// A literal value.
pub(crate) struct ValueArg {
    pub value: Value,
    /// The tokens as written (a `-` included), for error spans.
    pub tokens: TokenStream,
    /// A literal's suffix (`5u8`, `"x"abc`), which is an error.
    pub suffix: String,
}

/// What a literal value is. An integer out of `i64`'s range is `Int(None)`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Str(String),
    Int(Option<i64>),
    Bool(bool),
}

/// `tenant(param, claim = "..", from_scope)`.
pub(crate) struct TenantArg {
    /// The `tenant` keyword.
    pub keyword: Ident,
    pub param: Name,
    /// `claim = "tid"`, if given (the key, then the value).
    pub claim: Option<(Ident, Name)>,
    /// `from_scope`: the parameter comes from an enclosing `web::scope`,
    /// not from the route attribute the macro sees.
    pub from_scope: Option<Ident>,
}

/// The option keywords, recognized at the top level of the attribute.
pub(crate) const KEYWORDS: [&str; 3] = ["claim", "tenant", "check_revocation"];

/// The option keyword `input` starts with, if any (without consuming it).
pub(crate) fn peek_option(input: ParseStream<'_>) -> Option<&'static str> {
    let ident = input.fork().parse::<Ident>().ok()?;
    KEYWORDS.into_iter().find(|keyword| ident == keyword)
}

/// Parses one option into `args`; `input` starts with one of [`KEYWORDS`].
pub(crate) fn parse_option(input: ParseStream<'_>, args: &mut PolicyArgs) -> syn::Result<()> {
    let keyword: Ident = input.parse()?;
    if keyword == "check_revocation" {
        if input.peek(syn::token::Paren) || input.peek(Token![=]) {
            return Err(syn::Error::new(
                keyword.span(),
                "`check_revocation` takes no value: write it alone, e.g. \
                 #[require_scopes(\"deploy:applications\", check_revocation)]",
            ));
        }
        args.revocation.push(keyword);
        return Ok(());
    }
    if !input.peek(syn::token::Paren) {
        let example = if keyword == "claim" {
            "claim(gty == \"client_credentials\")"
        } else {
            "tenant(org_id)"
        };
        return Err(syn::Error::new(
            keyword.span(),
            format!("`{keyword}` takes its requirement in parentheses, e.g. {example}"),
        ));
    }
    let content;
    let parens = parenthesized!(content in input);
    if keyword == "claim" {
        args.claims
            .push(parse_claim(&content, keyword, parens.span.join())?);
    } else {
        args.tenants
            .push(parse_tenant(&content, keyword, parens.span.join())?);
    }
    Ok(())
}

const CLAIM_EXAMPLE: &str = "e.g. claim(gty == \"client_credentials\"), claim(groups includes \"ops\") \
                             or claim(tid in [\"t1\", \"t2\"])";

fn parse_claim(input: ParseStream<'_>, keyword: Ident, parens: Span) -> syn::Result<ClaimArg> {
    if input.is_empty() {
        return Err(syn::Error::new(
            parens,
            format!("`claim()` needs a claim and a test, {CLAIM_EXAMPLE}"),
        ));
    }
    let name = parse_name(input, "the claim's name", CLAIM_EXAMPLE)?;
    let test = parse_test(input)?;
    if !input.is_empty() {
        return Err(syn::Error::new(
            input.span(),
            "unexpected tokens after the claim requirement: write one requirement per claim(..), \
             e.g. claim(gty == \"client_credentials\"), claim(groups includes \"ops\")",
        ));
    }
    Ok(ClaimArg {
        keyword,
        name,
        test,
    })
}

/// An identifier (raw identifiers and keywords included) or a string.
fn parse_name(input: ParseStream<'_>, what: &str, example: &str) -> syn::Result<Name> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(Name {
            value: lit.value(),
            suffix: lit.suffix().to_owned(),
            tokens: lit.to_token_stream(),
        });
    }
    if input.peek(Ident::peek_any) {
        let ident = input.call(Ident::parse_any)?;
        return Ok(Name {
            value: ident.unraw().to_string(),
            suffix: String::new(),
            tokens: ident.to_token_stream(),
        });
    }
    Err(syn::Error::new(
        input.span(),
        format!(
            "expected {what}, as an identifier or in double quotes (for a name that is not an identifier), {example}"
        ),
    ))
}

fn parse_test(input: ParseStream<'_>) -> syn::Result<TestArg> {
    if input.peek(Token![==]) {
        input.parse::<Token![==]>()?;
        return Ok(TestArg::Equals(parse_value(input)?));
    }
    if input.peek(Token![in]) {
        input.parse::<Token![in]>()?;
        if !input.peek(syn::token::Bracket) {
            return Err(syn::Error::new(
                input.span(),
                "`in` takes its values in brackets, e.g. claim(tid in [\"t1\", \"t2\"])",
            ));
        }
        let content;
        let brackets = bracketed!(content in input);
        let mut values = Vec::new();
        while !content.is_empty() {
            values.push(parse_value(&content)?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        return Ok(TestArg::OneOf {
            values,
            brackets: brackets.span.join(),
        });
    }
    if input.peek(Ident::peek_any) {
        let fork = input.fork();
        let word = fork.call(Ident::parse_any)?;
        if word == "includes" {
            input.call(Ident::parse_any)?;
            return Ok(TestArg::Includes(parse_value(input)?));
        }
        if word == "contains" || word == "has" {
            return Err(syn::Error::new(
                word.span(),
                format!(
                    "unknown test `{word}`: to require that an array claim holds a value, write `includes`, \
                     e.g. claim(groups includes \"ops\")"
                ),
            ));
        }
    }
    let fork = input.fork();
    if let Ok(eq) = fork.parse::<Token![=]>() {
        return Err(syn::Error::new_spanned(
            eq,
            "a claim is compared with `==`, e.g. claim(gty == \"client_credentials\")",
        ));
    }
    if let Ok(ne) = fork.parse::<Token![!=]>() {
        return Err(syn::Error::new_spanned(
            ne,
            "`!=` is not supported: require what the claim must be, with `==`, `includes` or `in [..]`",
        ));
    }
    Err(syn::Error::new(
        input.span(),
        format!("expected `==`, `includes` or `in` after the claim's name, {CLAIM_EXAMPLE}"),
    ))
}

fn parse_value(input: ParseStream<'_>) -> syn::Result<ValueArg> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(ValueArg {
            value: Value::Str(lit.value()),
            suffix: lit.suffix().to_owned(),
            tokens: lit.to_token_stream(),
        });
    }
    if input.peek(LitBool) {
        let lit: LitBool = input.parse()?;
        return Ok(ValueArg {
            value: Value::Bool(lit.value),
            suffix: String::new(),
            tokens: lit.to_token_stream(),
        });
    }
    let minus = if input.peek(Token![-]) && input.peek2(LitInt) {
        Some(input.parse::<Token![-]>()?)
    } else {
        None
    };
    if input.peek(LitInt) {
        let lit: LitInt = input.parse()?;
        let magnitude = lit.base10_parse::<i128>().ok();
        let value = magnitude
            .map(|m| if minus.is_some() { -m } else { m })
            .and_then(|v| i64::try_from(v).ok());
        return Ok(ValueArg {
            value: Value::Int(value),
            suffix: lit.suffix().to_owned(),
            tokens: quote::quote!(#minus #lit),
        });
    }
    let found = input.fork().parse::<proc_macro2::TokenTree>();
    let message = "expected a value: a string in double quotes, an integer, `true` or `false` \
                   (a constant cannot be used here: the requirement is checked when the handler compiles)";
    match found {
        Ok(token) => Err(syn::Error::new_spanned(token, message)),
        Err(_) => Err(syn::Error::new(input.span(), message)),
    }
}

const TENANT_EXAMPLE: &str =
    "e.g. tenant(org_id) for a route \"/orgs/{org_id}/...\", or tenant(org_id, claim = \"tid\")";

fn parse_tenant(input: ParseStream<'_>, keyword: Ident, parens: Span) -> syn::Result<TenantArg> {
    if input.is_empty() {
        return Err(syn::Error::new(
            parens,
            format!("`tenant()` needs the path parameter that names the tenant, {TENANT_EXAMPLE}"),
        ));
    }
    let param = parse_name(input, "the path parameter", TENANT_EXAMPLE)?;
    let mut tenant = TenantArg {
        keyword,
        param,
        claim: None,
        from_scope: None,
    };
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key = input.call(Ident::parse_any).map_err(|error| {
            syn::Error::new(
                error.span(),
                format!("expected `claim = \"..\"` or `from_scope`, {TENANT_EXAMPLE}"),
            )
        })?;
        if key == "claim" && tenant.claim.is_none() {
            input.parse::<Token![=]>()?;
            let name = parse_name(input, "the claim's name", TENANT_EXAMPLE)?;
            tenant.claim = Some((key, name));
        } else if key == "from_scope" && tenant.from_scope.is_none() {
            tenant.from_scope = Some(key);
        } else if key == "claim" || key == "from_scope" {
            return Err(syn::Error::new(
                key.span(),
                format!("`{key}` is given twice in tenant(..)"),
            ));
        } else {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown tenant option `{key}`: expected `claim = \"..\"` or `from_scope`, {TENANT_EXAMPLE}"
                ),
            ));
        }
    }
    Ok(tenant)
}
