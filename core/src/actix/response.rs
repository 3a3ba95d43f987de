//! An [`AuthError`] as an actix-web response: its status, its
//! `WWW-Authenticate` challenge, `Cache-Control: no-store`, `Retry-After`
//! on a `503`, and a JSON body with `error` and `error_description` (what
//! each is, is the core's: `error::wire`).
//!
//! A refusal is rendered once: each thread keeps the challenge and body of
//! the last [`RENDERED_SLOTS`] distinct errors it answered and reuses them
//! for an equal error (the text is a function of the error's value), so a
//! client that repeats a refused request does not pay for the formatting
//! and JSON again. The headers that never change are static.

use std::cell::RefCell;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, ResponseError};

use crate::AuthError;

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: String,
}

/// How many rendered refusals each thread keeps.
const RENDERED_SLOTS: usize = 16;

/// The parts of a refusal that depend on the error: its challenge and body.
#[derive(Clone)]
struct Rendered {
    challenge: Option<HeaderValue>,
    body: Bytes,
}

struct RenderedCache {
    entries: Vec<(AuthError, Rendered)>,
    /// The entry the next new error replaces once `entries` is full.
    next: usize,
}

thread_local! {
    static RENDERED: RefCell<RenderedCache> = const {
        RefCell::new(RenderedCache {
            entries: Vec::new(),
            next: 0,
        })
    };
}

impl AuthError {
    /// The challenge and body of this error, from this thread's cache when
    /// an equal error was rendered before.
    fn rendered(&self) -> Rendered {
        let cached = RENDERED
            .try_with(|cache| {
                let cache = cache.try_borrow().ok()?;
                cache
                    .entries
                    .iter()
                    .find(|(error, _)| error == self)
                    .map(|(_, rendered)| rendered.clone())
            })
            .ok()
            .flatten();
        if let Some(rendered) = cached {
            return rendered;
        }
        let rendered = self.render();
        let _ = RENDERED.try_with(|cache| {
            let Ok(mut cache) = cache.try_borrow_mut() else {
                return;
            };
            let entry = (self.clone(), rendered.clone());
            if cache.entries.len() < RENDERED_SLOTS {
                cache.entries.push(entry);
            } else {
                let slot = cache.next;
                cache.next = (slot + 1) % RENDERED_SLOTS;
                cache.entries[slot] = entry;
            }
        });
        rendered
    }

    fn render(&self) -> Rendered {
        let challenge = self.challenge().map(|challenge| {
            // A challenge renders only visible ASCII and spaces, which are
            // always a valid header value; the fallback is never taken.
            HeaderValue::from_str(&challenge).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
        });
        let body = serde_json::to_vec(&ErrorBody {
            error: self.code(),
            error_description: self.to_string(),
        })
        .unwrap_or_default();
        Rendered {
            challenge,
            body: Bytes::from(body),
        }
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let Rendered { challenge, body } = self.rendered();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        if let Some(challenge) = challenge {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(retry_after) = self.retry_after() {
            response.insert_header((
                header::RETRY_AFTER,
                retry_after.as_secs().max(1).to_string(),
            ));
        }
        // What `HttpResponseBuilder::json` sets.
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ));
        response.body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{RequestError, TokenError};

