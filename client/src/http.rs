//! The HTTP pieces both clients share: checked endpoint URLs, appending
//! path segments, and a reqwest client that does not follow redirects.

use std::time::Duration;

use reqwest::Url;

use crate::error::ClientError;
use scopegate_wire::url_policy::UrlPolicyError;

/// The reqwest client a builder ends with: the one it was given, or a new
/// one that does not follow redirects. Refuses a zero request `timeout`
/// (the timeout itself is set on each request).
pub(crate) fn http_client(
    given: Option<reqwest::Client>,
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client, ClientError> {
    if timeout.is_zero() {
        return Err(ClientError::InvalidInput(
            "the request timeout must be above zero".into(),
        ));
    }
    match given {
        Some(http) => Ok(http),
        None => no_redirects(connect_timeout),
    }
}

/// A reqwest client that does not follow redirects (a redirected `POST`
/// would lose or resend its credentials).
fn no_redirects(connect_timeout: Duration) -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ClientError::HttpClient(std::sync::Arc::new(e)))
}

/// Parses `text` as an `https` URL (or `http` on loopback, or anywhere when
/// `allow_http`), without a trailing slash, query or fragment.
pub(crate) fn checked_url(
    field: &'static str,
    text: &str,
    allow_http: bool,
) -> Result<Url, ClientError> {
    let text = text.trim().trim_end_matches('/');
    let url = scopegate_wire::url_policy::checked_url(text, allow_http, Some("allow_http(true)"))
        .map_err(|reason| ClientError::InvalidUrl { field, reason })?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ClientError::InvalidUrl {
            field,
            reason: UrlPolicyError::QueryOrFragment,
        });
    }
    Ok(url)
}

/// `base` with `segments` appended to its path, each percent-encoded.
pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert!(checked_url("u", "https://a.example", false).is_ok());
        assert!(checked_url("u", "http://127.0.0.1:8080", false).is_ok());
        assert!(checked_url("u", "http://[::1]:8080", false).is_ok());
        assert!(checked_url("u", "http://localhost:1", false).is_ok());
        assert!(checked_url("u", "http://a.example", false).is_err());
        assert!(checked_url("u", "http://a.example", true).is_ok());
        assert!(checked_url("u", "ftp://a.example", true).is_err());
        assert!(checked_url("u", "https://user:pw@a.example", false).is_err());
        assert!(checked_url("u", "https://a.example/?x=1", false).is_err());
        assert!(checked_url("u", "not a url", false).is_err());
    }

    #[test]
    fn join_keeps_a_base_path_and_encodes_segments() {
        let base = checked_url("u", "https://a.example/base/", false).unwrap();
        assert_eq!(
            join(&base, &["oauth", "token"]).as_str(),
            "https://a.example/base/oauth/token"
        );
        assert_eq!(
            join(&base, &["a/b", "c d"]).as_str(),
            "https://a.example/base/a%2Fb/c%20d"
        );
    }
}
