//! The actix-web adapter (feature `actix`): [`Claims`](crate::Claims) as an
//! extractor, the extractor [`Authorized`] that `#[require_scopes]` puts in
//! front of a handler's own, the middleware [`ScopeGuard`] that
//! `require_scopes_guard!` builds, [`AuthError`](crate::AuthError) as a
//! response, [`ProtectedResource`](crate::resource_metadata::ProtectedResource)
//! as a middleware, and `actix_web::HttpRequest` as the pipeline reads it
//! ([`RequestView`](crate::adapter::RequestView)).
//!
//! Written on the core's public API alone (`scripts/layering.sh` checks).

pub(crate) mod extract;
pub(crate) mod guard;
pub(crate) mod request;
pub(crate) mod resource_metadata;
pub(crate) mod response;

pub use self::extract::{Authorized, AuthorizedFuture, ScopeRequirement};
pub use self::guard::{ScopeGuard, ScopeGuardService};
pub use self::resource_metadata::ProtectedResourceService;

/// For `#[require_scopes]`'s expansion (through `__private`): actix-web's
/// extractor trait, named through scopegate so that a crate that renames
/// its actix-web dependency still compiles.
#[doc(hidden)]
pub use actix_web::FromRequest;
