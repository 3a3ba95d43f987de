//! `POST /oauth/token`: the client-credentials grant (RFC 6749 §4.4), with
//! client authentication by HTTP Basic or form parameters (§2.3.1) and
//! errors per §5.2.
//!
//! The body is read with actix-web's own limit (16 KiB, see
//! [`read_body`]) and decoded strictly by [`parse_form`]: a token request
//! whose parameters were not properly encoded, or that repeats one, is
//! refused with `400 invalid_request` rather than authenticated with a
//! mangled secret.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::clients::Grant;
use crate::error::{DevError, printable};
use crate::http::{form_decode, no_store, parse_form, read_body, require_content_type};
use crate::state::State;

/// The largest token request body read.
const MAX_BODY: usize = 16 * 1024;

/// The successful response (RFC 6749 §5.1, as Scalekit's token endpoint
/// answers).
#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
}

pub(crate) async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    state.count_token_request();
    require_content_type(&req, "application/x-www-form-urlencoded")?;
    let body = read_body(payload, MAX_BODY).await?;
    let params = parse_form(&body)?;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| DevError::invalid_request("the `grant_type` parameter is missing"))?;
    if grant_type != "client_credentials" {
        return Err(DevError::UnsupportedGrantType(format!(
            "this issuer supports only `grant_type=client_credentials`, not `{}`",
            printable(grant_type)
        )));
    }
    let grant = authenticated_client(&req, &params, &state)?;
    let scopes = match params.get("scope") {
        None => grant.scopes.clone(),
        Some(requested) => {
            let mut scopes: Vec<String> = Vec::new();
            for scope in requested.split(' ').filter(|s| !s.is_empty()) {
                if !grant.scopes.iter().any(|s| s == scope) {
                    return Err(DevError::InvalidScope(format!(
                        "the scope `{}` is not granted to this client (its scopes: {})",
                        printable(scope),
                        grant.scopes.join(" ")
                    )));
                }
                if !scopes.iter().any(|s| s == scope) {
                    scopes.push(scope.to_owned());
                }
            }
            scopes
        }
    };
    let issued = state.issue(&grant, &scopes)?;
    tracing::info!(
        client_id = grant.client_id,
        scope = scopes.join(" "),
        "dev issuer issued a token"
    );
    Ok(no_store(StatusCode::OK)
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(TokenResponse {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
            scope: scopes.join(" "),
        }))
}

/// The client that authenticated the request (RFC 6749 §2.3.1), as the
/// token and revocation endpoints require it, or `401 invalid_client`.
pub(crate) fn authenticated_client(
    req: &HttpRequest,
    params: &BTreeMap<String, String>,
    state: &State,
) -> Result<Grant, DevError> {
    let (client_id, secret) = client_credentials(req, params)?;
    state
        .authenticate_client(&client_id, &secret)
        .ok_or_else(|| {
            tracing::debug!(
                client_id = printable(&client_id),
                path = req.path(),
                "request refused: client authentication failed"
            );
            DevError::InvalidClient(
                "client authentication failed: unknown client, deleted client, or wrong secret"
                    .into(),
            )
        })
}

/// The client's id and secret, from HTTP Basic or from the body, never both
/// (RFC 6749 §2.3.1: "MUST NOT use more than one authentication method").
fn client_credentials(
    req: &HttpRequest,
    params: &BTreeMap<String, String>,
) -> Result<(String, String), DevError> {
    let mut headers = req.headers().get_all(header::AUTHORIZATION);
    let authorization = headers.next();
    if headers.next().is_some() {
        return Err(DevError::invalid_request(
            "the request has more than one Authorization header",
        ));
    }
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    match authorization {
        Some(value) => {
            let (id, secret) = parse_basic(value)?;
            if body_secret.is_some() {
                return Err(DevError::invalid_request(
                    "the client authenticated twice (HTTP Basic and `client_secret` in the body); use one method",
                ));
            }
            if body_id.is_some_and(|body_id| *body_id != id) {
                return Err(DevError::invalid_request(
                    "the `client_id` in the body differs from the one in the Authorization header",
                ));
            }
            Ok((id, secret))
        }
        None => match (body_id, body_secret) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            (Some(_), None) => Err(DevError::InvalidClient(
                "the `client_secret` is missing; this issuer has no public clients".into(),
            )),
            (None, Some(_)) => Err(DevError::invalid_request("the `client_id` parameter is missing")),
            (None, None) => Err(DevError::InvalidClient(
                "no client credentials: send HTTP Basic, or `client_id` and `client_secret` in the body".into(),
            )),
        },
    }
}

/// Parses `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn parse_basic(value: &HeaderValue) -> Result<(String, String), DevError> {
    let bad = |why: &str| {
        DevError::InvalidClient(format!(
            "the Authorization header is not usable HTTP Basic: {why}"
        ))
    };
    let value = value.to_str().map_err(|_| bad("not visible ASCII"))?.trim();
    let (scheme, encoded) = value.split_once(' ').ok_or_else(|| bad("no credentials"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad("the token endpoint takes the Basic scheme only"));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad("not base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad("not UTF-8"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| bad("no `:` between id and secret"))?;
    let id = form_decode(id).ok_or_else(|| bad("the id is not form-encoded"))?;
    let secret = form_decode(secret).ok_or_else(|| bad("the secret is not form-encoded"))?;
    if id.is_empty() {
        return Err(bad("the client id is empty"));
    }
    Ok((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = |text: &str| {
            HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(text))).unwrap()
        };
        assert_eq!(
            parse_basic(&header("id:se%3Acret")).unwrap(),
            ("id".into(), "se:cret".into())
        );
        assert_eq!(
            parse_basic(&header("id:a:b")).unwrap(),
            ("id".into(), "a:b".into())
        );
        assert!(parse_basic(&header("nocolon")).is_err());
        assert!(parse_basic(&header(":secret")).is_err());
        assert!(parse_basic(&HeaderValue::from_static("Bearer abc")).is_err());
        assert!(parse_basic(&HeaderValue::from_static("Basic !!!")).is_err());
    }
}
