//! Tenant isolation: a handler under `/orgs/{org_id}/...` binds the token's
//! organization claim to its `org_id` path parameter, so that organization
//! A's token is refused on organization B's path.
//!
//! `#[require_scopes(.., tenant(org_id))]` writes a [`TenantBinding`]; the
//! check compares the claim (`oid` unless another is named) with the path
//! parameter exactly, as strings. Why it failed is a [`TenantMismatch`]
//! (`403`) or, when the route has no such parameter, a
//! [`MisconfiguredHandler`] (`500`): a binding is never silently skipped.
//!
//! # The value compared is the one the handler reads
//!
//! A router hands over path parameters still partly percent-encoded
//! (actix-web keeps `%2F`, `%2B` and `%25` encoded, so that a `/` inside a
//! segment does not split it), while a handler's path extractor
//! (`web::Path<String>`) percent-decodes them fully. The binding compares
//! the claim with the decoded value, the one the handler will serve:
//! `/teams/c%2B%2B/apps` is team `c++`, never a team whose id is the text
//! `c%2B%2B`. Decoding follows the extractors: every `%` followed by two
//! hex digits (either case) is one byte, any other `%` stays as it is. A
//! value whose decoded bytes are not UTF-8 cannot be read the same way by
//! every extractor (actix-web's router puts U+FFFD in place of the bad
//! bytes, others refuse the request), so it is refused
//! ([`TenantMismatchKind::UndecodablePath`]), and so is a value holding
//! U+FFFD, which is what such bytes become: many different paths would
//! name that one tenant.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::claims::Claims;

/// The claim a tenant binding compares when it names none: Scalekit's
/// organization id, `oid`.
pub const DEFAULT_TENANT_CLAIM: &str = "oid";

/// A handler's tenant binding: the token's `claim` must equal the path
/// parameter `param`.
///
/// ```
/// use scopegate::policy::TenantBinding;
///
/// const BY_ORG: TenantBinding = TenantBinding::new("org_id");
/// assert_eq!(BY_ORG.claim, "oid");
/// const BY_TENANT: TenantBinding = TenantBinding::new("tenant").with_claim("tid");
/// assert_eq!((BY_TENANT.param, BY_TENANT.claim), ("tenant", "tid"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TenantBinding {
    /// The path parameter, as named in the route (`{org_id}`).
    pub param: &'static str,
    /// The claim it must equal.
    pub claim: &'static str,
}

impl TenantBinding {
    /// The path parameter `param` must equal the [`DEFAULT_TENANT_CLAIM`].
    pub const fn new(param: &'static str) -> Self {
        TenantBinding {
            param,
            claim: DEFAULT_TENANT_CLAIM,
        }
    }

    /// The same binding on another claim.
    pub const fn with_claim(self, claim: &'static str) -> Self {
        TenantBinding { claim, ..self }
    }

    /// Checks the claims of a request against its path parameters, given
    /// as the router matched them (name, value still percent-encoded as the
    /// router leaves it). Each value is decoded as a path extractor decodes
    /// it (see the [module docs](self)) before it is compared. A route that
    /// names the parameter more than once (an enclosing `web::scope` and
    /// its resource) must carry the same value in each place, or a handler
    /// reading the other one would serve another tenant.
    pub(crate) fn check<'p>(
        &self,
        path: impl IntoIterator<Item = (&'p str, &'p str)>,
        claims: &Claims,
    ) -> Result<(), TenantRefusal> {
        let mismatch = |kind| {
            TenantRefusal::Mismatch(TenantMismatch {
                binding: *self,
                kind,
            })
        };
        let mut expected: Option<Cow<'p, str>> = None;
        let mut repeated_differs = false;
        for (name, raw) in path {
            if name != self.param {
                continue;
            }
            let Some(value) = decoded_path_value(raw) else {
                return Err(mismatch(TenantMismatchKind::UndecodablePath));
            };
            match &expected {
                None => expected = Some(value),
                Some(first) => repeated_differs |= *first != value,
            }
        }
        let Some(expected) = expected else {
            return Err(TenantRefusal::NoPathParameter);
        };
        match claims.claim_value(self.claim) {
            None => Err(mismatch(TenantMismatchKind::MissingClaim)),
            Some(Value::String(actual)) if *actual == *expected && !repeated_differs => Ok(()),
            Some(Value::String(_)) => Err(mismatch(TenantMismatchKind::Different)),
            Some(_) => Err(mismatch(TenantMismatchKind::NotAString)),
        }
    }
}

/// A path parameter as a handler's path extractor reads it: every `%XX`
/// (two hex digits, either case) decoded to its byte, any other `%` kept;
/// `None` when the bytes are not UTF-8, or hold U+FFFD (the mark of bytes
/// that were not, replaced). Borrows when nothing is encoded.
pub(crate) fn decoded_path_value(raw: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .filter(|value| !value.contains(char::REPLACEMENT_CHARACTER))
}