    #[test]
    fn missing_token_has_a_bare_challenge() {
        assert_eq!(
            AuthError::MissingToken.challenge().as_deref(),
            Some("Bearer")
        );
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let error = AuthError::InsufficientScope {
            required: "deploy:applications".into(),
            scope: "deploy:applications".into(),
        };
        let challenge = error.challenge().unwrap();
        assert!(challenge.starts_with("Bearer error=\"insufficient_scope\""));
        assert!(challenge.ends_with("scope=\"deploy:applications\""));
        assert_eq!(error.status_code(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn typed_reasons_render_their_text() {
        let error = AuthError::InvalidToken(TokenError::Expired { ago_secs: 7 });
        assert_eq!(
            error.challenge().as_deref(),
            Some("Bearer error=\"invalid_token\", error_description=\"the token expired 7 s ago\"")
        );
        assert_eq!(error.status_code(), StatusCode::UNAUTHORIZED);
        let error = AuthError::InvalidRequest(RequestError::MultipleAuthorizationHeaders);
        assert_eq!(
            error.challenge().as_deref(),
            Some(
                "Bearer error=\"invalid_request\", error_description=\"the request has more than one Authorization header\""
            )
        );
        assert_eq!(error.status_code(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn misconfigured_says_the_fix_in_debug_builds_only() {
        let text = AuthError::Misconfigured.to_string();
        assert!(text.starts_with("authorization is not configured on this server"));
        assert_eq!(
            text.contains("App::new().app_data(authenticator)"),
            cfg!(debug_assertions),
            "{text}"
        );
        assert_eq!(
            AuthError::Misconfigured.status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(AuthError::Misconfigured.challenge(), None);
    }

    #[test]
    fn claim_and_tenant_refusals_are_403_insufficient_scope_without_a_scope() {
        use crate::error::{ClaimMismatch, ClaimMismatchKind, TenantMismatch, TenantMismatchKind};
        use crate::policy::{ClaimRequirement, ClaimTest, ClaimValue, TenantBinding};
        let claim = AuthError::ClaimMismatch(ClaimMismatch {
            requirement: ClaimRequirement::new("gty", ClaimTest::Equals(ClaimValue::str("cc"))),
            kind: ClaimMismatchKind::Different,
        });
        assert_eq!(
            claim.challenge().as_deref(),
            Some(
                "Bearer error=\"insufficient_scope\", \
                 error_description=\"the token's `gty` claim does not equal the value this endpoint requires\""
            )
        );
        let tenant = AuthError::TenantMismatch(TenantMismatch {
            binding: TenantBinding::new("org_id"),
            kind: TenantMismatchKind::Different,
        });
        for error in [&claim, &tenant] {
            assert_eq!(error.status_code(), StatusCode::FORBIDDEN);
            assert_eq!(error.code(), "insufficient_scope");
            assert!(!error.challenge().unwrap().contains("scope=\""), "{error}");
        }
    }

    #[test]
    fn a_misconfigured_handler_is_a_500_named_in_debug_builds_only() {
        use crate::error::{MisconfigurationKind, MisconfiguredHandler};
        let error = AuthError::HandlerMisconfigured(MisconfiguredHandler {
            handler: "api::apps",
            reason: MisconfigurationKind::NoPathParameter { param: "org_id" },
        });
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.code(), "server_error");
        assert_eq!(error.challenge(), None);
        let text = error.to_string();
        assert!(text.starts_with("authorization is misconfigured for this endpoint"));
        assert_eq!(text.contains("api::apps"), cfg!(debug_assertions), "{text}");
    }

    #[test]
    fn a_cached_rendering_is_the_same_response() {
        use actix_web::body::MessageBody;
        let render = |error: &AuthError| {
            let response = error.error_response();
            let headers: Vec<(String, Vec<u8>)> = response
                .headers()
                .iter()
                .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
                .collect();
            let body = response.into_body().try_into_bytes().ok().unwrap();
            (headers, body)
        };
        let errors = [
            AuthError::MissingToken,
            AuthError::InvalidToken(TokenError::Expired { ago_secs: 7 }),
            AuthError::InvalidToken(TokenError::Expired { ago_secs: 8 }),
            AuthError::InvalidRequest(RequestError::MultipleAuthorizationHeaders),
            AuthError::InsufficientScope {
                required: "deploy:applications".into(),
                scope: "deploy:applications".into(),
            },
        ];
        for error in &errors {
            let first = render(error);
            assert_eq!(render(error), first, "{error}");
            let (headers, body) = first;
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["error"], error.code());
            assert_eq!(body["error_description"], error.to_string());
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
            };
            assert_eq!(header("content-type").as_deref(), Some("application/json"));
            assert_eq!(header("cache-control").as_deref(), Some("no-store"));
            assert_eq!(header("www-authenticate"), error.challenge());
        }
        // Different values of one variant are told apart.
        assert_ne!(render(&errors[1]).1, render(&errors[2]).1);
        // More distinct errors than slots: still right after eviction.
        for ago_secs in 0..2 * RENDERED_SLOTS as i64 {
            let error = AuthError::InvalidToken(TokenError::Expired { ago_secs });
            let (_, body) = render(&error);
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["error_description"], error.to_string());
        }
    }
}
