//! Exit codes, and how a failure maps to one.

use scopegate_client::ClientError;

/// Success.
pub const OK: u8 = 0;
/// The token, the credentials or the request was refused.
pub const REJECTED: u8 = 1;
/// A bad flag, a missing variable, a bad URL.
pub const USAGE: u8 = 2;
/// The server could not be reached or kept failing.
pub const NETWORK: u8 = 3;

/// A failure to report on stderr, with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        let code = match &error {
            ClientError::Rejected(_) | ClientError::Api(_) => REJECTED,
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