/// Why a tenant binding refused a request (the runtime's view).
pub(crate) enum TenantRefusal {
    /// The token is for another tenant, or for none: `403`.
    Mismatch(TenantMismatch),
    /// The route has no such parameter: the handler is misconfigured.
    NoPathParameter,
}

/// Why a token does not match a tenant binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TenantMismatchKind {
    /// The token has no such claim.
    MissingClaim,
    /// The claim is not a string.
    NotAString,
    /// The claim names another tenant.
    Different,
    /// The path parameter is not UTF-8 once percent-decoded (or holds
    /// U+FFFD, what a router makes of such bytes), so no tenant id can
    /// equal what the handler would read.
    UndecodablePath,
}

/// A token refused by a tenant binding. Its text names the claim and the
/// path parameter, never their values: the path is the caller's to choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}", describe_mismatch(.binding, *.kind))]
pub struct TenantMismatch {
    /// The binding.
    pub binding: TenantBinding,
    /// Why it failed.
    pub kind: TenantMismatchKind,
}

fn describe_mismatch(binding: &TenantBinding, kind: TenantMismatchKind) -> String {
    let TenantBinding { param, claim } = binding;
    match kind {
        TenantMismatchKind::MissingClaim => format!(
            "the token has no `{claim}` claim, which this endpoint requires to equal its `{param}` path parameter"
        ),
        TenantMismatchKind::NotAString => format!(
            "the token's `{claim}` claim is not a string, so it cannot equal this endpoint's `{param}` path parameter"
        ),
        TenantMismatchKind::Different => format!(
            "the token's `{claim}` claim does not equal the `{param}` path parameter: the token is for another tenant"
        ),
        TenantMismatchKind::UndecodablePath => format!(
            "the `{param}` path parameter is not UTF-8 once percent-decoded, so it cannot equal the token's `{claim}` claim"
        ),
    }
}

/// What is wrong with a handler's own authorization settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MisconfigurationKind {
    /// A tenant binding names a path parameter the route does not have.
    NoPathParameter {
        /// The parameter the binding names.
        param: &'static str,
    },
}

impl fmt::Display for MisconfigurationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MisconfigurationKind::NoPathParameter { param } => write!(
                f,
                "its tenant binding names the path parameter `{param}`, which its route does not have"
            ),
        }
    }
}

/// A handler whose authorization settings cannot be applied to the route
/// it is served on: a fault of the server, not of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MisconfiguredHandler {
    /// The handler, as `module::path::name`.
    pub handler: &'static str,
    /// What is wrong.
    pub reason: MisconfigurationKind,
}

impl fmt::Display for MisconfiguredHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "handler `{}`: {}", self.handler, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_the_claim_and_the_parameter() {
        let binding = TenantBinding::new("org_id");
        for kind in [
            TenantMismatchKind::MissingClaim,
            TenantMismatchKind::NotAString,
            TenantMismatchKind::Different,
            TenantMismatchKind::UndecodablePath,
        ] {
            let text = TenantMismatch { binding, kind }.to_string();
            assert!(text.contains("`oid` claim"), "{text}");
            assert!(text.contains("`org_id` path parameter"), "{text}");
        }
    }

    #[test]
    fn path_values_are_decoded_as_the_extractors_decode_them() {
        for (raw, decoded) in [
            ("org_123", "org_123"),
            ("c%2B%2B", "c++"),
            ("c%2b%2B", "c++"),
            ("org-x%2Forg-b", "org-x/org-b"),
            ("100%25", "100%"),
            ("%2541", "%41"),
            ("%41cme", "Acme"),
            ("a%zz", "a%zz"),
            ("a%4", "a%4"),
            ("%", "%"),
            ("caf%C3%A9", "caf\u{e9}"),
        ] {
            assert_eq!(decoded_path_value(raw).as_deref(), Some(decoded), "{raw}");
        }
        assert_eq!(decoded_path_value("%FF"), None);
        assert_eq!(decoded_path_value("\u{FFFD}"), None);
        assert_eq!(decoded_path_value("%EF%BF%BD"), None);
        assert_eq!(decoded_path_value("caf%C3"), None);
    }

    #[test]
    fn a_misconfiguration_names_the_handler_and_the_parameter() {
        let error = MisconfiguredHandler {
            handler: "api::orgs::apps",
            reason: MisconfigurationKind::NoPathParameter { param: "org_id" },
        };
        assert_eq!(
            error.to_string(),
            "handler `api::orgs::apps`: its tenant binding names the path parameter `org_id`, \
             which its route does not have"
        );
    }
}
