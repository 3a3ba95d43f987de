//! What an [`AuthError`] is on the wire, whatever the framework (RFC 6750
//! §3): its status, its OAuth error code, its `WWW-Authenticate`
//! challenge as typed parameters, and its `Retry-After`. Each adapter
//! renders these; none decides them.

use super::AuthError;
use super::challenge::Challenge;

impl AuthError {
    /// The HTTP status this error is answered with: `401` for a missing or
    /// invalid token, `400` for a malformed request, `403` for a valid
    /// token that may not do what was asked, `503` while keys or
    /// revocation rules cannot be had, `500` for a server misconfiguration.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::MissingToken | AuthError::InvalidToken(_) => 401,
            AuthError::InvalidRequest(_) => 400,
            AuthError::InsufficientScope { .. }
            | AuthError::ClaimMismatch(_)
            | AuthError::TenantMismatch(_) => 403,
            AuthError::KeysUnavailable { .. } | AuthError::RevocationUnavailable { .. } => 503,
            AuthError::Misconfigured | AuthError::HandlerMisconfigured(_) => 500,
        }
    }

    /// The `Retry-After` of this error, for the `503`s.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            AuthError::KeysUnavailable { retry_after }
            | AuthError::RevocationUnavailable { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The OAuth error code of this error, as sent in `error=`.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "missing_token",
            AuthError::InvalidRequest(_) => "invalid_request",
            AuthError::InvalidToken(_) => "invalid_token",
            AuthError::InsufficientScope { .. }
            | AuthError::ClaimMismatch(_)
            | AuthError::TenantMismatch(_) => "insufficient_scope",
            AuthError::KeysUnavailable { .. } | AuthError::RevocationUnavailable { .. } => {
                "temporarily_unavailable"
            }
            AuthError::Misconfigured | AuthError::HandlerMisconfigured(_) => "server_error",
        }
    }

    /// The `WWW-Authenticate` challenge for this error, if it has one, as
    /// typed parameters (a server error or an unavailable dependency has
    /// none).
    pub fn bearer_challenge(&self) -> Option<Challenge> {
        let described = || {
            Challenge::bearer()
                .error(self.code())
                .description(self.to_string())
        };
        match self {
            AuthError::MissingToken => Some(Challenge::bearer()),
            AuthError::InvalidRequest(_) | AuthError::InvalidToken(_) => Some(described()),
            AuthError::InsufficientScope { scope, .. } => Some(described().scope(scope.as_str())),
            // RFC 6750 §3.1's code for "the request requires higher
            // privileges than provided by the access token", without a
            // `scope` attribute: no scope would help.
            AuthError::ClaimMismatch(_) | AuthError::TenantMismatch(_) => Some(described()),
            AuthError::KeysUnavailable { .. }
            | AuthError::RevocationUnavailable { .. }
            | AuthError::Misconfigured
            | AuthError::HandlerMisconfigured(_) => None,
        }
    }

    /// The `WWW-Authenticate` challenge for this error, if it has one, as
    /// the header's text ([`bearer_challenge`](Self::bearer_challenge)
    /// rendered).
    pub fn challenge(&self) -> Option<String> {
        self.bearer_challenge()
            .map(|challenge| challenge.to_string())
    }
}
