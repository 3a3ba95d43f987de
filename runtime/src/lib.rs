//! The runtime of [scopegate](https://docs.rs/scopegate): bearer-token
//! validation against an issuer's JWKS, [`Claims`], RFC 6750 error responses
//! and the actix-web extractors behind `#[require_scopes]`.
//!
//! Use it through the `scopegate` crate, which re-exports everything here
//! along with the macro.
//!
//! # Modules
//!
//! Laid out like jsonwebtoken's, each named for what it holds; none imports
//! a module that imports it back (`scripts/module_cycles.py` checks):
//!
//! | module | holds |
//! |---|---|
//! | `authenticator` (+ `authenticator::builder`, `authenticator::env`) | [`Authenticator`], [`AuthenticatorBuilder`], the variables of `from_env` |
//! | `settings` | the resolved settings the caches read |
//! | `issuer` | [`Issuer`]: one trusted issuer, as configured (keys, audiences, scope sources and prefix, claim requirements) |
//! | `preset` | the provider presets: `Issuer::auth0`, `Issuer::entra_id`, ... |
//! | `issuer_pattern` | which `iss` an issuer entry accepts: exact, or a multi-tenant template |
//! | `claim_sources` | [`ScopeSource`], [`ClientIdClaim`]: where scopes and the client id are read |
//! | `trusted` | [`TrustedIssuer`]: one issuer entry of a built authenticator |
//! | `bearer` | the `Authorization` header parser |
//! | `jws` | compact JWS: parts, JOSE header, signature |
//! | `validation` | claim rules: issuer, lifetime, audience, types, scopes |
//! | `jwk` | [`Algorithm`], JWKS parsing into verification keys |
//! | `key_cache` | the issuer's keys, fetched and cached |
//! | `token_cache` | tokens already verified |
//! | `reason` | the fixed label of every refusal and key-fetch outcome |
//! | `metrics` | (feature `metrics`) the counters and histograms of an issuer |
//! | `decision` | one decision per request: its metrics and its audit event |
//! | `claims` | [`Claims`] |
//! | `claim_requirement` | [`ClaimRequirement`]: a claim equals, includes, is one of |
//! | `requirement` | [`Requirement`] |
//! | `policy` | [`HandlerPolicy`]: claims, tenant and revocation of a handler, and the order of a handler's checks |
//! | `tenant` | [`TenantBinding`]: a claim bound to a path parameter |
//! | [`revocation`] | [`RevocationCheck`], [`Revocation`], [`MemoryRevocations`] (and `RedisRevocations`, feature `redis`) |
//! | `errors` | [`AuthError`] and its reasons, [`ConfigError`], [`KeyFetchError`] |
//! | `challenge` | [`Challenge`]: a `WWW-Authenticate` challenge as typed parameters |
//! | `response` | [`AuthError`] as an HTTP response |
//! | `extract` | the actix-web extractors |
//! | `catalog` | [`ScopeCatalog`], the declared scopes, as `scope_catalog!()` builds it |
//! | [`inventory`] | [`ProtectedRoute`]: every protected handler and guard of the binary |
//! | `guard` | [`ScopeGuard`], the middleware of `require_scopes_guard!` |
//! | [`resource_metadata`] | RFC 9728 protected resource metadata and challenges |
//! | [`openapi`] | (feature `utoipa`) OpenAPI security from the same requirements |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod authenticator;
mod bearer;
mod catalog;
mod challenge;
mod claim_requirement;
mod claim_sources;
mod claims;
mod decision;
mod errors;
mod extract;
mod guard;
pub mod inventory;
mod issuer;
mod issuer_pattern;
mod jwk;
mod jws;
mod key_cache;
mod metrics;
#[cfg(feature = "utoipa")]
pub mod openapi;
mod policy;
mod preset;
mod reason;
mod requirement;
pub mod resource_metadata;
mod response;
pub mod revocation;
mod settings;
mod tenant;
mod token_cache;
mod trusted;
mod validation;

