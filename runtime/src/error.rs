//! Why a request is refused, and how that is said on the wire (RFC 6750 §3).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

/// Why a request was not authorized.
///
/// Every variant maps to one status code and one `WWW-Authenticate` challenge
/// (RFC 6750 §3). The text of a variant is the `error_description` sent to the
/// client: it helps a developer fix their client and never contains the token,
/// a key or a secret.
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
    InvalidRequest(String),
    /// The token is malformed, badly signed, expired, for another issuer or
    /// audience, or signed by an unknown key. `401 invalid_token`.
    #[error("{0}")]
    InvalidToken(String),
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
    /// be made. `503` with `Retry-After`.
    #[error("the issuer's signing keys are not available yet; retry later")]
    KeysUnavailable {
        /// How long the client should wait before retrying.
        retry_after: Duration,
    },
    /// The server is misconfigured (for example no `Authenticator` was
    /// registered as app data). `500`; the details go to the log only.
    #[error("authorization is not configured on this server")]
    Misconfigured,
}

impl AuthError {
    /// The OAuth error code of this error, as sent in `error=`.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "missing_token",
            AuthError::InvalidRequest(_) => "invalid_request",
            AuthError::InvalidToken(_) => "invalid_token",
            AuthError::InsufficientScope { .. } => "insufficient_scope",
            AuthError::KeysUnavailable { .. } => "temporarily_unavailable",
            AuthError::Misconfigured => "server_error",
        }
    }

    /// The `WWW-Authenticate` challenge for this error, if it has one.
    pub fn challenge(&self) -> Option<String> {
        let description = quoted_safe(&self.to_string());
        match self {
            AuthError::MissingToken => Some("Bearer".to_owned()),
            AuthError::InvalidRequest(_) | AuthError::InvalidToken(_) => Some(format!(
                "Bearer error=\"{}\", error_description=\"{description}\"",
                self.code()
            )),
            AuthError::InsufficientScope { scope, .. } => Some(format!(
                "Bearer error=\"insufficient_scope\", error_description=\"{description}\", scope=\"{}\"",
                quoted_safe(scope)
            )),
            AuthError::KeysUnavailable { .. } | AuthError::Misconfigured => None,
        }
    }

    pub(crate) fn invalid_token(reason: impl Into<String>) -> Self {
        AuthError::InvalidToken(reason.into())
    }

    pub(crate) fn invalid_request(reason: impl Into<String>) -> Self {
        AuthError::InvalidRequest(reason.into())
    }
}

/// Keeps only the characters RFC 6750 §3 allows inside a quoted
/// `error_description` or `scope` (%x20-21 / %x23-5B / %x5D-7E).
fn quoted_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: String,
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::MissingToken | AuthError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AuthError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            AuthError::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            AuthError::KeysUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::Misconfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(challenge) = self.challenge() {
            // `quoted_safe` leaves only visible ASCII and spaces, which are
            // always a valid header value; the fallback is never taken.
            let value = HeaderValue::from_str(&challenge)
                .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
            response.insert_header((header::WWW_AUTHENTICATE, value));
        }
        if let AuthError::KeysUnavailable { retry_after } = self {
            response.insert_header((
                header::RETRY_AFTER,
                retry_after.as_secs().max(1).to_string(),
            ));
        }
        response.json(ErrorBody {
            error: self.code(),
            error_description: self.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_made_safe_for_a_quoted_string() {
        assert_eq!(quoted_safe("a \"b\" \\ c\né"), "a 'b' / c??");
    }

    #[test]
    fn missing_token_has_a_bare_challenge() {
        assert_eq!(
            AuthError::MissingToken.challenge().as_deref(),
            Some("Bearer")
        );
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let error = AuthError::InsufficientScope {
            required: "deploy:applications".into(),
            scope: "deploy:applications".into(),
        };
        let challenge = error.challenge().unwrap();
        assert!(challenge.starts_with("Bearer error=\"insufficient_scope\""));
        assert!(challenge.ends_with("scope=\"deploy:applications\""));
        assert_eq!(error.status_code(), StatusCode::FORBIDDEN);
    }
}
