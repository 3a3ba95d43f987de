//! Helpers shared by the integration tests: `tests/*.rs` include this
//! module as `mod common;`, and the CLI's tests (another crate) as
//! `#[path = "../../tests/common/mod.rs"] mod common;`, so it uses only
//! crates both have as dependencies. Its submodules:
//!
//! * [`jose`]: RSA test keys, JWKS documents and hand-minted JWTs;
//! * [`issuers`]: a JWKS server on loopback and a claims API, for tests
//!   of several issuers and providers;
//! * [`revocation_api`]: an API whose handlers differ in how revocation
//!   applies to them;
//! * [`redis_server`]: a real `redis-server` on an ephemeral port.
//!
//! And here:
//!
//! * the clock as JWTs count it: [`unix_now`];
//! * the dev issuer: [`ORG`], [`register_client`];
//! * HTTP: [`http_client`], [`get_bearer`], [`header`], [`challenge`],
//!   [`expect_error`], [`closed_port_url`];
//! * JWTs: [`decode_jwt`] (no verification);
//! * servers: [`serve`] (any app on an ephemeral loopback port) and the
//!   protected test API, [`spawn_api`];
//! * waiting for a server's own timer: [`eventually`].
#![allow(dead_code)]

pub(crate) mod issuers;
pub(crate) mod jose;
pub(crate) mod redis_server;
pub(crate) mod revocation_api;

use std::future::{Ready, ready};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::{
    App, FromRequest, HttpRequest, HttpResponse, HttpServer, Responder, get, post, web,
};
use reqwest::StatusCode;
use scopegate::dev::{DevIssuer, NewOrganizationClient};
use scopegate::{Authenticator, Claims, require_scopes};
use serde_json::Value;

/// Seconds since the Unix epoch, as `exp`, `nbf` and `iat` count them
/// (RFC 7519 §2, `NumericDate`): the library's own clock.
#[allow(unused_imports)] // a file that includes this module may not need it
pub(crate) use scopegate_wire::clock::unix_now;

/// The organization the tests register their clients in (an id in the
/// shape of Scalekit's API).
pub(crate) const ORG: &str = "org_59615193906282635";

/// Registers a client with `scopes` in [`ORG`] on `issuer`, in process (no
/// HTTP, no token request); `expiry` is its tokens' lifetime in seconds
/// (`None`: the issuer's default, one hour). Returns `(client_id, secret)`.
pub(crate) fn register_client(
    issuer: &DevIssuer,
    scopes: &[&str],
    expiry: Option<u64>,
) -> (String, String) {
    let mut new = NewOrganizationClient::new("test client").scopes(scopes.iter().copied());
    if let Some(seconds) = expiry {
        new = new.expiry(seconds);
    }
    let created = issuer
        .create_client(ORG, new)
        .expect("register a client on the dev issuer");
    let secret = created.plain_secret.expose().to_owned();
    (created.client.client_id, secret)
}

