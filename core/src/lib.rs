//! The core of [scopegate](https://docs.rs/scopegate): everything that
//! decides whether a request's bearer token may do what it asks, with no
//! web framework. Use it through the `scopegate` crate, which re-exports
//! it along with the macros.
//!
//! # The pipeline
//!
//! Every request is decided by one pipeline, whatever the framework and
//! whatever asks (an attribute, a guard, the `Claims` extractor, a
//! hand-written [`Authenticator::authorize`]):
//!
//! | stage | what happens | where |
//! |---|---|---|
//! | extract | the bearer token of the request's one `Authorization` header (RFC 6750 §2.1) | `pipeline::bearer` |
//! | verify | the verified-token caches, or the JWS signature with the issuer's keys (fetched and cached) and the claims with the issuer's rules | `authenticator`, `jose`, `issuer` |
//! | decide | revocation, the issuer's and the authenticator's claim requirements, scopes, the handler's claim requirements, tenant binding: in that order, stated once ([`adapter::Ask`]) | `pipeline`, `policy`, [`revocation`] |
//! | respond | the refusal's status, `WWW-Authenticate` challenge and body, as data ([`AuthError::status`], [`AuthError::bearer_challenge`]) | `error` |
//! | record | one decision per request: metrics and an audit event | `observe` |
//!
//! A web framework reaches it through an adapter, which reads its requests
//! through [`adapter::RequestView`] and renders the answers: the actix-web
//! adapter is the `actix` folder, behind the feature `actix`; without it
//! the crate depends on no web framework.
//!
//! # Folders
//!
//! Each named for what it holds; none imports a module that imports it
//! back (`scripts/module_cycles.py` checks):
//!
//! | folder | holds |
//! |---|---|
//! | `authenticator` | [`Authenticator`] and its builder, the environment variables of `from_env` (`env`), the resolved settings (`settings`), the verified-token cache (`token_cache`) |
//! | `issuer` | [`Issuer`] as configured, its provider presets (`preset`), the `iss` it accepts (`pattern`), where scopes and the client id are read (`claim_sources`), its keys fetched and cached (`key_cache`), and [`TrustedIssuer`], one entry of a built authenticator (`trusted`) |
//! | `jose` | compact JWS (`jws`), JWKs and algorithms (`jwk`), the rules a token's claims meet (`validation`) |
//! | `claims` | [`Claims`]: a verified token |
//! | [`policy`] | what may be required: [`Requirement`](policy::Requirement), [`ClaimRequirement`](policy::ClaimRequirement), [`TenantBinding`](policy::TenantBinding), [`HandlerPolicy`](policy::HandlerPolicy), the declared scopes ([`ScopeCatalog`](policy::ScopeCatalog)) |
//! | `pipeline` | the one decision ([`adapter::Ask`]), the request as it reads it ([`adapter::RequestView`]), the `Authorization` parser (`bearer`) |
//! | [`revocation`] | revocation rules and stores: in memory, or shared through Redis (feature `redis`) |
//! | `observe` | one decision per request (`decision`), its metrics (`metrics`, feature `metrics`) and fixed labels (`reason`) |
//! | [`error`] | [`AuthError`] and [`ConfigError`] (at the root) and their reasons, [`KeyFetchError`](error::KeyFetchError); the wire form of a refusal (`wire`) and its typed [`Challenge`](error::Challenge) (`challenge`) |
//! | [`resource_metadata`] | RFC 9728 protected resource metadata |
//! | [`inventory`] | every protected handler and guard of the binary |
//! | `openapi` | (feature `utoipa`) OpenAPI security from the same requirements |
//! | `actix` | (feature `actix`) the actix-web adapter: extractors, the guard middleware, responses, the metadata middleware |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
mod authenticator;
mod claims;
pub mod error;
pub mod inventory;
mod issuer;
mod jose;
mod observe;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod openapi;
mod pipeline;
pub mod policy;
pub mod resource_metadata;
pub mod revocation;

pub use authenticator::Authenticator;
pub use authenticator::builder::AuthenticatorBuilder;
pub use claims::Claims;
pub use claims::sources::{ClientIdClaim, ScopeSource};
pub use error::auth::AuthError;
pub use error::config::ConfigError;
pub use issuer::Issuer;
pub use issuer::trusted::TrustedIssuer;
pub use jose::jwk::Algorithm;
pub use observe::decision::AUDIT_TARGET;
pub use scopegate_grammar as grammar;

