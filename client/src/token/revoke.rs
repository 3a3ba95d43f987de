//! [`TokenClient::revoke`]: token revocation (RFC 7009) with the client's
//! own credentials.

use std::time::Duration;

use reqwest::Url;

use super::{ClientAuth, TokenClient};
use crate::error::{ClientError, ServerError};
use crate::retry::{Exchange, Replay};

/// The largest revocation response read (it is normally empty).
const MAX_REVOKE_RESPONSE: usize = 16 * 1024;

impl TokenClient {
    /// The revocation endpoint: the token endpoint's sibling `revoke`
    /// (`<environment>/oauth/revoke` for `<environment>/oauth/token`).
    pub fn revocation_url(&self) -> Result<Url, ClientError> {
        self.inner
            .settings
            .token_url
            .join("revoke")
            .map_err(|error| ClientError::InvalidResponse {
                what: "the token endpoint's URL",
                reason: format!("no revocation URL beside it: {error}"),
            })
    }

    /// Revokes `token` (RFC 7009 §2.1) at the [revocation
    /// URL](Self::revocation_url), authenticating as this client does at
    /// the token endpoint, with `token_type_hint=access_token`. `Ok` when
    /// the server answered `200`, which it also does for a token that was
    /// invalid or already revoked (§2.2). If `token` is the token this
    /// client caches, the cache is dropped.
    ///
    /// Connection errors and `5xx` are retried (revoking twice is
    /// harmless); a `4xx` is [`ClientError::RevocationRefused`].
    ///
    /// ```no_run
    /// # async fn demo(tokens: scopegate_client::TokenClient) -> Result<(), scopegate_client::ClientError> {
    /// let token = tokens.token().await?;
    /// tokens.revoke(token.as_str()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke(&self, token: &str) -> Result<(), ClientError> {
        let settings = &self.inner.settings;
        let url = self.revocation_url()?;
        let mut form: Vec<(&str, &str)> =
            vec![("token", token), ("token_type_hint", "access_token")];
        if settings.auth == ClientAuth::Post {
            form.push(("client_id", &settings.client_id));
            form.push(("client_secret", settings.secret.expose()));
        }
        let exchange = Exchange {
            policy: &settings.retry,
            replay: Replay::Safe,
            what: "token revocation",
            url: &url,
            attempt_timeout: settings.timeout.max(Duration::from_millis(1)),
            max_body: MAX_REVOKE_RESPONSE,
        };
        let reply = exchange
            .run(|timeout| self.authenticated_post(&url, timeout, &form))
            .await?;
        if self.cached().is_some_and(|cached| cached.as_str() == token) {
            self.invalidate();
        }
        if reply.status.is_success() {
            tracing::debug!(client_id = self.client_id(), "token revoked");
            return Ok(());
        }
        let status = reply.status.as_u16();
        let error = ServerError::from_body(status, &reply.body, reply.attempts);
        if reply.status.is_server_error() || matches!(status, 408 | 429) {
            return Err(ClientError::Unavailable(error));
        }
        Err(ClientError::RevocationRefused(error))
    }
}
