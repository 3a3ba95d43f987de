//! [`AuthError`]: why a request was not authorized.

use std::time::Duration;

use super::RequestError;
use crate::jose::error::TokenError;
use crate::policy::claim_requirement::ClaimMismatch;
use crate::policy::tenant::{MisconfiguredHandler, TenantMismatch};

/// Why a request was not authorized.
///
/// Every variant maps to one status code and one `WWW-Authenticate` challenge
/// (RFC 6750 §3). The text of a variant is the `error_description` sent to the
/// client: it helps a developer fix their client and never contains the token,
/// a key or a secret.
///
/// ```
/// use scopegate::{AuthError, error::TokenError};
///
/// fn explain(error: &AuthError) -> &'static str {
///     match error {
///         AuthError::InvalidToken(TokenError::Expired { .. }) => "fetch a new token",
///         AuthError::InvalidToken(TokenError::WrongIssuer { .. }) => "check the issuer",
///         AuthError::InsufficientScope { .. } => "ask for more scopes",
///         _ => "see the error description",
///     }
/// }
/// assert_eq!(
///     explain(&AuthError::InvalidToken(TokenError::Expired { ago_secs: 40 })),
///     "fetch a new token"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no bearer token. `401`, `WWW-Authenticate: Bearer`
    /// without an error code (RFC 6750 §3.1).
    #[error("the request has no bearer token; send `Authorization: Bearer <token>`")]
    MissingToken,
    /// The request is malformed: a broken `Authorization` header, or more than
    /// one credential. `400 invalid_request`.
    #[error("{0}")]
    InvalidRequest(RequestError),
    /// The token is malformed, badly signed, expired, for another issuer or
    /// audience, signed by an unknown key, not an access token of its
    /// provider preset, or revoked. `401 invalid_token`.
    #[error("{0}")]
    InvalidToken(TokenError),
    /// The token is valid but lacks a required scope. `403 insufficient_scope`.
    #[error("the token lacks a required scope: needs {required}")]
    InsufficientScope {
        /// The requirement, as written on the handler (e.g. `any(a:b, c:d)`).
        required: String,
        /// The scopes that would satisfy it, space separated, for the
        /// `scope` attribute of the challenge.
        scope: String,
    },
    /// No signing key could be obtained from the issuer, so no decision can
    /// be made. `503` with `Retry-After`. Why the keys could not be fetched
    /// is logged, and kept by
    /// [`Authenticator::last_key_fetch_error`](crate::Authenticator::last_key_fetch_error).
    #[error("the issuer's signing keys are not available yet; retry later")]
    KeysUnavailable {
        /// How long the client should wait before retrying.
        retry_after: Duration,
    },
    /// Whether the token was revoked cannot be checked: the revocation
    /// mirror has lost its store for longer than it may serve alone (see
    /// [`RevocationCheck`](crate::revocation::RevocationCheck)). `503` with
    /// `Retry-After`, only for handlers whose revocation is checked.
    #[error("whether the token was revoked cannot be checked right now; retry later")]
    RevocationUnavailable {
        /// How long the client should wait before retrying.
        retry_after: Duration,
    },
    /// The server is misconfigured: no `Authenticator` was registered as app
    /// data. `500`. The error is logged; in debug builds the response also
    /// says what to add (`App::new().app_data(authenticator)`), in release
    /// builds only that authorization is not configured.
    #[error("{}", MISCONFIGURED)]
    Misconfigured,
    /// The token is valid but fails a claim requirement: one of its
    /// issuer's ([`Issuer::require`](crate::Issuer::require)) or the
    /// authenticator's
    /// ([`AuthenticatorBuilder::require`](crate::AuthenticatorBuilder::require)),
    /// checked before the scopes, or one of the handler's (`claim(..)` in
    /// `#[require_scopes]`), checked after them.
    /// `403 insufficient_scope`, without a `scope` attribute: no scope would
    /// help. The description names the claim and how it is tested, not the
    /// values accepted (a list of tenant ids or group names is not the
    /// caller's to read); the `ClaimMismatch` has them all.
    #[error("{}", .0.public_description())]
    ClaimMismatch(ClaimMismatch),
    /// The token is valid and has the scopes, but is for another tenant than
    /// the path names (`tenant(..)` in `#[require_scopes]`), or for none.
    /// `403 insufficient_scope`, without a `scope` attribute.
    #[error("{0}")]
    TenantMismatch(TenantMismatch),
    /// The handler's authorization settings do not fit the route it is
    /// served on (a tenant binding names a path parameter the route does not
    /// have). `500`; logged once per handler; the response names the handler
    /// only in debug builds.
    #[error("{}", misconfigured_handler(.0))]
    HandlerMisconfigured(MisconfiguredHandler),
}

/// The description of [`AuthError::HandlerMisconfigured`]: what is wrong in
/// debug builds, nothing about the server's setup in release builds.
fn misconfigured_handler(error: &MisconfiguredHandler) -> String {
    if cfg!(debug_assertions) {
        format!(
            "authorization is misconfigured for this endpoint: {error} (this hint is only shown in debug builds)"
        )
    } else {
        "authorization is misconfigured for this endpoint".to_owned()
    }
}

/// The description of [`AuthError::Misconfigured`]: the fix in debug builds,
/// nothing about the server's setup in release builds.
#[cfg(debug_assertions)]
const MISCONFIGURED: &str = "authorization is not configured on this server: no scopegate \
    Authenticator is registered as app data; add `App::new().app_data(authenticator)` \
    (this hint is only shown in debug builds)";
#[cfg(not(debug_assertions))]
const MISCONFIGURED: &str = "authorization is not configured on this server";

impl From<TokenError> for AuthError {
    fn from(reason: TokenError) -> Self {
        AuthError::InvalidToken(reason)
    }
}

impl From<RequestError> for AuthError {
    fn from(reason: RequestError) -> Self {
        AuthError::InvalidRequest(reason)
    }
}
