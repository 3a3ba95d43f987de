//! Which URLs scopegate talks to: `https`, or plain `http` on loopback (or
//! anywhere when the user allows it), never with credentials in the URL.
//! One policy for the authenticator's key source and the client side.

use url::Url;

/// Why a URL was refused by [`checked_url`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlPolicyError {
    /// The text is not an absolute URL.
    #[error("`{text}` is not an absolute URL ({source}){hint}", hint = scheme_hint(text))]
    Invalid {
        /// The text as given, shortened for messages.
        text: String,
        /// What the URL parser said.
        #[source]
        source: url::ParseError,
    },
    /// The URL carries a user name or password.
    #[error("the URL must not carry credentials")]
    Credentials,
    /// Plain `http` to a host that is not loopback, without the opt-in.
    #[error("plain http is only allowed for loopback hosts; use https{opt_in}", opt_in = opt_in.as_deref().map(|o| format!(" (or {o})")).unwrap_or_default())]
    PlainHttp {
        /// How the caller may allow it, for example `allow_http(true)`, when
        /// the caller has such a switch.
        opt_in: Option<String>,
    },
    /// A scheme other than `https` or `http`.
    #[error("the scheme must be https, not `{0}`")]
    Scheme(String),
    /// A query or a fragment on a URL that paths are appended to (a base
    /// URL, an environment URL).
    #[error("it must not have a query or a fragment")]
    QueryOrFragment,
}

fn scheme_hint(text: &str) -> &'static str {
    if !text.contains("://") {
        "; add the scheme, for example `https://`"
    } else {
        ""
    }
}

/// Parses `text` and applies the policy. `allow_http` lifts the loopback
/// restriction on plain `http`; `opt_in` names the caller's switch for it
/// (it is quoted in the error when the policy refuses plain `http`).
pub fn checked_url(
    text: &str,
    allow_http: bool,
    opt_in: Option<&str>,
) -> Result<Url, UrlPolicyError> {
    let url = Url::parse(text).map_err(|source| UrlPolicyError::Invalid {
        text: crate::text::printable(text, 100),
        source,
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlPolicyError::Credentials);
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || is_loopback(&url) => Ok(url),
        "http" => Err(UrlPolicyError::PlainHttp {
            opt_in: opt_in.map(str::to_owned),
        }),
        other => Err(UrlPolicyError::Scheme(other.to_owned())),
    }
}

/// `localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_everywhere_http_on_loopback_only() {
        assert!(checked_url("https://acme.scalekit.dev", false, None).is_ok());
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost",
            "http://LOCALHOST:1",
            "http://[::1]:9",
        ] {
            assert!(checked_url(ok, false, None).is_ok(), "{ok}");
        }
        assert!(matches!(
            checked_url("http://acme.example", false, None),
            Err(UrlPolicyError::PlainHttp { opt_in: None })
        ));
        assert!(checked_url("http://acme.example", true, None).is_ok());
        assert!(matches!(
            checked_url("ftp://acme.example", true, None),
            Err(UrlPolicyError::Scheme(s)) if s == "ftp"
        ));
        assert_eq!(
            checked_url("https://user:pw@acme.example", false, None),
            Err(UrlPolicyError::Credentials)
        );
        assert!(matches!(
            checked_url("not a url", false, None),
            Err(UrlPolicyError::Invalid { .. })
        ));
    }

    #[test]
    fn messages_say_the_fix() {
        let missing_scheme = checked_url("acme.scalekit.dev", false, None).unwrap_err();
        assert!(
            missing_scheme.to_string().contains("add the scheme"),
            "{missing_scheme}"
        );
        let http = checked_url("http://acme.example", false, Some("--allow-http")).unwrap_err();
        assert!(http.to_string().ends_with("(or --allow-http)"), "{http}");
        let plain = checked_url("http://acme.example", false, None).unwrap_err();
        assert!(!plain.to_string().contains("(or"), "{plain}");
    }
}
