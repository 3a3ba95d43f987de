//! `POST /oauth/token`: the client-credentials grant (RFC 6749 §4.4), with
//! client authentication by HTTP Basic or form parameters (§2.3.1) and
//! errors per §5.2.
//!
//! The body is read with actix-web's own limit
//! ([`web::Payload::to_bytes_limited`], 16 KiB) and decoded by the
//! `form_urlencoded` crate. What stays hand-written is stricter than that
//! crate, on purpose: `form_urlencoded` decodes leniently (a malformed `%zz`
//! stays as typed, bytes that are not UTF-8 become U+FFFD), while a token
//! request whose parameters were not properly encoded is refused with
//! `400 invalid_request` rather than authenticated with a mangled secret;
//! and a parameter sent twice is refused (RFC 6749 §3.1, §3.2), where the
//! crate would hand both over.

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use scopegate_wire::text;
use serde::Serialize;

use crate::error::DevError;
use crate::server::{read_body, require_content_type};
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

/// Parses an `application/x-www-form-urlencoded` body (or a query string).
/// A parameter sent twice is an error (RFC 6749 §3.1, §3.2); one sent
/// without a value counts as omitted. The text must be UTF-8 and properly
/// encoded: every `%` starts an escape of two hex digits, and the decoded
/// bytes are UTF-8.
pub(crate) fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, DevError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| DevError::invalid_request("the request body is not UTF-8"))?;
    if !properly_encoded(text) {
        return Err(DevError::invalid_request(
            "the parameters are not properly form-encoded (a malformed `%` escape, or escapes that decode to bytes that are not UTF-8)",
        ));
    }
    let mut params = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if value.is_empty() {
            continue;
        }
        if params.contains_key(name.as_ref()) {
            return Err(DevError::invalid_request(format!(
                "the `{}` parameter is repeated",
                printable(&name)
            )));
        }
        params.insert(name.into_owned(), value.into_owned());
    }
    Ok(params)
}

/// Decodes one `application/x-www-form-urlencoded` component, strictly: `+`
/// is a space, `%XX` a byte, the result UTF-8; `None` if it is not properly
/// encoded.
pub(crate) fn form_decode(text: &str) -> Option<String> {
    if !properly_encoded(text) {
        return None;
    }
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// Whether form-encoded `text` decodes without loss: every `%` is followed
/// by two hex digits, and the decoded bytes are UTF-8. `&`, `=` and `+` are
/// ASCII and decode to themselves or a space, so the whole text decodes to
/// UTF-8 exactly when each of its names and values does.
fn properly_encoded(text: &str) -> bool {
    let escapes_well_formed = text.split('%').skip(1).all(|rest| {
        rest.as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    escapes_well_formed
        && percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .is_ok()
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
    text::printable(text, 64)
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
        assert!(
            parse_form(b"a=%C3&b=%A9").is_err(),
            "a character split over two values"
        );
        assert!(parse_form(b"scope=%").is_err());
        assert!(parse_form(b"scope=a%2").is_err());
        assert!(
            parse_form(&[b's', b'=', 0xff]).is_err(),
            "raw bytes not UTF-8"
        );
        let params = parse_form(b"a=%C3%A9%26x%3D&=v&noval&b=%2B+").unwrap();
        assert_eq!(params["a"], "\u{e9}&x=");
        assert_eq!(params["b"], "+ ");
        assert_eq!(params[""], "v");
        assert!(!params.contains_key("noval"));
        assert_eq!(form_decode("%"), None);
        assert_eq!(form_decode("a%2"), None);
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%e9"), None);
        assert_eq!(form_decode("a+b%3Ac").as_deref(), Some("a b:c"));
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
