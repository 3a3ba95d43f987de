//! The resolved settings of an authenticator: what the builder produces and
//! the validator and the caches read. A leaf module but for the plain data
//! it holds, so that the caches need not import the builder (nor the
//! builder the caches).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::claims::sources::{ClientIdClaim, ScopeSource};
use crate::issuer::pattern::IssuerPattern;
use crate::jose::jwk::Algorithm;
use crate::policy::claim_requirement::ClaimRequirement;
use crate::revocation::RevocationHook;

/// Where the key set comes from.
#[derive(Debug, Clone)]
pub(crate) enum KeySource {
    /// A JWKS URL given outright.
    Jwks(Url),
    /// OIDC discovery: `jwks_uri` is read from this document.
    Discovery(Url),
    /// A JWKS document given outright: "fetching" reads it from memory.
    Static(Arc<[u8]>),
}

/// The resolved settings of one trusted issuer entry.
#[derive(Debug, Clone)]
pub(crate) struct IssuerSettings {
    /// The `iss` values accepted.
    pub(crate) pattern: IssuerPattern,
    /// The entry's label: the exact issuer or the template, as configured.
    pub(crate) label: Arc<str>,
    pub(crate) key_source: KeySource,
    pub(crate) audiences: Vec<String>,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) scope_sources: Vec<ScopeSource>,
    /// Only scopes starting with it are granted, without it.
    pub(crate) scope_prefix: Option<Arc<str>>,
    pub(crate) client_id_claims: Vec<ClientIdClaim>,
    /// Checked of every valid token: `403` when one fails.
    pub(crate) requirements: Vec<ClaimRequirement>,
    /// Checked when the token is verified: `401 invalid_token` when one
    /// fails.
    pub(crate) token_checks: Vec<ClaimRequirement>,
}

/// The resolved settings, shared by the validator and the caches.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The trusted issuers, in the order configured (at least one).
    pub(crate) issuers: Vec<IssuerSettings>,
    /// Every algorithm some issuer accepts: what a token's header is first
    /// checked against, before its issuer is known.
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) leeway: Duration,
    pub(crate) max_token_bytes: usize,
    pub(crate) max_jwks_bytes: usize,
    pub(crate) max_keys: u64,
    pub(crate) refresh_interval: Duration,
    pub(crate) refetch_cooldown: Duration,
    pub(crate) max_staleness: Duration,
    pub(crate) token_cache_bytes: u64,
    pub(crate) token_cache_ttl: Duration,
    pub(crate) revocation: Option<RevocationHook>,
}