/// An HTTP client that never waits forever: each request gives up after
/// 20 s (a guard against a hung test, far above any expected answer time).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// `GET url` with `Authorization: Bearer <token>`.
pub(crate) async fn get_bearer(url: &str, token: &str) -> reqwest::Response {
    http_client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// The response header `name`, or "" when absent or not text.
pub(crate) fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The `WWW-Authenticate` header of a response (RFC 6750 §3), or "".
pub(crate) fn challenge(response: &reqwest::Response) -> String {
    header(response, "www-authenticate")
}

/// Asserts an OAuth-style error answer (RFC 6749 §5.2, RFC 6750 §3.1):
/// `status`, a JSON body whose `error` is `code` and whose
/// `error_description` is a non-empty string. Returns the body.
pub(crate) async fn expect_error(
    response: reqwest::Response,
    status: StatusCode,
    code: &str,
) -> Value {
    assert_eq!(response.status(), status, "{}", response.url());
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

/// The URL of a loopback port where nothing listens: connecting to it is
/// refused, for as long as the test process runs.
///
/// The port is bound and never listened on, and the socket is kept open
/// (leaked) rather than closed: a port merely released could be handed to
/// a server another test starts meanwhile, which would then answer.
pub(crate) fn closed_port_url() -> String {
    let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind a loopback port");
    let url = format!("http://{}", socket.local_addr().expect("local address"));
    std::mem::forget(socket);
    url
}

/// The header and the claims of a compact JWS (RFC 7515 §7.1), decoded
/// without any verification.
///
/// # Panics
///
/// If `token` does not have two base64url parts of JSON.
pub(crate) fn decode_jwt(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part = || {
        let text = parts.next().expect("a JWT part");
        serde_json::from_slice(&b64url(text)).expect("a JWT part of JSON")
    };
    (part(), part())
}

/// Decodes base64url without padding (RFC 4648 §5), as JWT parts are.
pub(crate) fn b64url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url without padding")
}

/// Polls `check` every 50 ms until it holds; false if it never did within
/// 30 s.
///
/// Only for what waits on a server's own timer (a cooldown, a refresh
/// interval, a token's expiry). The 30 s cap is a guard against a hung
/// test, not a claim about speed: assert how long something took with a
/// lower bound, never with this.
pub(crate) async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= give_up {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Serves the app that `configure` sets up (routes, `app_data`, a default
/// service) on an ephemeral loopback port, one worker, in the current
/// actix runtime; returns its base URL, `http://127.0.0.1:<port>`.
pub(crate) fn serve(
    configure: impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
) -> String {
    let server = HttpServer::new(move || App::new().configure(configure.clone()))
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind an ephemeral loopback port");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------
// The protected test API.

/// How many times `Counted` was extracted: proves the scope check runs
/// before the handler's own extractors.
pub(crate) static COUNTED_EXTRACTIONS: AtomicUsize = AtomicUsize::new(0);

pub(crate) struct Counted;

impl FromRequest for Counted {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        COUNTED_EXTRACTIONS.fetch_add(1, Ordering::SeqCst);
        ready(Ok(Counted))
    }
}

#[derive(serde::Deserialize)]
struct Deploy {
    service: String,
}

#[post("/deploy")]
#[require_scopes("deploy:applications")]
async fn deploy(claims: Claims, body: web::Json<Deploy>) -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({
        "service": body.service,
        "client_id": claims.client_id(),
        "repository": claims.get_opt::<String>("github_repository").ok().flatten(),
    }))
}

// The other order: scopegate outside actix-web's route macro.
#[require_scopes(any("read:deployments", "admin:deployments"))]
#[get("/deployments")]
async fn list() -> HttpResponse {
    HttpResponse::Ok().json(["inventory-service"])
}

// Registered with web::resource, two scopes required.
#[require_scopes("deploy:applications", "read:deployments")]
async fn both() -> Result<HttpResponse, actix_web::Error> {
    Ok(HttpResponse::Ok().body("both"))
}

#[require_scopes(all(
    "admin:deployments",
    any("audit:read", all("audit:export", "audit:sign"))
))]
async fn nested() -> &'static str {
    "nested"
}

#[require_scopes("count:extractions")]
async fn counted(_counted: Counted) -> &'static str {
    "counted"
}

#[get("/whoami")]
async fn whoami(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "sub": claims.sub(), "scopes": claims.scopes() }))
}

#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// Configures the test API's routes.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(deploy)
        .service(list)
        .service(whoami)
        .service(health)
        .service(web::resource("/both").route(web::get().to(both)))
        .service(web::resource("/nested").route(web::get().to(nested)))
        .service(web::resource("/counted").route(web::post().to(counted)));
}

/// Serves the test API with `auth` (or with no authenticator at all) on an
/// ephemeral loopback port; returns its base URL.
pub(crate) fn spawn_api(auth: Option<Authenticator>) -> String {
    serve(move |cfg| {
        if let Some(auth) = &auth {
            cfg.app_data(auth.clone());
        }
        routes(cfg);
    })
}
