//! What a request may be required to satisfy: scopes ([`Requirement`]),
//! claim requirements ([`ClaimRequirement`]), a tenant binding
//! ([`TenantBinding`]), the declared scopes ([`ScopeCatalog`]), and what a
//! handler requires beyond its scopes ([`HandlerPolicy`]). Why a token
//! fails one of them is in [`error`](crate::error).
//!
//! `#[require_scopes]` builds a [`HandlerPolicy`] at compile time, beside the
//! handler's [`Requirement`]; the pipeline (`crate::pipeline`) checks them
//! once the token is valid, in the one order it states
//! ([`Ask`](crate::adapter::Ask)), before the handler's own extractors run (so a
//! refused request's body is never read).
//!
//! [`HandlerPolicy`] documents the syntax and the answers.

pub(crate) mod catalog;
pub(crate) mod claim_requirement;
pub(crate) mod requirement;
pub(crate) mod tenant;

pub use self::catalog::{CatalogScope, ScopeCatalog};
pub use self::claim_requirement::{ClaimRequirement, ClaimTest, ClaimValue};
pub use self::requirement::Requirement;
pub use self::tenant::{DEFAULT_TENANT_CLAIM, TenantBinding};

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use crate::policy::claim_requirement::AsWritten;
use crate::policy::tenant::MisconfiguredHandler;

/// What a handler requires of a valid token besides scopes.
///
/// Written by `#[require_scopes]` (and `require_scopes_guard!`); the
/// default, [`HandlerPolicy::NONE`], adds nothing to the scope check.
///
/// # What the attribute can require
///
/// ```text
/// #[require_scopes(
///     "deploy:applications",                 // scopes, any(..), all(..)
///     claim(gty == "client_credentials"),    // the claim equals a value
///     claim(groups includes "ops"),          // the claim (an array) holds a value
///     claim(tid in ["t1", "t2"]),            // the claim is one of the values
///     tenant(org_id),                        // the `oid` claim equals the {org_id} path parameter
///     tenant(org_id, claim = "tid"),         // ... another claim
///     tenant(org_id, from_scope),            // ... of an enclosing web::scope("/orgs/{org_id}")
///     check_revocation,                      // consult the revocation store for this handler
/// )]
/// ```
///
/// Every claim requirement must hold (they are not combined with `any`).
/// The macro checks them as it checks scopes, reporting every mistake at
/// once: empty names, empty `in []`, repetitions, literals of the wrong
/// type for a registered claim (`exp` is an integer, `sub` a string, `aud`
/// a list that only `includes` applies to), and a `tenant(..)` parameter
/// that the route attribute it can see (`#[get("/orgs/{org_id}")]` below
/// `#[require_scopes]`) does not have.
///
/// # Answers
///
/// | failure | status | `error` | `error_description` names |
/// |---|---|---|---|
/// | a claim requirement | `403` | `insufficient_scope` | the claim and its test (`==`, `includes`, `in`) |
/// | the tenant binding | `403` | `insufficient_scope` | the claim and the path parameter |
/// | the route has no such path parameter | `500` | `server_error` | the handler (debug builds only) |
///
/// **Why `insufficient_scope`.** RFC 6750 §3.1 defines three error codes for
/// a bearer-token refusal; `insufficient_scope` is the one for a valid token
/// that may not do what was asked: "the request requires higher privileges
/// than provided by the access token", answered with `403`. A token for the
/// wrong tenant, or without the claim a handler requires, is exactly that.
/// `invalid_token` (`401`) would tell a client to fetch a new token of the
/// same kind, which does not help, and an error code of scopegate's own
/// would be one no client library knows. What tells these refusals apart
/// from a missing scope is the challenge: it carries no `scope` attribute
/// (no scope would help), and its `error_description` names the claim.
///
/// The descriptions hold no value, neither the token's nor the handler's:
/// a tenant mismatch names the claim and the path parameter, not the tenant
/// ids; a claim mismatch names the claim and how it is tested, not the
/// values accepted (a list of tenant ids or group names is not for every
/// caller to read). The whole requirement is logged at `debug` level, and
/// is in the [`ClaimMismatch`](crate::error::ClaimMismatch) of the error.
///
/// # In code
///
/// A policy is built in a `const` with the `with_*` methods (a list of
/// requirements is a `const` of its own, as a `const fn` argument cannot
/// borrow a temporary that has a destructor):
///
/// ```
/// use scopegate::policy::{ClaimRequirement, ClaimTest, ClaimValue, HandlerPolicy, TenantBinding};
///
/// const CLAIMS: &[ClaimRequirement] = &[ClaimRequirement::new(
///     "gty",
///     ClaimTest::Equals(ClaimValue::str("client_credentials")),
/// )];
/// const POLICY: HandlerPolicy = HandlerPolicy::for_handler("api::deploy")
///     .with_claims(CLAIMS)
///     .with_tenant(TenantBinding::new("org_id"))
///     .with_revocation_check();
/// assert_eq!(POLICY.claims.len(), 1);
/// assert_eq!(POLICY.tenant.map(|t| t.claim), Some("oid"));
/// assert!(POLICY.check_revocation);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct HandlerPolicy {
    /// Whether the authenticator's revocation store is consulted for this
    /// handler even when it is configured to check only handlers that opt in.
    pub check_revocation: bool,
    /// Claim requirements: every one must hold.
    pub claims: &'static [ClaimRequirement],
    /// The claim that must equal a path parameter, if any.
    pub tenant: Option<TenantBinding>,
    /// The handler, as `module::path::name`, for the log line of a
    /// misconfiguration; empty when unknown.
    pub handler: &'static str,
}

