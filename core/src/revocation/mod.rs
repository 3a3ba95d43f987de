//! Token revocation: the check the authenticator runs on a valid token
//! ([`RevocationCheck`], [`RevocationMode`]), the rules
//! ([`Revocation`]), and the stores that hold them
//! ([`MemoryRevocations`], and `RedisRevocations` with the cargo feature
//! `redis`).
//!
//! Scalekit's token-validation guidance asks APIs to "implement token
//! revocation checks for sensitive operations": a client-credentials token
//! lives for hours, and deleting its API client or rotating its secret
//! does not make the tokens already issued invalid. A revocation (RFC 7009)
//! names one token by its `jti`, or every token of a `client_id` or `sub`
//! issued before a time; of every trusted issuer, or, scoped with
//! [`Revocation::issued_by`], of one.
//!
//! # Where the check runs
//!
//! After the token is found valid, whether it was verified now or found in
//! the verified-token cache: a cached token is checked on every request.
//! [`RevocationMode::OptIn`] (the default) checks only handlers whose
//! [`HandlerPolicy::check_revocation`](crate::policy::HandlerPolicy) is set, the
//! sensitive operations; [`RevocationMode::EveryHandler`] checks every
//! `#[require_scopes]` handler, every `require_scopes_guard!`, the
//! [`Claims`] extractor, and the hand-written checks of a request,
//! [`Authenticator::authenticate`] and
//! [`authorize`](crate::Authenticator::authorize). In either mode,
//! [`validate`](crate::Authenticator::validate), which sees a token and
//! no request, does not consult it: call
//! [`Authenticator::check_revocation`] after it (or after `authenticate`
//! and `authorize` in `OptIn` mode, for a check of your own).
//!
//! [`Authenticator::authenticate`]: crate::Authenticator::authenticate
//! [`Authenticator::check_revocation`]: crate::Authenticator::check_revocation
//!
//! The check is synchronous and allocates nothing: it reads a local mirror
//! of the rules, never the store (no network round trip per request).
//!
//! # Verdicts on the wire
//!
//! | verdict | answer |
//! |---|---|
//! | revoked | `401`, `error="invalid_token"`, "the token has been revoked" |
//! | no `jti` | `401`, `error="invalid_token"`: a token that cannot be named cannot be shown not to be revoked |
//! | no `iat`, under a client or subject rule | revoked: it cannot be shown to be issued after the cutoff |
//! | the mirror lost its store for longer than its grace | `503` with `Retry-After` |

use std::sync::Arc;
use std::time::Duration;

use crate::claims::Claims;
use crate::error::{AuthError, RevokedBy, TokenError};

mod memory;
mod mirror;
#[cfg(feature = "redis")]
mod redis;
mod rules;
mod store;

pub use memory::MemoryRevocations;
#[cfg(feature = "redis")]
pub use redis::{RedisRevocations, RedisRevocationsBuilder};
pub use rules::{DEFAULT_MAX_TOKEN_LIFETIME, EXPIRY_MARGIN, InvalidIssuer, Revocation};
pub use store::{RevocationError, RevocationStore};

/// What a [`RevocationCheck`] says about a valid token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Not revoked.
    Valid,
    /// Revoked by a rule of this kind.
    Revoked(RevokedBy),
    /// The token has no `jti`, so it cannot be shown not to be revoked.
    NoTokenId,
    /// The rules cannot be trusted now (the store has been unreachable
    /// for too long).
    Unavailable {
        /// How long the client should wait before retrying.
        retry_after: Duration,
    },
}

impl Verdict {
    /// The verdict as the answer to the request: `Ok` for
    /// [`Valid`](Verdict::Valid), else the refusal.
    pub fn into_result(self) -> Result<(), AuthError> {
        match self {
            Verdict::Valid => Ok(()),
            Verdict::Revoked(by) => Err(AuthError::InvalidToken(TokenError::Revoked(by))),
            Verdict::NoTokenId => Err(AuthError::InvalidToken(TokenError::MissingClaim {
                claim: "jti",
            })),
            Verdict::Unavailable { retry_after } => {
                Err(AuthError::RevocationUnavailable { retry_after })
            }
        }
    }
}

/// Decides whether a valid token was revoked. Consulted by the
/// [`Authenticator`](crate::Authenticator) after validation, on
/// verified-token cache hits too.
///
/// Implementations answer from local memory, synchronously and without
/// allocating: the check runs on the request path.
pub trait RevocationCheck: Send + Sync + 'static {
    /// The verdict on a token with these (verified) claims.
    fn check(&self, claims: &Claims) -> Verdict;
}

/// Which handlers the revocation check runs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RevocationMode {
    /// Only handlers whose
    /// [`HandlerPolicy::check_revocation`](crate::policy::HandlerPolicy) is set:
    /// the sensitive operations, as Scalekit's guidance puts it. The
    /// default.
    #[default]
    OptIn,
    /// Every `#[require_scopes]` handler, every `require_scopes_guard!`,
    /// the [`Claims`] extractor, [`Authenticator::authenticate`](crate::Authenticator::authenticate)
    /// and [`Authenticator::authorize`](crate::Authenticator::authorize).
    EveryHandler,
}

/// A revocation check and its mode, as the authenticator holds them.
#[derive(Clone)]
pub(crate) struct RevocationHook {
    check: Arc<dyn RevocationCheck>,
    mode: RevocationMode,
}

impl std::fmt::Debug for RevocationHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationHook")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl RevocationHook {
    pub(crate) fn new(check: Arc<dyn RevocationCheck>, mode: RevocationMode) -> Self {
        RevocationHook { check, mode }
    }

    /// Checks `claims` if the mode says so for a handler that did
    /// (`opted_in`) or did not ask for the check.
    pub(crate) fn check(&self, claims: &Claims, opted_in: bool) -> Result<(), AuthError> {
        if !opted_in && self.mode == RevocationMode::OptIn {
            return Ok(());
        }
        self.check.check(claims).into_result()
    }
}
