//! What a handler requires beyond its scopes, and the one place where a
//! request's verified claims are checked against a handler's whole
//! requirement: scopes, then claim requirements, then the tenant binding,
//! then revocation.
//!
//! `#[require_scopes]` builds a [`HandlerPolicy`] at compile time, beside the
//! handler's [`Requirement`]; the extractor [`Authorized`](crate::Authorized)
//! calls [`check_handler`] once the token is valid, before the handler's own
//! extractors run.

use actix_web::HttpRequest;

use crate::authenticator::{Authenticator, check_scopes};
use crate::claims::Claims;
use crate::errors::AuthError;
use crate::requirement::Requirement;

/// What a handler requires of a valid token besides scopes.
///
/// Written by `#[require_scopes]`; the default, [`HandlerPolicy::NONE`],
/// adds nothing to the scope check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandlerPolicy {
    /// Whether the authenticator's revocation store is consulted for this
    /// handler even when it is configured to check only handlers that opt in.
    pub check_revocation: bool,
}

impl HandlerPolicy {
    /// No requirement beyond scopes.
    pub const NONE: HandlerPolicy = HandlerPolicy {
        check_revocation: false,
    };

    /// This policy with the revocation check asked for (what
    /// `check_revocation` on a handler's attribute sets).
    ///
    /// ```
    /// use scopegate::HandlerPolicy;
    ///
    /// const SENSITIVE: HandlerPolicy = HandlerPolicy::NONE.with_revocation_check();
    /// assert!(SENSITIVE.check_revocation);
    /// ```
    pub const fn with_revocation_check(mut self) -> Self {
        self.check_revocation = true;
        self
    }
}

impl Default for HandlerPolicy {
    fn default() -> Self {
        HandlerPolicy::NONE
    }
}

/// Checks the verified `claims` of `req` against a handler's scope
/// `requirement` and `policy`.
pub(crate) fn check_handler(
    auth: &Authenticator,
    _req: &HttpRequest,
    claims: &Claims,
    requirement: &Requirement,
    policy: &HandlerPolicy,
) -> Result<(), AuthError> {
    check_scopes(claims, requirement)?;
    auth.check_revocation_for(claims, policy.check_revocation)
}
