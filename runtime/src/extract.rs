//! actix-web extractors: [`Claims`], and the guard `#[require_scopes]`
//! puts in front of a handler's own extractors.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::authenticator::Authenticator;
use crate::claims::Claims;
use crate::error::AuthError;
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