impl HandlerPolicy {
    /// No requirement beyond scopes.
    pub const NONE: HandlerPolicy = HandlerPolicy {
        check_revocation: false,
        claims: &[],
        tenant: None,
        handler: "",
    };

    /// No requirement beyond scopes yet, for the handler named `handler`
    /// (`module::path::name`).
    pub const fn for_handler(handler: &'static str) -> Self {
        HandlerPolicy {
            handler,
            ..HandlerPolicy::NONE
        }
    }

    /// The same policy, with these claim requirements (replacing any).
    pub const fn with_claims(self, claims: &'static [ClaimRequirement]) -> Self {
        HandlerPolicy { claims, ..self }
    }

    /// The same policy, with this tenant binding.
    pub const fn with_tenant(self, tenant: TenantBinding) -> Self {
        HandlerPolicy {
            tenant: Some(tenant),
            ..self
        }
    }

    /// The same policy, consulting the revocation store for this handler
    /// (what `check_revocation` in the attribute sets).
    ///
    /// ```
    /// use scopegate::policy::HandlerPolicy;
    ///
    /// const SENSITIVE: HandlerPolicy = HandlerPolicy::NONE.with_revocation_check();
    /// assert!(SENSITIVE.check_revocation);
    /// ```
    pub const fn with_revocation_check(self) -> Self {
        HandlerPolicy {
            check_revocation: true,
            ..self
        }
    }
}

impl Default for HandlerPolicy {
    fn default() -> Self {
        HandlerPolicy::NONE
    }
}

impl HandlerPolicy {
    /// Whether it asks for nothing beyond scopes.
    pub const fn is_empty(&self) -> bool {
        !self.check_revocation && self.claims.is_empty() && self.tenant.is_none()
    }
}

impl std::fmt::Display for HandlerPolicy {
    /// The options as the attribute writes them, comma separated:
    /// `claim(gty == "client-credentials"), tenant(org_id), check_revocation`
    /// (`tenant(org_id, claim = "tid")` for another claim than `oid`);
    /// nothing for [`HandlerPolicy::NONE`]. A claim or parameter name that
    /// is not an identifier is in double quotes, and strings are escaped,
    /// as the attribute takes them. `tenant(.., from_scope)` shows as
    /// `tenant(..)`: `from_scope` only tells the macro where the parameter
    /// comes from, and is not part of the policy.
    ///
    /// ```
    /// use scopegate::policy::{ClaimRequirement, ClaimTest, ClaimValue, HandlerPolicy, TenantBinding};
    ///
    /// const CLAIMS: &[ClaimRequirement] =
    ///     &[ClaimRequirement::new("gty", ClaimTest::Equals(ClaimValue::str("client-credentials")))];
    /// let policy = HandlerPolicy::NONE
    ///     .with_claims(CLAIMS)
    ///     .with_tenant(TenantBinding::new("org_id").with_claim("tid"))
    ///     .with_revocation_check();
    /// assert_eq!(
    ///     policy.to_string(),
    ///     r#"claim(gty == "client-credentials"), tenant(org_id, claim = "tid"), check_revocation"#
    /// );
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut separator = "";
        for claim in self.claims {
            write!(f, "{separator}claim({claim})")?;
            separator = ", ";
        }
        if let Some(tenant) = &self.tenant {
            write!(f, "{separator}tenant({}", AsWritten(tenant.param))?;
            if tenant.claim != crate::policy::tenant::DEFAULT_TENANT_CLAIM {
                write!(f, ", claim = {:?}", tenant.claim)?;
            }
            f.write_str(")")?;
            separator = ", ";
        }
        if self.check_revocation {
            write!(f, "{separator}check_revocation")?;
        }
        Ok(())
    }
}

/// Logs a handler's misconfiguration the first time it is seen (every
/// request to that handler fails the same way until the server is fixed).
pub(crate) fn log_once(error: &MisconfiguredHandler) {
    static LOGGED: Mutex<Option<HashSet<MisconfiguredHandler>>> = Mutex::new(None);
    let first = LOGGED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashSet::new)
        .insert(*error);
    if first {
        tracing::error!(
            handler = error.handler,
            "scopegate: every request to this handler fails with 500: {error}; \
             bind the tenant to a parameter of the route, e.g. tenant(org_id) under \"/orgs/{{org_id}}/...\""
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::claim_requirement::{ClaimTest, ClaimValue};
    use crate::policy::tenant::TenantBinding;

    /// Names that are not identifiers are quoted, and strings escaped, so
    /// that the policy reads back as the attribute that wrote it.
    #[test]
    fn the_policy_reads_back_as_the_attribute() {
        const CLAIMS: &[ClaimRequirement] = &[
            ClaimRequirement::new(
                "https://acme.example/verified",
                ClaimTest::Equals(ClaimValue::Bool(true)),
            ),
            ClaimRequirement::new(
                "r_2",
                ClaimTest::Includes(ClaimValue::str("say \"hi\" \\ bye")),
            ),
            ClaimRequirement::new("_", ClaimTest::Equals(ClaimValue::Int(-3))),
            ClaimRequirement::new("2fa", ClaimTest::Equals(ClaimValue::Int(1))),
        ];
        let policy = HandlerPolicy::NONE
            .with_claims(CLAIMS)
            .with_tenant(TenantBinding::new("org-id").with_claim("https://acme.example/org"));
        assert_eq!(
            policy.to_string(),
            r#"claim("https://acme.example/verified" == true), claim(r_2 includes "say \"hi\" \\ bye"), claim("_" == -3), claim("2fa" == 1), tenant("org-id", claim = "https://acme.example/org")"#
        );
    }
}
