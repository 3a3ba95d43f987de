//! actix-web extractors: [`Claims`], and the guard `#[require_scopes]`
//! puts in front of a handler's own extractors.
//!
//! Both decide without a boxed future whenever they can: when the token is
//! in a verified-token cache (the usual case: a client sends the same token
//! for its whole life), or the request is refused without verifying
//! anything, the answer is computed in `from_request` and handed back as a
//! ready future (the guard then hands over to the handler's own extractors'
//! futures, unboxed). Only a token that must be verified, which may wait
//! for the issuer's keys, takes the boxed path.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{Either, ErrInto, LocalBoxFuture, MapOk, Ready, TryFutureExt, ready};

use crate::adapter::{Ask, refuse_unattributed};
use crate::policy::{HandlerPolicy, Requirement};
use crate::{AuthError, Authenticator, Claims};

impl FromRequest for Claims {
    type Error = AuthError;
    type Future =
        Either<Ready<Result<Self, AuthError>>, LocalBoxFuture<'static, Result<Self, AuthError>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = match Authenticator::from_request(req) {
            Ok(auth) => auth,
            Err(error) => {
                refuse_unattributed(req, Ask::token(), &error);
                return Either::Left(ready(Err(error)));
            }
        };
        if let Some(token) = auth.token_now(req) {
            return Either::Left(ready(auth.decide(req, Ask::token(), token)));
        }
        let auth = auth.clone();
        let req = req.clone();
        Either::Right(Box::pin(async move {
            let token = auth.token_by_verifying(&req).await;
            auth.decide(&req, Ask::token(), token)
        }))
    }
}

/// A requirement known at compile time; `#[require_scopes]` implements it on
/// a hidden marker type per handler.
pub trait ScopeRequirement {
    /// The scopes the handler requires.
    const REQUIREMENT: Requirement;
    /// What the handler requires beyond scopes (claims, tenant, revocation).
    const POLICY: HandlerPolicy = HandlerPolicy::NONE;
}

/// Runs the scope check, then (only if it passed) the extractors `T`.
///
/// `#[require_scopes]` rewrites a handler's arguments into one argument of
/// this type, so that an unauthorized request never reaches the handler's
/// own extractors: its body is never read, its JSON never parsed.
pub struct Authorized<R, T>(pub T, pub PhantomData<R>);

impl<R, T> Authorized<R, T> {
    fn new(inner: T) -> Self {
        Authorized(inner, PhantomData)
    }
}

/// The future of [`Authorized`]: the handler's own extractors once the
/// request was authorized without waiting, a ready refusal, or (when the
/// token must be verified) the whole check boxed.
pub type AuthorizedFuture<R, T> = Either<
    Either<
        MapOk<ErrInto<<T as FromRequest>::Future, actix_web::Error>, fn(T) -> Authorized<R, T>>,
        Ready<Result<Authorized<R, T>, actix_web::Error>>,
    >,
    LocalBoxFuture<'static, Result<Authorized<R, T>, actix_web::Error>>,
>;

impl<R: ScopeRequirement + 'static, T: FromRequest + 'static> FromRequest for Authorized<R, T> {
    type Error = actix_web::Error;
    type Future = AuthorizedFuture<R, T>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let refuse = |error: AuthError| Either::Left(Either::Right(ready(Err(error.into()))));
        let ask = Ask::handler(&R::REQUIREMENT, &R::POLICY);
        let auth = match Authenticator::from_request(req) {
            Ok(auth) => auth,
            Err(error) => {
                refuse_unattributed(req, ask, &error);
                return refuse(error);
            }
        };
        match auth
            .token_now(req)
            .map(|token| auth.decide(req, ask, token))
        {
            Some(Ok(_)) => Either::Left(Either::Left(
                T::from_request(req, payload)
                    .err_into()
                    .map_ok(Authorized::new as fn(T) -> Self),
            )),
            Some(Err(error)) => refuse(error),
            None => {
                let auth = auth.clone();
                let req = req.clone();
                let mut payload = payload.take();
                Either::Right(Box::pin(async move {
                    let token = auth.token_by_verifying(&req).await;
                    auth.decide(&req, Ask::handler(&R::REQUIREMENT, &R::POLICY), token)?;
                    let inner = T::from_request(&req, &mut payload)
                        .await
                        .map_err(Into::into)?;
                    Ok(Authorized::new(inner))
                }))
            }
        }
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
