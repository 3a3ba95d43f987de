//! The resolved settings of an authenticator: what the builder produces and
//! the validator and the caches read. A leaf module, so that the caches need
//! not import the builder (nor the builder the caches).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::jwk::Algorithm;
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

/// The resolved settings, shared by the validator and the caches.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) issuer: String,
    pub(crate) key_source: KeySource,
    pub(crate) audiences: Vec<String>,
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
