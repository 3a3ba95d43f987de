//! Which URLs scopegate talks to: `https`, or plain `http` on loopback (or
//! anywhere when the user allows it), never with credentials in the URL.
//! Shared by the authenticator's JWKS settings and the client side.

use reqwest::Url;

/// Parses `text` and applies the policy; the error says what is wrong, for
/// the caller to wrap in its own error type.
pub(crate) fn checked_url(text: &str, allow_http: bool) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| e.to_string())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it must not carry credentials".into());
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || is_loopback(&url) => Ok(url),
        "http" => Err(
            "plain http is only allowed for loopback hosts; use https (or allow_http(true))".into(),
        ),
        other => Err(format!("the scheme must be https, not `{other}`")),
    }
}

/// `localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some("[::1]") => true,
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::checked_url;

    #[test]
    fn https_everywhere_http_on_loopback_only() {
        assert!(checked_url("https://acme.scalekit.dev", false).is_ok());
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost",
            "http://LOCALHOST:1",
            "http://[::1]:9",
        ] {
            assert!(checked_url(ok, false).is_ok(), "{ok}");
        }
        assert!(checked_url("http://acme.example", false).is_err());
        assert!(checked_url("http://acme.example", true).is_ok());
        assert!(checked_url("ftp://acme.example", true).is_err());
        assert!(checked_url("https://user:pw@acme.example", false).is_err());
        assert!(checked_url("not a url", false).is_err());
    }
}
