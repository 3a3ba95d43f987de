//! A protected API used by the integration tests, served over real HTTP on
//! 127.0.0.1 by a real actix-web server.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::dev::Payload;
use actix_web::{
    App, FromRequest, HttpRequest, HttpResponse, HttpServer, Responder, get, post, web,
};
use futures_util::future::{Ready, ready};
use scopegate::{Authenticator, Claims, require_scopes};

/// How many times `Counted` was extracted: proves the scope check runs
/// before the handler's own extractors.
pub static COUNTED_EXTRACTIONS: AtomicUsize = AtomicUsize::new(0);

pub struct Counted;

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
pub fn routes(cfg: &mut web::ServiceConfig) {
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
pub fn spawn_api(auth: Option<Authenticator>) -> String {
    let server = HttpServer::new(move || {
        let app = App::new().configure(routes);
        match &auth {
            Some(auth) => app.app_data(auth.clone()),
            None => app,
        }
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("bind an ephemeral loopback port");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    format!("http://{addr}")
}

/// A client that never waits forever.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// The `WWW-Authenticate` header of a response, or "".
pub fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}
