//! Validation of `claim(..)`, `tenant(..)` and `check_revocation`: every
//! error recorded in the [`Ctxt`], spanned at the offending tokens, so one
//! build reports them all.
//!
//! * a claim's name is not empty; a value has no suffix and an integer fits
//!   in `i64`;
//! * a registered claim (`scopegate_grammar::claims`) is tested with values
//!   of its type: `exp`/`nbf`/`iat` integers, `iss`/`sub`/`jti`/`client_id`/`oid`
//!   strings, and `aud`/`scopes`/`scope` (lists) only with `includes` a string;
//! * `in [..]` lists at least one value, each once; the same requirement is
//!   not written twice, and one claim is not required to equal two values;
//! * one `tenant(..)`, on a string claim, naming a parameter of every route
//!   attribute the macro sees (unless `from_scope`); one `check_revocation`.

use scopegate_grammar::claims::{ClaimKind, registered_claim};
use syn::Attribute;

use crate::ctxt::Ctxt;
use crate::policy::{ClaimArg, Name, PolicyArgs, TenantArg, TestArg, Value, ValueArg};

/// Checks the options of one attribute, and the tenant binding against the
/// handler's route attributes.
pub(crate) fn check_policy(cx: &Ctxt, policy: &PolicyArgs, attrs: Option<&[Attribute]>) {
    for (index, claim) in policy.claims.iter().enumerate() {
        check_claim(cx, claim);
        check_repeated(cx, claim, &policy.claims[..index]);
    }
    for again in policy.tenants.iter().skip(1) {
        cx.error_at(
            again.keyword.span(),
            "tenant(..) is given twice; a handler binds one path parameter to one claim, \
             e.g. tenant(org_id)",
        );
    }
    if let Some(tenant) = policy.tenants.first() {
        check_tenant(cx, tenant, attrs);
    }
    for again in policy.revocation.iter().skip(1) {
        cx.error_at(
            again.span(),
            "`check_revocation` is given twice; write it once",
        );
    }
}

fn check_name(cx: &Ctxt, name: &Name, what: &str) {
    if !name.suffix.is_empty() {
        cx.error_spanned_by(
            &name.tokens,
            format!(
                "{what} is a plain string literal, without the suffix `{}`",
                name.suffix
            ),
        );
    }
    if name.value.is_empty() {
        cx.error_spanned_by(&name.tokens, format!("{what} cannot be empty"));
    }
}

fn values(test: &TestArg) -> &[ValueArg] {
    match test {
        TestArg::Equals(value) | TestArg::Includes(value) => std::slice::from_ref(value),
        TestArg::OneOf { values, .. } => values,
    }
}

fn check_claim(cx: &Ctxt, claim: &ClaimArg) {
    let name = &claim.name.value;
    check_name(cx, &claim.name, "a claim's name");
    for value in values(&claim.test) {
        if !value.suffix.is_empty() {
            cx.error_spanned_by(
                &value.tokens,
                format!(
                    "a value is a plain literal, without the suffix `{}`",
                    value.suffix
                ),
            );
        }
        if value.value == Value::Int(None) {
            cx.error_spanned_by(
                &value.tokens,
                "this integer does not fit in 64 bits (a JSON integer claim is compared as an i64)",
            );
        }
    }
    if let TestArg::OneOf { values, brackets } = &claim.test {
        if values.is_empty() {
            cx.error_at(
                *brackets,
                format!(
                    "`in []` lists no value, so no token could satisfy it; list at least one, \
                     e.g. claim({name} in [\"t1\", \"t2\"])"
                ),
            );
        }
        for (index, value) in values.iter().enumerate() {
            if values[..index].iter().any(|seen| seen.value == value.value) {
                cx.error_spanned_by(
                    &value.tokens,
                    "this value is listed twice in `in [..]`; list each value once",
                );
            }
        }
    }
    if let Some(kind) = registered_claim(name) {
        check_registered(cx, claim, kind);
    }
}

