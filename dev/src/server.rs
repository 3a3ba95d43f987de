//! The actix-web server: binding, starting it, the routes (wired to the
//! handlers of [`token_endpoint`] and [`management`]), and the JWKS and
//! discovery documents it serves itself.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::ServerHandle;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, Resource, web};
use serde_json::json;

use crate::JwksMode;
use crate::error::DevError;
use crate::management;
use crate::revoke;
use crate::state::State;
use crate::token_endpoint;

/// Binds `addr` and returns the listener and the URL the issuer will answer
/// at (its `iss`).
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        tracing::warn!(%local, "the scopegate dev issuer listens beyond loopback: it is for development only");
    }
    Ok((listener, format!("http://{local}")))
}

/// Starts the server on `listener` (one worker, no signal handling) and
/// spawns it on the current Tokio runtime.
pub(crate) fn serve(
    listener: TcpListener,
    state: web::Data<State>,
) -> std::io::Result<ServerHandle> {
    let server = HttpServer::new(move || App::new().app_data(state.clone()).configure(routes))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
    let handle = server.handle();
    tokio::spawn(async move {
        if let Err(error) = server.await {
            tracing::error!(%error, "the scopegate dev issuer stopped with an error");
        }
    });
    Ok(handle)
}

/// A resource that answers a method it does not serve with a JSON `405`.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(|req: HttpRequest| async move {
        Err::<HttpResponse, _>(DevError::MethodNotAllowed(format!(
            "{} is not served on {}",
            req.method(),
            req.path()
        )))
    }))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/oauth/token").route(web::post().to(token_endpoint::token)))
        .service(resource("/oauth/revoke").route(web::post().to(revoke::revoke)))
        .service(resource("/keys").route(web::get().to(jwks)))
        .service(resource("/.well-known/jwks.json").route(web::get().to(jwks)))
        .service(resource("/.well-known/openid-configuration").route(web::get().to(discovery)))
        .service(
            resource("/api/v1/organizations")
                .route(web::post().to(management::create_organization))
                .route(web::get().to(management::list_organizations)),
        )
        .service(
            resource("/api/v1/organizations/{org_id}")
                .route(web::get().to(management::get_organization)),
        )
        .service(
            resource("/api/v1/organizations/{org_id}/clients")
                .route(web::post().to(management::create_client))
                .route(web::get().to(management::list_clients)),
        )
        .service(
            resource("/api/v1/organizations/{org_id}/clients/{client_id}")
                .route(web::get().to(management::get_client))
                .route(web::method(Method::PATCH).to(management::update_client))
                .route(web::delete().to(management::delete_client)),
        )
        .service(
            resource("/api/v1/organizations/{org_id}/clients/{client_id}/secrets")
                .route(web::post().to(management::create_secret)),
        )
        .service(
            resource("/api/v1/organizations/{org_id}/clients/{client_id}/secrets/{secret_id}")
                .route(web::delete().to(management::delete_secret)),
        )
        .default_service(web::to(|req: HttpRequest| async move {
            Err::<HttpResponse, _>(DevError::NotFound(format!("no endpoint at {}", req.path())))
        }));
}

/// `GET /keys` and `GET /.well-known/jwks.json`, as the [`JwksMode`] says.
async fn jwks(state: web::Data<State>) -> HttpResponse {
    state.count_jwks_fetch();
    let mode = state.jwks_mode();
    let json = |body: String| {
        HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ))
            .insert_header((
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=300"),
            ))
            .body(body)
    };
    match mode {
        JwksMode::Normal => json(state.jwks().to_string()),
        JwksMode::Empty => json(r#"{"keys":[]}"#.to_owned()),
        JwksMode::Oversized(size) => json(pad_json(state.jwks().to_string(), size)),
        JwksMode::Garbage => {
            json("<html><body>502 Bad Gateway (not JSON)</body></html>".to_owned())
        }
        JwksMode::Unavailable => HttpResponse::InternalServerError().json(json!({
            "error": "server_error",
            "error_description": "the key set is unavailable (JwksMode::Unavailable)"
        })),
        JwksMode::Hang => {
            std::future::pending::<()>().await;
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// `document` (a JSON object) padded with a `"padding"` member to `size`
/// bytes; unchanged if it is already that long (or too close to it to
/// fit the member).
fn pad_json(document: String, size: usize) -> String {
    const OVERHEAD: usize = r#","padding":"""#.len();
    let Some(body) = document.strip_suffix('}') else {
        return document;
    };
    let fill = size.saturating_sub(document.len() + OVERHEAD);
    if fill == 0 {
        return document;
    }
    let mut out = String::with_capacity(size);
    out.push_str(body);
    out.push_str(r#","padding":""#);
    out.extend(std::iter::repeat_n('x', fill));
    out.push_str("\"}");
    out
}

/// `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0
/// §3, RFC 8414 §2).
async fn discovery(state: web::Data<State>) -> HttpResponse {
    let url = state.url();
    let mut document = json!({
        "issuer": url,
        "token_endpoint": format!("{url}/oauth/token"),
        "jwks_uri": format!("{url}/keys"),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "access_token_signing_alg_values_supported": ["RS256"],
    });
    if state.revocation_store().is_some() {
        // RFC 8414 §2: advertised only when tokens can be revoked.
        document["revocation_endpoint"] = json!(format!("{url}/oauth/revoke"));
        document["revocation_endpoint_auth_methods_supported"] =
            json!(["client_secret_basic", "client_secret_post"]);
    }
    HttpResponse::Ok().json(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;

    #[test]
    fn padding_reaches_the_size_and_stays_json() {
        let padded = pad_json(r#"{"keys":[]}"#.to_owned(), 1000);
        assert_eq!(padded.len(), 1000);
        let value: serde_json::Value = serde_json::from_str(&padded).unwrap();
        assert_eq!(value["keys"], json!([]));
        assert_eq!(pad_json(r#"{"keys":[]}"#.to_owned(), 5), r#"{"keys":[]}"#);
    }

    #[test]
    fn status_codes_of_errors() {
        assert_eq!(
            DevError::PayloadTooLarge(1).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
