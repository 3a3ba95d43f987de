//! The runtime of [scopegate](https://docs.rs/scopegate): bearer-token
//! validation against an issuer's JWKS, [`Claims`], RFC 6750 error responses
//! and the actix-web extractors behind `#[require_scopes]`.
//!
//! Use it through the `scopegate` crate, which re-exports everything here
//! along with the macro.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod authenticator;
mod bearer;
mod claims;
mod config;
mod error;
mod extract;
mod jwks;
mod keys;
mod requirement;
mod token;
mod verified;

pub use authenticator::{Authenticator, check_scopes};
pub use bearer::{bearer_token, parse_authorization};
pub use claims::{ClaimError, Claims};
pub use config::{AuthenticatorBuilder, ConfigError, ENV_AUDIENCE, ENV_ENVIRONMENT_URL};
pub use error::AuthError;
pub use extract::{Authorized, ScopeRequirement};
pub use keys::{Algorithm, UnsupportedAlgorithm};
pub use requirement::Requirement;
pub use scopegate_grammar as grammar;
pub use scopegate_wire::url_policy::UrlPolicyError;

/// What `#[require_scopes]` expands to names actix-web's traits through
/// here, so that a crate that renames its actix-web dependency still
/// compiles. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use actix_web::FromRequest;
}
