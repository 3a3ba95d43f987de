//! Why a token or a management call failed.

use std::fmt;
use std::sync::Arc;

use scopegate_grammar::ScopeError;
use scopegate_wire::url_policy::UrlPolicyError;

/// Why the [`TokenClient`](crate::TokenClient) or the
/// [`AdminClient`](crate::AdminClient) failed.
///
/// The variants separate what the caller can act on: its own input or
/// configuration ([`MissingEnv`](Self::MissingEnv),
/// [`InvalidUrl`](Self::InvalidUrl), [`InvalidScope`](Self::InvalidScope),
/// [`InvalidInput`](Self::InvalidInput)), a refusal by the server
/// ([`Rejected`](Self::Rejected), [`Api`](Self::Api)), and a server that
/// could not be reached or kept failing after the retries
/// ([`Network`](Self::Network), [`Unavailable`](Self::Unavailable); see
/// [`is_transient`](Self::is_transient)). No variant ever holds a secret or
/// a token. It is `Clone`, so that callers sharing one token fetch share its
/// error too.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A required environment variable is unset or empty.
    #[error("the environment variable {name} is not set{}", or_fallback(*.fallback))]
    MissingEnv {
        /// The variable read first.
        name: &'static str,
        /// The variable read when `name` is unset, if any.
        fallback: Option<&'static str>,
    },
    /// A URL setting is not a usable URL.
    #[error("{field} is not a usable URL: {reason}")]
    InvalidUrl {
        /// Which setting.
        field: &'static str,
        /// What is wrong with it.
        #[source]
        reason: UrlPolicyError,
    },
    /// A scope does not follow the `resource:action` grammar; nothing was
    /// sent.
    #[error("`{scope}` is not a valid scope: {source}")]
    InvalidScope {
        /// The scope as given.
        scope: String,
        /// Which rule it breaks.
        source: ScopeError,
    },
    /// Some other input is unusable (an empty id, a page size of zero, an
    /// update with nothing to change); nothing was sent.
    #[error("{0}")]
    InvalidInput(String),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(#[source] Arc<reqwest::Error>),
    /// The server could not be reached (connection refused, DNS, TLS,
    /// timeout), even after retrying.
    #[error("could not reach {url} ({attempts} attempt(s)): {reason}")]
    Network {
        /// The URL asked (it never holds a secret).
        url: String,
        /// How many requests were sent.
        attempts: u32,
        /// The innermost cause, in words.
        reason: String,
        /// The error from the HTTP client.
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// The token endpoint refused the request (`400`/`401`/`403`...): wrong
    /// credentials (`invalid_client`), a scope the client may not have
    /// (`invalid_scope`)... Never retried.
    #[error("the token endpoint refused the request: {0}")]
    Rejected(ServerError),
    /// The revocation endpoint (RFC 7009) refused the request (`4xx`):
    /// wrong credentials (`invalid_client`), a token of another client,
    /// an issuer that cannot revoke (`unsupported_token_type`)... Never
    /// retried.
    #[error("the revocation endpoint refused the request: {0}")]
    RevocationRefused(ServerError),
    /// The management API refused the request (`4xx`): not found, invalid
    /// field, forbidden...
    #[error("the management API refused the request: {0}")]
    Api(ServerError),
    /// The server kept answering with a server error (`5xx`) or `429`, and
    /// the retries ran out (or the request was not safe to repeat).
    #[error("the server failed: {0}")]
    Unavailable(ServerError),
    /// The server answered `2xx` with something that is not what the wire
    /// format says.
    #[error("{what} sent an unexpected response: {reason}")]
    InvalidResponse {
        /// Which endpoint.
        what: &'static str,
        /// What was wrong with it.
        reason: String,
    },
}

fn or_fallback(fallback: Option<&'static str>) -> String {
    fallback.map(|f| format!(" (nor {f})")).unwrap_or_default()
}

impl ClientError {
    /// The HTTP status the server answered, when it answered.
    pub fn status(&self) -> Option<u16> {
        self.server_error().map(|e| e.status)
    }

    /// The server's error details, when it answered with an error.
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            ClientError::Rejected(e)
            | ClientError::RevocationRefused(e)
            | ClientError::Api(e)
            | ClientError::Unavailable(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the failure is on the network or the server's side and may
    /// go away by itself ([`Network`](Self::Network),
    /// [`Unavailable`](Self::Unavailable)).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Network { .. } | ClientError::Unavailable(_)
        )
    }

    pub(crate) fn network(url: &reqwest::Url, attempts: u32, error: reqwest::Error) -> Self {
        ClientError::Network {
            url: url_for_message(url),
            attempts,
            reason: innermost_cause(&error),
            source: Arc::new(error.without_url()),
        }
    }
}

