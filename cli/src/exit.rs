//! Exit codes, and how a failure maps to one.

use scopegate_client::ClientError;
use scopegate_core::error::UrlPolicyError;

/// Success.
pub(crate) const OK: u8 = 0;
/// The token, the credentials or the request was refused.
pub(crate) const REJECTED: u8 = 1;
/// A bad flag, a missing variable, a bad URL.
pub(crate) const USAGE: u8 = 2;
/// The server could not be reached or kept failing.
pub(crate) const NETWORK: u8 = 3;

/// A failure to report on stderr, with its exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }
}

/// The CLI's switch for plain `http` to hosts other than loopback, named in
/// URL errors instead of the libraries' `allow_http(true)`.
pub(crate) const ALLOW_HTTP: &str = "--allow-http";

/// `reason`, with the libraries' hint for plain `http` replaced by the
/// CLI's: `opt_in` is the flag of the command that failed (`None`: the
/// command has none, and the message only says to use https).
pub(crate) fn url_reason(reason: &UrlPolicyError, opt_in: Option<&str>) -> String {
    match reason {
        UrlPolicyError::PlainHttp { .. } => UrlPolicyError::PlainHttp {
            opt_in: opt_in.map(str::to_owned),
        }
        .to_string(),
        other => other.to_string(),
    }
}

impl Failure {
    /// A client-library error, URL errors naming `opt_in` (the command's
    /// flag for plain `http`, if it has one).
    pub(crate) fn client(error: ClientError, opt_in: Option<&str>) -> Self {
        if let ClientError::InvalidUrl { field, reason } = &error {
            return Failure::usage(format!(
                "{field} is not a usable URL: {}",
                url_reason(reason, opt_in)
            ));
        }
        Failure::from(error)
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        if let ClientError::InvalidUrl { field, reason } = &error {
            // Commands that go through `?` have no flag for plain http.
            return Failure::usage(format!(
                "{field} is not a usable URL: {}",
                url_reason(reason, None)
            ));
        }
        let code = match &error {
            ClientError::Rejected(_) | ClientError::RevocationRefused(_) | ClientError::Api(_) => {
                REJECTED
            }
            ClientError::Network { .. }
            | ClientError::Unavailable(_)
            | ClientError::InvalidResponse { .. } => NETWORK,
            _ => USAGE,
        };
        let mut message = error.to_string();
        if let Some(server) = error.server_error()
            && let Some(field) = &server.field
            && !message.contains(field.as_str())
        {
            message.push_str(&format!(" (field `{field}`)"));
        }
        Failure { code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_errors_name_the_flag_of_the_cli() {
        let library = UrlPolicyError::PlainHttp {
            opt_in: Some("allow_http(true)".into()),
        };
        let with_flag = url_reason(&library, Some(ALLOW_HTTP));
        assert!(
            with_flag.ends_with("use https (or --allow-http)"),
            "{with_flag}"
        );
        let without = url_reason(&library, None);
        assert!(without.ends_with("use https"), "{without}");
        assert!(!without.contains("allow_http"));
    }
}
