//! An API whose handlers differ in how revocation applies to them, for the
//! revocation tests (in memory, through Redis, and the CLI's `revoke`).
//!
//! | route | handler |
//! |---|---|
//! | `GET /sensitive` | `read:deployments`, revocation checked (`HandlerPolicy::check_revocation`) |
//! | `GET /plain` | `read:deployments`, no revocation asked for |
//! | `GET /whoami` | the bare `Claims` extractor |
//! | `GET /by-hand` | `Authenticator::authorize` for `read:deployments`, in the handler |
//! | `GET /authenticated` | `Authenticator::authenticate`, in the handler |

#![allow(dead_code)]

use actix_web::{HttpRequest, HttpResponse, web};
use scopegate::actix::{Authorized, ScopeRequirement};
use scopegate::{
    AuthError, Authenticator, Claims,
    policy::{HandlerPolicy, Requirement},
};

/// `read:deployments`, with the revocation check: what `#[require_scopes]`
/// writes for a handler that opts in, written by hand.
pub(crate) struct Sensitive;

impl ScopeRequirement for Sensitive {
    const REQUIREMENT: Requirement = Requirement::Scope("read:deployments");
    const POLICY: HandlerPolicy = HandlerPolicy::NONE.with_revocation_check();
}

/// `read:deployments`, nothing more.
pub(crate) struct Plain;

impl ScopeRequirement for Plain {
    const REQUIREMENT: Requirement = Requirement::Scope("read:deployments");
}

async fn sensitive(_: Authorized<Sensitive, ()>) -> HttpResponse {
    HttpResponse::Ok().body("sensitive")
}

async fn plain(_: Authorized<Plain, ()>) -> HttpResponse {
    HttpResponse::Ok().body("plain")
}

async fn whoami(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "sub": claims.sub() }))
}

async fn by_hand(req: HttpRequest) -> Result<HttpResponse, AuthError> {
    let auth = Authenticator::from_request(&req)?;
    auth.authorize(&req, &Requirement::Scope("read:deployments"))
        .await?;
    Ok(HttpResponse::Ok().body("by hand"))
}

async fn authenticated(req: HttpRequest) -> Result<HttpResponse, AuthError> {
    let auth = Authenticator::from_request(&req)?;
    auth.authenticate(&req).await?;
    Ok(HttpResponse::Ok().body("authenticated"))
}

/// Serves the API with `auth` on an ephemeral loopback port; its base URL.
pub(crate) fn spawn(auth: Authenticator) -> String {
    super::serve(move |cfg| {
        cfg.app_data(auth.clone())
            .route("/sensitive", web::get().to(sensitive))
            .route("/plain", web::get().to(plain))
            .route("/whoami", web::get().to(whoami))
            .route("/by-hand", web::get().to(by_hand))
            .route("/authenticated", web::get().to(authenticated));
    })
}