/// The environment variables [`Authenticator::from_env`] reads (see
/// [`AuthenticatorBuilder`] for what each does).
pub mod env {
    pub use crate::authenticator::env::{
        ENV_AUDIENCE as AUDIENCE, ENV_AUTH0_DOMAIN as AUTH0_DOMAIN,
        ENV_COGNITO_POOL as COGNITO_POOL, ENV_COGNITO_REGION as COGNITO_REGION,
        ENV_COGNITO_SCOPE_PREFIX as COGNITO_SCOPE_PREFIX, ENV_DISCOVERY as DISCOVERY,
        ENV_ENTRA_ANY_TENANT as ENTRA_ANY_TENANT, ENV_ENTRA_TENANT as ENTRA_TENANT,
        ENV_ENVIRONMENT_URL as ENVIRONMENT_URL, ENV_ISSUER as ISSUER, ENV_JWKS_URL as JWKS_URL,
        ENV_KEYCLOAK_REALM as KEYCLOAK_REALM, ENV_KEYCLOAK_URL as KEYCLOAK_URL,
        ENV_OKTA_DOMAIN as OKTA_DOMAIN, ENV_OKTA_SERVER as OKTA_SERVER, ENV_PRESET as PRESET,
    };
}

/// What a web framework's adapter needs of the core: the request as the
/// pipeline reads it ([`RequestView`](adapter::RequestView)), what is asked
/// of it ([`Ask`](adapter::Ask), whose docs state the order of the checks),
/// the places a guard holds in a request's decision, and the
/// `Authorization` header parser. The actix-web adapter (feature `actix`)
/// is written on this and the root's items alone; so can be one for
/// another framework.
///
/// An adapter reads a request through its `RequestView`, calls
/// [`Authenticator::token_now`], falls back on
/// [`Authenticator::token_by_verifying`] only when the token must be
/// verified, then [`Authenticator::decide`], and renders the
/// [`AuthError`] of a refusal from [`AuthError::status`],
/// [`AuthError::bearer_challenge`] and its description.
pub mod adapter {
    pub use crate::pipeline::bearer::{bearer_token, parse_authorization};
    pub use crate::pipeline::record::GuardEntry;
    pub use crate::pipeline::request::{GuardRecord, RequestView};
    pub use crate::pipeline::{Ask, refuse_unattributed};
}

/// What `#[require_scopes]` expands to names actix-web's traits through
/// here, so that a crate that renames its actix-web dependency still
/// compiles. Not a public API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "actix")]
    pub use crate::actix::FromRequest;
    pub use inventory;
}

/// The parsers of untrusted input, reachable for the fuzz targets in
/// `fuzz/` (a separate cargo workspace, which can only call public items)
/// without making their modules public. Not a public API.
#[doc(hidden)]
pub mod __fuzz {
    use crate::error::{KeyFetchError, TokenError};
    use crate::jose::jwk::{Algorithm, JwkError};

    /// A JWKS document parsed for every algorithm: how many keys it yields.
    pub fn parse_jwks(body: &[u8]) -> Result<usize, JwkError> {
        crate::jose::jwk::parse_jwks(body, &Algorithm::ALL).map(|set| set.len())
    }

    /// An OIDC discovery document for `issuer`: its `jwks_uri`.
    pub fn parse_discovery(body: &[u8], issuer: &str) -> Result<String, KeyFetchError> {
        crate::issuer::key_cache::parse_discovery(body, issuer).map(String::from)
    }

    /// A compact JWS split and its header checked, then its payload read
    /// and its claims checked against fixed rules (no signature: the whole
    /// path with a key is `Authenticator::validate`).
    pub fn parse_unverified(token: &str, now: i64) -> Result<(), TokenError> {
        let compact = crate::jose::jws::parse_compact(token, &Algorithm::ALL)?;
        let raw = compact.payload()?;
        let audiences = ["api.fuzz.test".to_owned()];
        let issuer =
            crate::issuer::pattern::IssuerPattern::Exact("https://issuer.fuzz.test".into());
        let label = std::sync::Arc::from("https://issuer.fuzz.test");
        let rules =
            crate::issuer::validation::ClaimRules::basic(&issuer, &label, &audiences, 30, now);
        crate::issuer::validation::check_claims(raw, &rules).map(|_| ())
    }
}
