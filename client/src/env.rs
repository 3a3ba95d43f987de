//! The environment variables both clients read: their names, reading one
//! (set and not blank), and splitting a list value.

/// Full URL of the token endpoint, when it is not `<env>/oauth/token`.
pub const ENV_CLIENT_TOKEN_URL: &str = "SCOPEGATE_CLIENT_TOKEN_URL";
/// The environment (issuer) URL; the token endpoint is
/// `<url>/oauth/token`. Falls back to [`ENV_SCALEKIT_ENVIRONMENT_URL`].
pub const ENV_CLIENT_ENVIRONMENT_URL: &str = "SCOPEGATE_CLIENT_ENVIRONMENT_URL";
/// The API client's id. When unset, the pair `SCALEKIT_CLIENT_ID` /
/// `SCALEKIT_CLIENT_SECRET` is read instead.
pub const ENV_CLIENT_ID: &str = "SCOPEGATE_CLIENT_ID";
/// The API client's secret (read with [`ENV_CLIENT_ID`]).
pub const ENV_CLIENT_SECRET: &str = "SCOPEGATE_CLIENT_SECRET";
/// Optional scopes to request, separated by spaces or commas.
pub const ENV_CLIENT_SCOPES: &str = "SCOPEGATE_CLIENT_SCOPES";
/// Optional audience to request.
pub const ENV_CLIENT_AUDIENCE: &str = "SCOPEGATE_CLIENT_AUDIENCE";
/// The Scalekit environment URL, for the management API and as a
/// fallback for [`ENV_CLIENT_ENVIRONMENT_URL`].
pub const ENV_SCALEKIT_ENVIRONMENT_URL: &str = "SCALEKIT_ENVIRONMENT_URL";
/// The environment's own client id, for the management API.
pub const ENV_SCALEKIT_CLIENT_ID: &str = "SCALEKIT_CLIENT_ID";
/// The environment's own client secret, for the management API.
pub const ENV_SCALEKIT_CLIENT_SECRET: &str = "SCALEKIT_CLIENT_SECRET";

/// Reads one variable: set and not blank, trimmed.
pub(crate) fn var(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
/// Reads a secret: set and not empty, as written (a secret is not trimmed).
pub(crate) fn secret_var(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name).filter(|v| !v.is_empty())
}

/// Splits a list written with spaces and/or commas.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', ' ', '\t', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
