//! actix-web extractors: [`Claims`], and the guard `#[require_scopes]`
//! puts in front of a handler's own extractors.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::authenticator::Authenticator;
use crate::claims::Claims;
use crate::errors::AuthError;
use crate::requirement::Requirement;

impl FromRequest for Claims {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            Authenticator::from_request(&req)?
                .clone()
                .authenticate(&req)
                .await
        })
    }
}

/// A requirement known at compile time; `#[require_scopes]` implements it on
/// a hidden marker type per handler.
pub trait ScopeRequirement {
    /// The scopes the handler requires.
    const REQUIREMENT: Requirement;
}

/// Runs the scope check, then (only if it passed) the extractors `T`.
///
/// `#[require_scopes]` rewrites a handler's arguments into one argument of
/// this type, so that an unauthorized request never reaches the handler's
/// own extractors: its body is never read, its JSON never parsed.
pub struct Authorized<R, T>(pub T, pub PhantomData<R>);

impl<R: ScopeRequirement, T: FromRequest + 'static> FromRequest for Authorized<R, T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let auth = Authenticator::from_request(&req)?.clone();
            auth.authorize(&req, &R::REQUIREMENT).await?;
            let inner = T::from_request(&req, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Authorized(inner, PhantomData))
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    struct Deploy;

    impl ScopeRequirement for Deploy {
        const REQUIREMENT: Requirement = Requirement::Scope("deploy:applications");
    }

    async fn protected(_: Authorized<Deploy, ()>) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    async fn with_claims(_: Claims) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[actix_web::test]
    async fn a_missing_authenticator_says_what_to_add() {
        // The mistake: an App without `.app_data(authenticator)`.
        let app = test::init_service(
            App::new()
                .route("/deploy", web::post().to(protected))
                .route("/me", web::get().to(with_claims)),
        )
        .await;
        for request in [
            test::TestRequest::post().uri("/deploy"),
            test::TestRequest::get().uri("/me"),
        ] {
            let request = request
                .insert_header(("Authorization", "Bearer a.b.c"))
                .to_request();
            let response = test::call_service(&app, request).await;
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let body: serde_json::Value = test::read_body_json(response).await;
            assert_eq!(body["error"], "server_error");
            let description = body["error_description"].as_str().unwrap();
            assert!(
                description.starts_with("authorization is not configured on this server"),
                "{description}"
            );
            // Debug builds (tests, `cargo run`) name the fix; release builds
            // say nothing about the server's setup.
            assert_eq!(
                description.contains("App::new().app_data(authenticator)"),
                cfg!(debug_assertions),
                "{description}"
            );
        }
    }
}
