//! What the HTTP handlers share: the `Content-Type` check, reading the body
//! under a limit, strict form decoding, and the `no-store` response.
//!
//! The `Content-Type` check ([`require_content_type`]) stays hand-written:
//! actix-web's extractor configs check the media type only as part of
//! reading the body, which the handlers do after their own checks (see
//! [`read_body`]).
//!
//! Forms are decoded by the `form_urlencoded` crate. What stays
//! hand-written ([`parse_form`], [`form_decode`]) is stricter than that
//! crate, on purpose: `form_urlencoded` decodes leniently (a malformed `%zz`
//! stays as typed, bytes that are not UTF-8 become U+FFFD), while a request
//! whose parameters were not properly encoded is refused with
//! `400 invalid_request`; and a parameter sent twice is refused (RFC 6749
//! §3.1, §3.2), where the crate would hand both over.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};

use crate::error::{DevError, printable};

/// Checks that the body is of media type `expected` (parameters such as
/// `charset` allowed).
pub(crate) fn require_content_type(req: &HttpRequest, expected: &str) -> Result<(), DevError> {
    let actual = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(DevError::UnsupportedMediaType(format!(
            "the request body must be `{expected}`"
        )))
    }
}

/// Reads the whole body with actix-web's own limit
/// ([`web::Payload::to_bytes_limited`]), refusing more than `limit` bytes
/// with `413` and the issuer's JSON error body.
///
/// Handlers read their body through this call rather than through the
/// `web::Bytes`/`web::Json`/`web::Form` extractors and their
/// `PayloadConfig`/`JsonConfig`/`FormConfig` limits: an extractor reads the
/// body before the handler runs, so a request would be read before its
/// `Content-Type` (`415`) and, on the management API, its bearer token
/// (`401`) are checked. Here both are checked first, and nothing is
/// buffered for a caller that may not call.
pub(crate) async fn read_body(payload: web::Payload, limit: usize) -> Result<Bytes, DevError> {
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(error)) => Err(DevError::invalid_request(format!(
            "the request body could not be read: {error}"
        ))),
        Err(_limit_exceeded) => Err(DevError::PayloadTooLarge(limit)),
    }
}

/// A response with `status` that no cache may keep (`Cache-Control:
/// no-store`): the issuer's answers carry tokens, secrets and client data.
pub(crate) fn no_store(status: StatusCode) -> HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    response
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
}