/// A URL as shown in messages: without user info, query or fragment.
pub(crate) fn url_for_message(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// The deepest `source()` of an error, which is where reqwest keeps the
/// words that help ("Connection refused", "operation timed out").
fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    if let Some(timeout) = timeout_hint(error) {
        return timeout;
    }
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

fn timeout_hint(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    error
        .downcast_ref::<reqwest::Error>()
        .filter(|e| e.is_timeout())
        .map(|_| "the request timed out".to_owned())
}

/// What a server said when it answered with an error status.
///
/// The token endpoint answers RFC 6749 §5.2 `{"error", "error_description"}`;
/// management APIs answer either that shape or `{"code", "message"}`. Both
/// land here. Texts are cut to a few hundred printable characters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerError {
    /// The HTTP status.
    pub status: u16,
    /// The error code: OAuth `error` (e.g. `invalid_client`), or the API's
    /// `code`.
    pub error: Option<String>,
    /// The human-readable explanation: `error_description` or `message`
    /// (or the start of a plain-text body).
    pub description: Option<String>,
    /// The input field at fault, when the server names one.
    pub field: Option<String>,
    /// How many requests were sent before giving up.
    pub attempts: u32,
}

impl ServerError {
    /// Reads an error body (any shape, possibly empty or not JSON).
    pub(crate) fn from_body(status: u16, body: &[u8], attempts: u32) -> Self {
        let mut error = ServerError {
            status,
            error: None,
            description: None,
            field: None,
            attempts,
        };
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => {
                let text = |key: &str| match map.get(key) {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => Some(printable(s)),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                };
                error.error = text("error").or_else(|| text("code"));
                error.description = text("error_description").or_else(|| text("message"));
                error.field = text("field");
            }
            _ => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if !text.is_empty() {
                    error.description = Some(printable(text));
                }
            }
        }
        error
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.error {
            write!(f, " {code}")?;
        }
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// Keeps server-sent text short and printable before it goes into a
/// message.
pub(crate) fn printable(text: &str) -> String {
    scopegate_wire::text::readable(text, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_oauth_and_api_error_shapes() {
        let oauth = ServerError::from_body(
            401,
            br#"{"error":"invalid_client","error_description":"wrong secret"}"#,
            1,
        );
        assert_eq!(oauth.error.as_deref(), Some("invalid_client"));
        assert_eq!(oauth.description.as_deref(), Some("wrong secret"));
        assert_eq!(oauth.to_string(), "HTTP 401 invalid_client: wrong secret");

        let api = ServerError::from_body(404, br#"{"code":5,"message":"client not found"}"#, 1);
        assert_eq!(api.error.as_deref(), Some("5"));
        assert_eq!(api.description.as_deref(), Some("client not found"));

        let plain = ServerError::from_body(503, b"  upstream down\n", 3);
        assert_eq!(
            plain.to_string(),
            "HTTP 503: upstream down (after 3 attempts)"
        );
        assert_eq!(ServerError::from_body(500, b"", 1).to_string(), "HTTP 500");
    }

    #[test]
    fn long_or_control_text_is_tamed() {
        let long = "x".repeat(1000);
        assert_eq!(printable(&long).len(), 303);
        assert_eq!(printable("a\nb\u{7}"), "a b ");
    }

    #[test]
    fn missing_env_names_the_fallback() {
        let error = ClientError::MissingEnv {
            name: "SCOPEGATE_CLIENT_ID",
            fallback: Some("SCALEKIT_CLIENT_ID"),
        };
        assert_eq!(
            error.to_string(),
            "the environment variable SCOPEGATE_CLIENT_ID is not set (nor SCALEKIT_CLIENT_ID)"
        );
    }
}
