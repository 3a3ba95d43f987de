//! Shared by `tests/issuers.rs` and `tests/providers.rs`: JWKS endpoints on
//! loopback that count their requests, an API that answers with what its
//! `Claims` say, and token minting over any header and claims. Included
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, get, web};
use scopegate::{Authenticator, Claims};
use serde_json::{Value, json};

use super::jose::TestKey;
use super::{http_client, serve};

/// The documents a [`JwksServer`] serves: `(path, body)`.
type Documents = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A JWKS server on an ephemeral loopback port: serves each document at
/// its path (anything else is a 404) and counts every request.
pub(crate) struct JwksServer {
    pub base: String,
    requests: Arc<AtomicU64>,
    documents: Documents,
}

impl JwksServer {
    /// Serves `documents`, `(path, JWKS body)`.
    pub(crate) fn start(documents: Vec<(String, Vec<u8>)>) -> JwksServer {
        let requests = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&requests);
        let documents: Documents = Arc::new(Mutex::new(documents));
        let served = Arc::clone(&documents);
        let base = serve(move |cfg| {
            let counter = Arc::clone(&counter);
            let documents = Arc::clone(&served);
            cfg.default_service(web::to(move |req: HttpRequest| {
                counter.fetch_add(1, Ordering::SeqCst);
                let found = documents
                    .lock()
                    .expect("the documents")
                    .iter()
                    .find(|(path, _)| path == req.path())
                    .map(|(_, body)| body.clone());
                async move {
                    match found {
                        Some(body) => HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body),
                        None => HttpResponse::NotFound().finish(),
                    }
                }
            }));
        });
        JwksServer {
            base,
            requests,
            documents,
        }
    }

    /// Serves `body` at `path` from now on (a key rotation).
    pub(crate) fn set(&self, path: &str, body: Vec<u8>) {
        let mut documents = self.documents.lock().expect("the documents");
        documents.retain(|(p, _)| p != path);
        documents.push((path.to_owned(), body));
    }

    /// How many requests it has answered.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

/// `GET /me`: what the handler's validated `Claims` say.
#[get("/me")]
pub(crate) async fn me(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "client_id": claims.client_id(),
        "scopes": claims.scopes(),
        "trusted_issuer": claims.trusted_issuer(),
        "issuer_entry": claims.issuer_entry(),
        "iss": claims.iss(),
    }))
}

/// Serves `GET /me` with `auth`; returns the base URL.
pub(crate) fn claims_api(auth: Authenticator) -> String {
    serve(move |cfg| {
        cfg.app_data(auth.clone()).service(me);
    })
}

/// `GET <api>/me` with `token`: the status and the JSON body.
pub(crate) async fn call(api: &str, token: &str) -> (u16, Value) {
    let response = http_client()
        .get(format!("{api}/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /me");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends `request`: the status, the `WWW-Authenticate` challenge (empty
/// when there is none) and the JSON body (`null` when there is none).
pub(crate) async fn answer(request: reqwest::RequestBuilder) -> (u16, String, Value) {
    let response = request.send().await.expect("the API answers");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        challenge,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Asserts a `401 invalid_token` whose description contains `needle`.
pub(crate) async fn assert_refused(api: &str, token: &str, needle: &str) {
    let (status, body) = call(api, token).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_token", "{body}");
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(
        description.contains(needle),
        "{description:?} lacks {needle:?}"
    );
}

/// A token over `header` and `claims` signed RS256 with `key`.
pub(crate) fn mint(key: &TestKey, header: Value, claims: Value) -> String {
    key.token(&header.to_string(), &claims.to_string(), "RS256")
}

/// `now`, as JWTs count it.
pub(crate) fn now() -> i64 {
    super::unix_now()
}
