//! `send_authorized`: a request with the client's bearer token, renewed once
//! on `401`.

use std::future::Future;

use reqwest::{RequestBuilder, Response, StatusCode};

use crate::error::ClientError;
use crate::token::TokenClient;

/// Sends a reqwest request with the [`TokenClient`]'s bearer token.
///
/// If the API answers `401` (the token was revoked, or expired earlier than
/// announced), a new token is fetched once and the request is sent once
/// more. That needs a copy of the request: a request whose body is a stream
/// cannot be copied ([`RequestBuilder::try_clone`]), and its `401` is
/// returned as is. Any other answer, `401` of the second try included, is
/// returned for the caller to read; only the failure to get a token or to
/// send the request is an error.
///
/// The builder should not already carry an `Authorization` header.
///
/// ```no_run
/// use scopegate_client::{SendAuthorized, TokenClient};
///
/// # async fn run(tokens: TokenClient) -> Result<(), scopegate_client::ClientError> {
/// let response = reqwest::Client::new()
///     .get("https://deploy.acmecorp.com/deployments")
///     .send_authorized(&tokens)
///     .await?;
/// assert!(response.status().is_success());
/// # Ok(()) }
/// ```
pub trait SendAuthorized {
    /// Sends the request with `Authorization: Bearer <token>`; on `401`,
    /// renews the token and sends it once more.
    fn send_authorized(
        self,
        tokens: &TokenClient,
    ) -> impl Future<Output = Result<Response, ClientError>> + Send;
}

impl SendAuthorized for RequestBuilder {
    async fn send_authorized(self, tokens: &TokenClient) -> Result<Response, ClientError> {
        let token = tokens.token().await?;
        let again = self.try_clone();
        let response = send(self.bearer_auth(token.as_str())).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(again) = again else {
            tracing::debug!(
                url = %super::error::url_for_message(response.url()),
                "401, but the request cannot be sent again (streamed body)"
            );
            return Ok(response);
        };
        tracing::debug!(
            url = %super::error::url_for_message(response.url()),
            client_id = tokens.client_id(),
            "the API refused the token (401); renewing it and trying once more"
        );
        drop(response);
        let renewed = tokens.refresh_rejected(&token).await?;
        send(again.bearer_auth(renewed.as_str())).await
    }
}

async fn send(request: RequestBuilder) -> Result<Response, ClientError> {
    let (client, request) = request.build_split();
    let request = request.map_err(|e| ClientError::InvalidInput(format!("{e}")))?;
    let url = request.url().clone();
    client
        .execute(request)
        .await
        .map_err(|e| ClientError::network(&url, 1, e))
}
