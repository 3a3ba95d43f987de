//! The verified-token cache: the claims of tokens already validated, so a
//! client that sends the same token on every call (the client-credentials
//! pattern: one token for up to 24 hours) pays for one RSA verification, not
//! one per request.
//!
//! Safety of a hit rests on four rules:
//!
//! * **Exact key.** Entries are keyed by the whole token string and found by
//!   full string equality; there is no truncated or weak hash that two tokens
//!   could share. (Only the choice of hash bucket looks at part of the token:
//!   its length and its last bytes, which are the end of the signature; see
//!   [`TailHash`].)
//! * **Bounded life.** An entry lives until the token's `exp` (plus the
//!   leeway) or the configured maximum, whichever comes first, and `exp` and
//!   `nbf` are checked again on every hit.
//! * **Key still trusted.** Each entry remembers the key that verified it; a
//!   hit counts only while that exact key is still published by the issuer,
//!   so a key removed from the JWKS takes its tokens with it.
//! * **Bounded memory.** Entries are weighed by their size in bytes and the
//!   cache evicts beyond its byte budget.
//!
//! Hand-written around moka rather than a plain `Cache<String, _>`, for
//! measured reasons: [`TailHash`] hashes ~60 bytes instead of the whole
//! token (a third of the cost of a hit), and entries are weighed by the
//! memory they hold (measured RSS per entry), so the byte budget bounds the
//! process.
//!
//! What it does not change: a JWT cannot be revoked before its `exp` unless
//! the issuer retires its key; the cache keeps a token valid no longer than
//! the token says it is. Set the cache size to 0 to turn it off.

use std::collections::hash_map::{DefaultHasher, RandomState};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;

use crate::claims::Claims;
use crate::jwk::VerifyKey;

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

/// How many trailing bytes of a token choose its hash bucket.
const HASHED_TAIL: usize = 48;

/// Hashes a token by its length and its last [`HASHED_TAIL`] bytes, with
/// std's keyed SipHash, instead of all of it: a lookup hashes ~60 bytes, not
/// the ~900 of a typical access token (hashing the whole token was a third
/// of the cost of a cache hit).
///
/// The bytes left out never decide a match: entries are still compared with
/// the looked-up token in full. The tail is the end of the signature, which
/// is the issuer's and differs between any two signed tokens, and only
/// tokens that verified are inserted, so an attacker cannot fill one bucket
/// with many entries; the per-process random key still applies.
#[derive(Clone, Default)]
pub(crate) struct TailHash(RandomState);

impl BuildHasher for TailHash {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

pub(crate) struct TailHasher(DefaultHasher);

impl Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write_usize(bytes.len());
        self.0
            .write(&bytes[bytes.len().saturating_sub(HASHED_TAIL)..]);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// What one entry costs beyond the token's bytes and the claims' own
/// (`Claims::approximate_size`): moka's bookkeeping (entry, deque and timer
/// nodes, hash bucket) and the allocator's headers on a dozen allocations.
const ENTRY_OVERHEAD: usize = 640;
/// One B-tree node of the custom claims' map (11 slots of `String` keys and
/// `Value`s), allocated whole even for one claim.
const MAP_NODE: usize = 640;

/// The memory an entry holds, so that the byte budget bounds the process's
/// memory, not only the payload: measured at ~2.7 KB of RSS per entry for a
/// typical 874-byte token with one custom claim, which this estimates at
/// 2.71 KB (the payload alone is 1.4 KB).
fn entry_bytes(token: &str, claims: &Claims) -> usize {
    // A B-tree node holds 11 entries; after splits they are about 2/3 full.
    let map_nodes = claims.other_claims().len().div_ceil(8);
    token.len() + claims.approximate_size() + ENTRY_OVERHEAD + map_nodes * MAP_NODE
}

pub(crate) struct TokenCache {
    cache: Option<Cache<Arc<str>, Verified, TailHash>>,
    max_ttl: Duration,
}

impl TokenCache {
    pub(crate) fn new(max_bytes: u64, max_ttl: Duration) -> Self {
        let cache = (max_bytes > 0 && !max_ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|token: &Arc<str>, value: &Verified| {
                    u32::try_from(entry_bytes(token, &value.claims)).unwrap_or(u32::MAX)
                })
                .expire_after(PerEntry)
                .build_with_hasher(TailHash::default())
        });
        TokenCache { cache, max_ttl }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{ClaimRules, check_claims};

    #[test]
    fn tokens_sharing_a_tail_share_a_bucket_but_never_an_entry() {
        let tail = "x".repeat(HASHED_TAIL);
        let a: Arc<str> = format!("aaaa.{tail}").into();
        let b: Arc<str> = format!("bbbb.{tail}").into();
        let hash = TailHash::default();
        assert_eq!(hash.hash_one(&a), hash.hash_one(&b));
        assert_eq!(hash.hash_one(&*a), hash.hash_one(&a));
        assert_ne!(hash.hash_one("a.b.c"), hash.hash_one("a.b.d"));

        let cache: Cache<Arc<str>, u8, TailHash> = Cache::builder()
            .max_capacity(16)
            .build_with_hasher(TailHash::default());
        cache.insert(Arc::clone(&a), 1);
        assert_eq!(cache.get(&*a), Some(1));
        assert_eq!(cache.get(&*b), None);
        cache.insert(Arc::clone(&b), 2);
        assert_eq!(cache.get(&*a), Some(1));
        assert_eq!(cache.get(&*b), Some(2));
    }

    #[test]
    fn an_entry_weighs_what_it_holds() {
        // The claims of a typical Scalekit client-credentials token.
        let payload = serde_json::json!({
            "client_id": "m2morg_12345678901234567",
            "sub": "m2morg_12345678901234567",
            "oid": "org_12345678901234567",
            "scopes": ["read:deployments", "deploy:applications"],
            "iss": "http://127.0.0.1:41000",
            "aud": "deployment-api.acmecorp.com",
            "iat": 1_000_000, "nbf": 1_000_000, "exp": 1_003_600,
            "jti": "tkn_12345678901234567",
            "environment": "production-eu-west-1",
        });
        let rules = ClaimRules {
            issuer: "http://127.0.0.1:41000",
            audiences: &[],
            leeway: 30,
            now: 1_000_000,
        };
        let raw = serde_json::from_value(payload).unwrap();
        let claims = Claims::from_data(check_claims(raw, &rules).unwrap());
        let token = "t".repeat(874);
        let bytes = entry_bytes(&token, &claims);
        // ~2.7 KB of RSS per entry was measured for this shape.
        assert!((2_500..=3_000).contains(&bytes), "{bytes}");
    }
}
