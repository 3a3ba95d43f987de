//! How an [`AuthError`] is said on the wire (RFC 6750 §3): status code,
//! `WWW-Authenticate` challenge, `Cache-Control: no-store`, `Retry-After`
//! on a `503`, and a JSON body with `error` and `error_description`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::errors::AuthError;

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
    use crate::errors::{RequestError, TokenError};

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

    #[test]
    fn typed_reasons_render_their_text() {
        let error = AuthError::InvalidToken(TokenError::Expired { ago_secs: 7 });
        assert_eq!(
            error.challenge().as_deref(),
            Some("Bearer error=\"invalid_token\", error_description=\"the token expired 7 s ago\"")
        );
        assert_eq!(error.status_code(), StatusCode::UNAUTHORIZED);
        let error = AuthError::InvalidRequest(RequestError::MultipleAuthorizationHeaders);
        assert_eq!(
            error.challenge().as_deref(),
            Some(
                "Bearer error=\"invalid_request\", error_description=\"the request has more than one Authorization header\""
            )
        );
        assert_eq!(error.status_code(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn misconfigured_says_the_fix_in_debug_builds_only() {
        let text = AuthError::Misconfigured.to_string();
        assert!(text.starts_with("authorization is not configured on this server"));
        assert_eq!(
            text.contains("App::new().app_data(authenticator)"),
            cfg!(debug_assertions),
            "{text}"
        );
        assert_eq!(
            AuthError::Misconfigured.status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(AuthError::Misconfigured.challenge(), None);
    }
}
