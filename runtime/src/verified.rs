//! The verified-token cache: the claims of tokens already validated, so a
//! client that sends the same token on every call (the client-credentials
//! pattern: one token for up to 24 hours) pays for one RSA verification, not
//! one per request.
//!
//! Safety of a hit rests on four rules:
//!
//! * **Exact key.** Entries are keyed by the whole token string and found by
//!   full string equality; there is no truncated or weak hash that two tokens
//!   could share.
//! * **Bounded life.** An entry lives until the token's `exp` (plus the
//!   leeway) or the configured maximum, whichever comes first, and `exp` and
//!   `nbf` are checked again on every hit.
//! * **Key still trusted.** Each entry remembers the key that verified it; a
//!   hit counts only while that exact key is still published by the issuer,
//!   so a key removed from the JWKS takes its tokens with it.
//! * **Bounded memory.** Entries are weighed by their size in bytes and the
//!   cache evicts beyond its byte budget.
//!
//! What it does not change: a JWT cannot be revoked before its `exp` unless
//! the issuer retires its key; the cache keeps a token valid no longer than
//! the token says it is. Set the cache size to 0 to turn it off.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;

use crate::claims::Claims;
use crate::keys::VerifyKey;

#[derive(Clone)]
pub(crate) struct Verified {
    pub(crate) claims: Claims,
    pub(crate) key: Arc<VerifyKey>,
    /// How long the entry may live, from insertion.
    ttl: Duration,
}

struct PerEntry;

impl Expiry<Arc<str>, Verified> for PerEntry {
    fn expire_after_create(&self, _: &Arc<str>, value: &Verified, _: Instant) -> Option<Duration> {
        Some(value.ttl)
    }
}

pub(crate) struct VerifiedCache {
    cache: Option<Cache<Arc<str>, Verified>>,
    max_ttl: Duration,
}

impl VerifiedCache {
    pub(crate) fn new(max_bytes: u64, max_ttl: Duration) -> Self {
        let cache = (max_bytes > 0 && !max_ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|token: &Arc<str>, value: &Verified| {
                    let claims = value.claims.approximate_size();
                    u32::try_from(token.len() + claims + 64).unwrap_or(u32::MAX)
                })
                .expire_after(PerEntry)
                .build()
        });
        VerifiedCache { cache, max_ttl }
    }

    pub(crate) fn get(&self, token: &str) -> Option<Verified> {
        self.cache.as_ref()?.get(token)
    }

    pub(crate) fn remove(&self, token: &str) {
        if let Some(cache) = &self.cache {
            cache.invalidate(token);
        }
    }

    /// Remembers a token that was just validated; `valid_for` is the time
    /// left until its `exp` plus the leeway.
    pub(crate) fn insert(
        &self,
        token: &str,
        claims: &Claims,
        key: &Arc<VerifyKey>,
        valid_for: Duration,
    ) {
        let Some(cache) = &self.cache else { return };
        let ttl = valid_for.min(self.max_ttl);
        if ttl.is_zero() {
            return;
        }
        cache.insert(
            Arc::from(token),
            Verified {
                claims: claims.clone(),
                key: Arc::clone(key),
                ttl,
            },
        );
    }
}
