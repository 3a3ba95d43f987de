//! The actix-web adapter: the extractors behind `#[require_scopes]` and
//! [`Claims`](crate::Claims) (`extract`), the middleware of
//! `require_scopes_guard!` (`guard`), and refusals as actix-web responses
//! (`response`).

pub(crate) mod extract;
pub(crate) mod guard;
pub(crate) mod request;
pub(crate) mod resource_metadata;
pub(crate) mod response;

/// For `#[require_scopes]`'s expansion (through `__private`): actix-web's
/// extractor trait, named through scopegate so that a crate that renames
/// its actix-web dependency still compiles.
pub use actix_web::FromRequest;
