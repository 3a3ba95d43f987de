//! Revocation at the dev issuer: `POST /oauth/revoke` (RFC 7009), and the
//! revocations published when an API client is deleted or loses a secret.
//!
//! Every rule published is scoped to this issuer's URL
//! ([`Revocation::issued_by`]), so that an API trusting other issuers too
//! does not refuse their tokens that carry the same `jti` or `client_id`.
//!
//! The issuer publishes to the [`RevocationStore`] given to
//! [`DevIssuerBuilder::revocation_store`](crate::DevIssuerBuilder::revocation_store)
//! (a `MemoryRevocations` for one process, a `RedisRevocations` shared by
//! every replica of an API). Without one, the endpoint answers
//! `400 unsupported_token_type`: the issuer's access tokens are
//! self-contained JWTs, which it cannot revoke alone.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt;
use scopegate_core::revocation::EXPIRY_MARGIN;
use scopegate_core::revocation::{Revocation, RevocationStore};
use scopegate_wire::clock::unix_now;

use crate::error::{DevError, printable};
use crate::http::{no_store, parse_form, read_body, require_content_type};
use crate::state::State;
use crate::token_endpoint::authenticated_client;

/// The largest revocation request body read.
const MAX_BODY: usize = 16 * 1024;

/// `POST /oauth/revoke`: the client authenticates as at the token
/// endpoint; `token` is required, `token_type_hint` optional (RFC 7009
/// §2.1). A token that is invalid, expired beyond the most leeway an
/// authenticator allows ([`EXPIRY_MARGIN`]) or not this issuer's is
/// answered `200` with nothing done (§2.2). A client may revoke its own
/// tokens; the management client any token.
pub(crate) async fn revoke(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    require_content_type(&req, "application/x-www-form-urlencoded")?;
    let body = read_body(payload, MAX_BODY).await?;
    let params = parse_form(&body)?;
    let grant = authenticated_client(&req, &params, &state)?;
    let token = params
        .get("token")
        .ok_or_else(|| DevError::invalid_request("the `token` parameter is missing"))?;
    // An unknown `token_type_hint` is ignored (RFC 7009 §2.1); this issuer
    // has access tokens only, and looks there whatever the hint.
    let Some(store) = state.revocation_store() else {
        return Err(DevError::UnsupportedTokenType(
            "this issuer has no revocation store: its access tokens cannot be revoked".into(),
        ));
    };
    // Verified with the most leeway any authenticator may allow on `exp`:
    // a token an API with that leeway still accepts must be revocable,
    // though it has expired here.
    let claims = match state.verify_own_token(token, EXPIRY_MARGIN).await {
        Ok(claims) => claims,
        Err(error) => {
            tracing::debug!(%error, "revocation of a token that is not valid: nothing to do");
            return Ok(done());
        }
    };
    if claims.client_id() != Some(grant.client_id.as_str()) && !state.is_admin(&grant.client_id) {
        return Err(DevError::UnauthorizedClient(
            "the token was not issued to this client".into(),
        ));
    }
    let Some(jti) = claims.jti() else {
        // Validators refuse such tokens in revocation-checked handlers.
        return Ok(done());
    };
    let rule = Revocation::token(jti, claims.exp()).issued_by(state.url());
    publish(store.as_ref(), rule).await?;
    tracing::info!(client_id = grant.client_id, "dev issuer revoked a token");
    Ok(done())
}

/// `200` with an empty body (RFC 7009 §2.2).
fn done() -> HttpResponse {
    no_store(StatusCode::OK).finish()
}

/// Publishes `revocation`, or says why it could not be (`503`).
async fn publish(store: &dyn RevocationStore, revocation: Revocation) -> Result<(), DevError> {
    store.revoke(revocation).await.map_err(|error| {
        tracing::warn!(%error, "the dev issuer could not publish a revocation");
        DevError::Unavailable(format!("the revocation could not be published: {error}"))
    })
}

/// The rule published when `client_id` is deleted or loses a secret: every
/// token this issuer issued to it up to this second, the current one
/// included (a token issued later in the same second is covered too, and
/// must be fetched again a second later). Scoped to this issuer: another
/// trusted issuer's client of the same id is not touched.
fn client_rule(state: &State, client_id: &str) -> Revocation {
    Revocation::client(client_id, unix_now().saturating_add(1)).issued_by(state.url())
}

/// Before a client of `org_id` is deleted, or loses `secret_id`: checks
/// that it (and the secret) exist, then revokes every token issued to it.
/// Without a revocation store, nothing is published.
pub(crate) async fn before_client_change(
    state: &State,
    org_id: &str,
    client_id: &str,
    secret_id: Option<&str>,
) -> Result<(), DevError> {
    let client = state.clients().get(org_id, client_id)?;
    if let Some(secret_id) = secret_id
        && !client.secrets.iter().any(|s| s.id == secret_id)
    {
        return Err(DevError::NotFound(format!(
            "client `{}` has no secret `{}`",
            printable(client_id),
            printable(secret_id)
        )));
    }
    if let Some(store) = state.revocation_store() {
        publish(store.as_ref(), client_rule(state, client_id)).await?;
        tracing::info!(
            client_id = printable(client_id),
            "dev issuer revoked the tokens of a client"
        );
    }
    Ok(())
}

/// After a client was deleted, or lost a secret, through the in-process
/// API (which cannot wait): revokes every token issued to it, at once when
/// the store answers without waiting (`MemoryRevocations`), else in a task
/// on the current Tokio runtime.
pub(crate) fn after_client_change(state: &State, client_id: &str) {
    let Some(store) = state.revocation_store() else {
        return;
    };
    let rule = client_rule(state, client_id);
    let mut publishing = async move { publish(store.as_ref(), rule).await }.boxed();
    if (&mut publishing).now_or_never().is_some() {
        return;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn(publishing)),
        Err(_) => tracing::error!(
            client_id = printable(client_id),
            "no Tokio runtime to publish a client's revocation on"
        ),
    }
}
