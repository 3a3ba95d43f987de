//! The dev issuer's errors, how each is said on the wire, and how a
//! caller-chosen string is quoted in their messages ([`printable`]).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use scopegate_core::AuthError;

/// The `realm` of the `WWW-Authenticate: Basic` challenge sent with
/// `invalid_client`.
pub(crate) const BASIC_REALM: &str = "Basic realm=\"scopegate-dev\"";

/// Why the dev issuer refused a request (over HTTP or in process).
///
/// Every variant knows its HTTP status ([`DevError::status`]) and its error
/// code ([`DevError::code`]): the OAuth 2.0 codes of RFC 6749 §5.2 for the
/// token endpoint, RFC 6750 codes for the management API's bearer check, and
/// short snake-case codes for the rest. On the wire the body is JSON
/// `{"error", "error_description"}`, plus `"field"` when one input field is
/// at fault. No variant ever holds a secret or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DevError {
    /// The request is malformed: a missing or repeated parameter, bad JSON,
    /// a value that breaks a rule. `400 invalid_request`.
    #[error("{description}")]
    InvalidRequest {
        /// What is wrong, for a developer.
        description: String,
        /// The input field at fault, e.g. `scopes[1]`, when there is one.
        field: Option<String>,
    },
    /// Client authentication failed: unknown client, wrong or removed
    /// secret, no credentials. `401 invalid_client` with
    /// `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    #[error("{0}")]
    InvalidClient(String),
    /// The `grant_type` is not `client_credentials`.
    /// `400 unsupported_grant_type`.
    #[error("{0}")]
    UnsupportedGrantType(String),
    /// The requested scope is not among the client's scopes.
    /// `400 invalid_scope`.
    #[error("{0}")]
    InvalidScope(String),
    /// The management API's bearer token is missing or invalid: answered as
    /// the runtime answers (RFC 6750 §3, `401`/`400`).
    #[error(transparent)]
    Unauthorized(AuthError),
    /// The bearer token is valid but not the management client's.
    /// `403 access_denied`.
    #[error("{0}")]
    Forbidden(String),
    /// No such organization, client, secret or endpoint. `404 not_found`.
    #[error("{0}")]
    NotFound(String),
    /// The method is not served on this path. `405 method_not_allowed`.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request body is larger than the endpoint accepts.
    /// `413 invalid_request`.
    #[error("the request body is larger than the {0} bytes this endpoint accepts")]
    PayloadTooLarge(usize),
    /// The request body has the wrong `Content-Type`.
    /// `415 invalid_request`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A limit of the in-memory store was reached (clients, secrets,
    /// organizations). `409 limit_reached`.
    #[error("{0}")]
    LimitReached(String),
    /// The request would break a uniqueness rule (an organization's
    /// `external_id` already used in the environment). `409 conflict`.
    #[error("{description}")]
    Conflict {
        /// What is taken, for a developer.
        description: String,
        /// The input field at fault, e.g. `external_id`.
        field: Option<String>,
    },
    /// The issuer failed on its own (signing, key generation).
    /// `500 server_error`.
    #[error("{0}")]
    Internal(String),
    /// The revocation endpoint cannot revoke this kind of token (RFC 7009
    /// §2.2.1). `400 unsupported_token_type`.
    #[error("{0}")]
    UnsupportedTokenType(String),
    /// The client may not revoke this token: it was issued to another
    /// client. `400 unauthorized_client`.
    #[error("{0}")]
    UnauthorizedClient(String),
    /// A revocation could not be published to the revocation store.
    /// `503 temporarily_unavailable` with `Retry-After: 1`.
    #[error("{0}")]
    Unavailable(String),
}

impl DevError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            DevError::InvalidRequest { .. }
            | DevError::UnsupportedGrantType(_)
            | DevError::InvalidScope(_)
            | DevError::UnsupportedTokenType(_)
            | DevError::UnauthorizedClient(_) => StatusCode::BAD_REQUEST,
            DevError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
            DevError::Unauthorized(error) => error.status_code(),
            DevError::Forbidden(_) => StatusCode::FORBIDDEN,
            DevError::NotFound(_) => StatusCode::NOT_FOUND,
            DevError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            DevError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            DevError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            DevError::LimitReached(_) | DevError::Conflict { .. } => StatusCode::CONFLICT,
            DevError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            DevError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The error code sent as `error` in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            DevError::InvalidRequest { .. }
            | DevError::PayloadTooLarge(_)
            | DevError::UnsupportedMediaType(_) => "invalid_request",
            DevError::InvalidClient(_) => "invalid_client",
            DevError::UnsupportedGrantType(_) => "unsupported_grant_type",
            DevError::InvalidScope(_) => "invalid_scope",
            DevError::Unauthorized(error) => error.code(),
            DevError::Forbidden(_) => "access_denied",
            DevError::NotFound(_) => "not_found",
            DevError::MethodNotAllowed(_) => "method_not_allowed",
            DevError::LimitReached(_) => "limit_reached",
            DevError::Conflict { .. } => "conflict",
            DevError::Internal(_) => "server_error",
            DevError::UnsupportedTokenType(_) => "unsupported_token_type",
            DevError::UnauthorizedClient(_) => "unauthorized_client",
            DevError::Unavailable(_) => "temporarily_unavailable",
        }
    }

    /// The input field at fault, for [`DevError::InvalidRequest`] and
    /// [`DevError::Conflict`].
    pub fn field(&self) -> Option<&str> {
        match self {
            DevError::InvalidRequest { field, .. } | DevError::Conflict { field, .. } => {
                field.as_deref()
            }
            _ => None,
        }
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        DevError::InvalidRequest {
            description: description.into(),
            field: None,
        }
    }

    /// An invalid field: the description starts with the field's name.
    pub(crate) fn invalid_field(field: impl Into<String>, problem: impl std::fmt::Display) -> Self {
        let field = field.into();
        DevError::InvalidRequest {
            description: format!("{field}: {problem}"),
            field: Some(field),
        }
    }
}

impl From<AuthError> for DevError {
    fn from(error: AuthError) -> Self {
        DevError::Unauthorized(error)
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ResponseError for DevError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let DevError::Unauthorized(error) = self {
            return error.error_response();
        }
        let mut response = HttpResponse::build(self.status());
        // RFC 6749 §5.1/§5.2: token endpoint answers are never cached; the
        // management API's answers hold client data, so neither.
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        response.insert_header((header::PRAGMA, "no-cache"));
        if let DevError::InvalidClient(_) = self {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(BASIC_REALM),
            ));
        }
        if let DevError::Unavailable(_) = self {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        response.json(ErrorBody {
            error: self.code(),
            error_description: self.to_string(),
            field: self.field(),
        })
    }
}

/// Keeps a caller-chosen string short and printable before it goes into a
/// message or the log.
pub(crate) fn printable(text: &str) -> String {
    scopegate_wire::text::printable(text, 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lead_their_description() {
        let error = DevError::invalid_field("scopes[1]", "`a` has no `:`");
        assert_eq!(error.to_string(), "scopes[1]: `a` has no `:`");
        assert_eq!(error.field(), Some("scopes[1]"));
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.code(), "invalid_request");
    }

    #[test]
    fn invalid_client_challenges_with_basic() {
        let response = DevError::InvalidClient("unknown client".into()).error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers().get(header::WWW_AUTHENTICATE);
        assert_eq!(challenge.and_then(|v| v.to_str().ok()), Some(BASIC_REALM));
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
    }
}