/// A registered claim is tested with values of its own type.
fn check_registered(cx: &Ctxt, claim: &ClaimArg, kind: ClaimKind) {
    let name = &claim.name.value;
    let includes = matches!(claim.test, TestArg::Includes(_));
    if kind == ClaimKind::StringList && !includes {
        cx.error_spanned_by(
            &claim.name.tokens,
            format!(
                "`{name}` is {kind} whose order and length vary from token to token; \
                 require one of its members with `includes`, e.g. claim({name} includes \"{}\")",
                if name == "aud" {
                    "api.example.com"
                } else {
                    "read:deployments"
                }
            ),
        );
        return;
    }
    if kind != ClaimKind::StringList && includes {
        cx.error_spanned_by(
            &claim.name.tokens,
            format!(
                "`{name}` is {kind}, not an array: compare it with `==` or `in [..]`, \
                 e.g. claim({name} == {})",
                example(kind)
            ),
        );
        return;
    }
    let expected = match kind {
        ClaimKind::Integer => |v: &Value| matches!(v, Value::Int(_)),
        ClaimKind::String | ClaimKind::StringList => |v: &Value| matches!(v, Value::Str(_)),
    };
    for value in values(&claim.test) {
        if !expected(&value.value) {
            let element = if kind == ClaimKind::StringList {
                "a list of strings: each member is a string".to_owned()
            } else {
                kind.to_string()
            };
            cx.error_spanned_by(
                &value.tokens,
                format!(
                    "`{name}` is {element}, so this value can never match; e.g. claim({name} {} {})",
                    if kind == ClaimKind::StringList { "includes" } else { "==" },
                    example(kind)
                ),
            );
        }
    }
}

fn example(kind: ClaimKind) -> &'static str {
    match kind {
        ClaimKind::Integer => "1767225600",
        ClaimKind::String | ClaimKind::StringList => "\"value\"",
    }
}

/// The same requirement twice, or one claim required to equal two
/// different values (which no token can satisfy).
fn check_repeated(cx: &Ctxt, claim: &ClaimArg, earlier: &[ClaimArg]) {
    let name = &claim.name.value;
    for seen in earlier.iter().filter(|seen| seen.name.value == *name) {
        let same = match (&seen.test, &claim.test) {
            (TestArg::Equals(a), TestArg::Equals(b)) if a.value != b.value => {
                cx.error_at(
                    claim.keyword.span(),
                    format!(
                        "claim `{name}` is required to equal two different values, which no token can; \
                         to accept either, write claim({name} in [.., ..])"
                    ),
                );
                return;
            }
            (TestArg::Equals(a), TestArg::Equals(b))
            | (TestArg::Includes(a), TestArg::Includes(b)) => a.value == b.value,
            (TestArg::OneOf { values: a, .. }, TestArg::OneOf { values: b, .. }) => {
                a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.value == b.value)
            }
            _ => false,
        };
        if same {
            cx.error_at(
                claim.keyword.span(),
                format!("this requirement on claim `{name}` is written twice; write it once"),
            );
            return;
        }
    }
}

fn check_tenant(cx: &Ctxt, tenant: &TenantArg, attrs: Option<&[Attribute]>) {
    check_name(cx, &tenant.param, "the path parameter");
    if tenant.param.value.contains(['{', '}', '/', ':']) {
        cx.error_spanned_by(
            &tenant.param.tokens,
            "name the path parameter alone, without braces, slashes or a pattern: \
             for a route \"/orgs/{org_id}\", write tenant(org_id)",
        );
    }
    if let Some((_, claim)) = &tenant.claim {
        check_name(cx, claim, "the tenant claim's name");
        if let Some(kind) = registered_claim(&claim.value)
            && kind != ClaimKind::String
        {
            cx.error_spanned_by(
                &claim.tokens,
                format!(
                    "`{}` is {kind}, and a tenant is a string; name a string claim, e.g. claim = \"oid\"",
                    claim.value
                ),
            );
        }
    }
    let (Some(attrs), None) = (attrs, &tenant.from_scope) else {
        return;
    };
    let param = &tenant.param.value;
    for path in crate::route::route_paths(attrs) {
        let params = crate::route::path_params(&path.value());
        if params.iter().any(|p| p == param) {
            continue;
        }
        let has = if params.is_empty() {
            "has no path parameter".to_owned()
        } else {
            let listed: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
            format!("has the path parameters {}", listed.join(", "))
        };
        cx.error_spanned_by(
            &tenant.param.tokens,
            format!(
                "the route {:?} has no path parameter `{param}` (it {has}); name one of the route's \
                 parameters, e.g. tenant(org_id) for \"/orgs/{{org_id}}/...\", or, if the handler is \
                 mounted in a web::scope whose path has `{{{param}}}`, write tenant({param}, from_scope)",
                path.value()
            ),
        );
    }
}
