//! `POST /oauth/token`: the client-credentials grant (RFC 6749 §4.4), with
//! client authentication by HTTP Basic or form parameters (§2.3.1) and
//! errors per §5.2.

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::error::DevError;
use crate::server::{read_body, require_content_type};
use crate::state::State;

/// The largest token request body read.
const MAX_BODY: usize = 16 * 1024;

/// The successful response (RFC 6749 §5.1, seed 000).
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
    let (client_id, secret) = client_credentials(&req, &params)?;
    let Some(grant) = state.authenticate_client(&client_id, &secret) else {
        tracing::debug!(
            client_id = printable(&client_id),
            "token request refused: client authentication failed"
        );
        return Err(DevError::InvalidClient(
            "client authentication failed: unknown client, deleted client, or wrong secret".into(),
        ));
    };
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
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(TokenResponse {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
            scope: scopes.join(" "),
        }))
}

/// Parses an `application/x-www-form-urlencoded` body. A parameter sent
/// twice is an error (RFC 6749 §3.1, §3.2); one sent without a value counts
/// as omitted.
pub(crate) fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, DevError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| DevError::invalid_request("the request body is not UTF-8"))?;
    let mut params = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_decode(name).ok_or_else(|| {
            DevError::invalid_request("a parameter name is not properly form-encoded")
        })?;
        let value = form_decode(value).ok_or_else(|| {
            DevError::invalid_request(format!(
                "the `{}` parameter is not properly form-encoded",
                printable(&name)
            ))
        })?;
        if value.is_empty() {
            continue;
        }
        if params.contains_key(&name) {
            return Err(DevError::invalid_request(format!(
                "the `{}` parameter is repeated",
                printable(&name)
            )));
        }
        params.insert(name, value);
    }
    Ok(params)
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a
/// space, `%XX` a byte; the result must be UTF-8.
pub(crate) fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
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

/// Keeps a caller-chosen string short and printable before it goes into a
/// message or the log.
pub(crate) fn printable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(64)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    if text.chars().count() > 64 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_refuse_repeats() {
        let params =
            parse_form(b"grant_type=client_credentials&scope=a%3Ab+c%3Ad&empty=&client_id=x")
                .unwrap();
        assert_eq!(params["scope"], "a:b c:d");
        assert!(!params.contains_key("empty"));
        assert!(parse_form(b"scope=a&scope=b").is_err());
        assert!(parse_form(b"scope=%zz").is_err());
        assert!(parse_form(b"scope=%e9").is_err(), "not UTF-8");
        assert_eq!(form_decode("%"), None);
        assert_eq!(form_decode("a%2"), None);
    }

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