pub use authenticator::builder::AuthenticatorBuilder;
pub use authenticator::env::{
    ENV_AUDIENCE, ENV_AUTH0_DOMAIN, ENV_COGNITO_POOL, ENV_COGNITO_REGION, ENV_COGNITO_SCOPE_PREFIX,
    ENV_DISCOVERY, ENV_ENTRA_ANY_TENANT, ENV_ENTRA_TENANT, ENV_ENVIRONMENT_URL, ENV_ISSUER,
    ENV_JWKS_URL, ENV_KEYCLOAK_REALM, ENV_KEYCLOAK_URL, ENV_OKTA_DOMAIN, ENV_OKTA_SERVER,
    ENV_PRESET,
};
pub use authenticator::{Authenticator, check_scopes};
pub use bearer::{bearer_token, parse_authorization};
pub use catalog::{CatalogScope, ScopeCatalog};
pub use challenge::Challenge;
pub use claim_requirement::{
    ClaimMismatch, ClaimMismatchKind, ClaimRequirement, ClaimRequirementError, ClaimTest,
    ClaimValue,
};
pub use claim_sources::{ClientIdClaim, ScopeSource};
pub use claims::{ClaimError, Claims};
pub use decision::AUDIT_TARGET;
pub use errors::{
    AuthError, ConfigError, EnvValueError, KeyDocument, KeyFetchError, RequestError, RevokedBy,
    TenantTemplateError, TokenError, TokenPart,
};
pub use extract::{Authorized, ScopeRequirement};
pub use guard::{ScopeGuard, ScopeGuardService};
pub use inventory::{ProtectedRoute, RouteKind};
pub use issuer::Issuer;
pub use jwk::{Algorithm, JwkError, UnsupportedAlgorithm};
pub use policy::HandlerPolicy;
pub use requirement::Requirement;
pub use resource_metadata::{MetadataError, ProtectedResource, ProtectedResourceBuilder};
pub use revocation::{
    MemoryRevocations, Revocation, RevocationCheck, RevocationError, RevocationMode,
    RevocationStore, Verdict,
};
#[cfg(feature = "redis")]
pub use revocation::{RedisRevocations, RedisRevocationsBuilder};
pub use scopegate_grammar as grammar;
pub use scopegate_wire::url_policy::UrlPolicyError;
pub use tenant::{
    DEFAULT_TENANT_CLAIM, HandlerMisconfiguration, MisconfiguredHandler, TenantBinding,
    TenantMismatch, TenantMismatchKind,
};
pub use trusted::TrustedIssuer;

/// What `#[require_scopes]` expands to names actix-web's traits through
/// here, so that a crate that renames its actix-web dependency still
/// compiles. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use actix_web::FromRequest;
    pub use inventory;
}

/// The parsers of untrusted input, reachable for the fuzz targets in
/// `fuzz/` (a separate cargo workspace, which can only call public items)
/// without making their modules public. Not a public API.
#[doc(hidden)]
pub mod __fuzz {
    use crate::errors::{KeyFetchError, TokenError};
    use crate::jwk::{Algorithm, JwkError};

    /// A JWKS document parsed for every algorithm: how many keys it yields.
    pub fn parse_jwks(body: &[u8]) -> Result<usize, JwkError> {
        crate::jwk::parse_jwks(body, &Algorithm::ALL).map(|set| set.len())
    }

    /// An OIDC discovery document for `issuer`: its `jwks_uri`.
    pub fn parse_discovery(body: &[u8], issuer: &str) -> Result<String, KeyFetchError> {
        crate::key_cache::parse_discovery(body, issuer).map(String::from)
    }

    /// A compact JWS split and its header checked, then its payload read
    /// and its claims checked against fixed rules (no signature: the whole
    /// path with a key is `Authenticator::validate`).
    pub fn parse_unverified(token: &str, now: i64) -> Result<(), TokenError> {
        let compact = crate::jws::parse_compact(token, &Algorithm::ALL)?;
        let raw = compact.payload()?;
        let audiences = ["api.fuzz.test".to_owned()];
        let issuer = crate::issuer_pattern::IssuerPattern::Exact("https://issuer.fuzz.test".into());
        let label = std::sync::Arc::from("https://issuer.fuzz.test");
        let rules = crate::validation::ClaimRules::basic(&issuer, &label, &audiences, 30, now);
        crate::validation::check_claims(raw, &rules).map(|_| ())
    }
}
