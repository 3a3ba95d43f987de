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
//! # The per-thread front cache
//!
//! In front of the shared moka cache, each thread keeps the last
//! [`FRONT_SLOTS`] tokens it saw verified, in a plain array: an actix worker
//! is single-threaded, so a hit there takes no lock, no atomic read
//! bookkeeping and no hash of the token, only a comparison of the length and
//! the last 8 bytes, then of every byte. The same four rules hold there:
//!
//! * a front entry is found only by the exact bytes of its token, and only
//!   for the cache (the [`Authenticator`](crate::Authenticator)) that
//!   verified it;
//! * it dies no later than its shared entry would (`deadline`: insertion
//!   time plus the entry's time to live, in whole seconds, rounded down),
//!   and the caller checks `exp` and `nbf` again on every hit;
//! * the caller checks that the key is still published on every hit;
//! * it holds at most [`FRONT_SLOTS`] entries per thread (reference-counted
//!   copies of shared entries, which may outlive their eviction from the
//!   shared cache by that many entries per thread).
//!
//! What it does not change: a JWT cannot be revoked before its `exp` unless
//! the issuer retires its key; the cache keeps a token valid no longer than
//! the token says it is. Set the cache size to 0 to turn it off.

use std::cell::RefCell;
use std::collections::hash_map::{DefaultHasher, RandomState};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache;

use crate::claims::Claims;
use crate::jose::jwk::VerifyKey;

#[derive(Clone)]
pub(crate) struct Verified {
    /// The token, shared with the shared cache's key (no copy for the front
    /// cache).
    token: Arc<str>,
    pub(crate) claims: Claims,
    pub(crate) key: Arc<VerifyKey>,
    /// How long the entry may live, from insertion.
    ttl: Duration,
    /// Insertion time plus `ttl`, in whole Unix seconds rounded down: the
    /// front cache's copy of the entry is not used from then on.
    pub(crate) deadline: i64,
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
    /// This cache's entries in the per-thread front caches carry this id.
    id: u64,
}

/// Each thread's front cache holds this many tokens.
pub(crate) const FRONT_SLOTS: usize = 8;

struct FrontEntry {
    /// The [`TokenCache::id`] of the cache that verified it.
    owner: u64,
    /// The token's last 8 bytes (fewer for a shorter token), little-endian:
    /// a cheap first comparison before the full one.
    tail: u64,
    verified: Verified,
}

struct Front {
    slots: [Option<FrontEntry>; FRONT_SLOTS],
    /// The slot the next insertion takes when none is free.
    next: usize,
}

thread_local! {
    static FRONT: RefCell<Front> = const {
        RefCell::new(Front {
            slots: [const { None }; FRONT_SLOTS],
            next: 0,
        })
    };
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn tail(token: &[u8]) -> u64 {
    let mut last = [0; 8];
    let start = token.len().saturating_sub(8);
    last[..token.len() - start].copy_from_slice(&token[start..]);
    u64::from_le_bytes(last)
}

impl Front {
    fn find(&self, owner: u64, token: &[u8]) -> Option<usize> {
        let tail = tail(token);
        self.slots.iter().position(|slot| {
            slot.as_ref().is_some_and(|entry| {
                entry.owner == owner
                    && entry.tail == tail
                    && entry.verified.token.as_bytes() == token
            })
        })
    }
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
        TokenCache {
            cache,
            max_ttl,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Looks `token` up in this thread's front cache and, on a hit, hands
    /// the entry to `check`; when `check` says `None` (the entry may no
    /// longer be used), the entry is dropped from the front cache.
    pub(crate) fn front<R>(
        &self,
        token: &[u8],
        check: impl FnOnce(&Verified) -> Option<R>,
    ) -> Option<R> {
        self.cache.as_ref()?;
        FRONT
            .try_with(|front| {
                let mut front = front.try_borrow_mut().ok()?;
                let slot = front.find(self.id, token)?;
                let entry = front.slots[slot].as_ref()?;
                let result = check(&entry.verified);
                if result.is_none() {
                    front.slots[slot] = None;
                }
                result
            })
            .ok()
            .flatten()
    }

    /// Puts an entry of the shared cache into this thread's front cache.
    pub(crate) fn remember_in_front(&self, verified: &Verified) {
        if self.cache.is_none() {
            return;
        }
        let _ = FRONT.try_with(|front| {
            let Ok(mut front) = front.try_borrow_mut() else {
                return;
            };
            let token = verified.token.as_bytes();
            let entry = FrontEntry {
                owner: self.id,
                tail: tail(token),
                verified: verified.clone(),
            };
            let slot = match front.find(self.id, token) {
                Some(slot) => slot,
                None => match front.slots.iter().position(Option::is_none) {
                    Some(free) => free,
                    None => {
                        let victim = front.next;
                        front.next = (victim + 1) % FRONT_SLOTS;
                        victim
                    }
                },
            };
            // The replaced entry is dropped after the borrow ends.
            let _old = front.slots[slot].replace(entry);
            drop(front);
        });
    }

    pub(crate) fn get(&self, token: &str) -> Option<Verified> {
        self.cache.as_ref()?.get(token)
    }

    pub(crate) fn remove(&self, token: &str) {
        if let Some(cache) = &self.cache {
            cache.invalidate(token);
            self.front(token.as_bytes(), |_| None::<()>);
        }
    }

    /// Remembers a token that was just validated; `valid_for` is the time
    /// left until its `exp` plus the leeway.
    /// `now` is the Unix time the token was checked at.
    pub(crate) fn insert(
        &self,
        token: &str,
        claims: &Claims,
        key: &Arc<VerifyKey>,
        valid_for: Duration,
        now: i64,
    ) {
        let Some(cache) = &self.cache else { return };
        let ttl = valid_for.min(self.max_ttl);
        if ttl.is_zero() {
            return;
        }
        let token: Arc<str> = Arc::from(token);
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let verified = Verified {
            token: Arc::clone(&token),
            claims: claims.clone(),
            key: Arc::clone(key),
            ttl,
            deadline: now.saturating_add(ttl_secs),
        };
        self.remember_in_front(&verified);
        cache.insert(token, verified);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::pattern::IssuerPattern;
    use crate::issuer::validation::{ClaimRules, check_claims};

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
        let issuer = IssuerPattern::Exact("http://127.0.0.1:41000".into());
        let label = Arc::from("http://127.0.0.1:41000");
        let rules = ClaimRules::basic(&issuer, &label, &[], 30, 1_000_000);
        let raw = serde_json::from_value(payload).unwrap();
        let claims = Claims::from_data(check_claims(raw, &rules).unwrap());
        let token = "t".repeat(874);
        let bytes = entry_bytes(&token, &claims);
        // ~2.7 KB of RSS per entry was measured for this shape.
        assert!((2_500..=3_000).contains(&bytes), "{bytes}");
    }

    /// A verification key, as the key cache would hold it.
    fn key() -> Arc<VerifyKey> {
        use aws_lc_rs::rsa::{KeyPair, KeySize};
        use aws_lc_rs::signature::KeyPair as _;
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        /// One DER element: (contents, rest). Lengths of up to two bytes.
        fn element(der: &[u8]) -> (&[u8], &[u8]) {
            let (len, start) = match der[1] {
                n if n < 0x80 => (usize::from(n), 2),
                0x81 => (usize::from(der[2]), 3),
                _ => (usize::from(der[2]) << 8 | usize::from(der[3]), 4),
            };
            der[start..].split_at(len)
        }
        let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
        // PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }.
        let (sequence, _) = element(pair.public_key().as_ref());
        let (n, rest) = element(sequence);
        let (e, _) = element(rest);
        let unsigned = |int: &[u8]| int.strip_prefix(&[0]).unwrap_or(int).to_vec();
        let jwks = serde_json::json!({"keys": [{
            "kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(unsigned(n)),
            "e": URL_SAFE_NO_PAD.encode(unsigned(e)),
        }]});
        let set = crate::jose::jwk::parse_jwks(
            jwks.to_string().as_bytes(),
            &[crate::jose::jwk::Algorithm::RS256],
        )
        .unwrap();
        set.into_values().next().unwrap()
    }

    fn claims(sub: &str) -> Claims {
        let issuer = IssuerPattern::Exact("https://issuer.example".into());
        let label = Arc::from("https://issuer.example");
        let rules = ClaimRules::basic(&issuer, &label, &[], 30, 1_000_000);
        let raw = serde_json::from_value(serde_json::json!({
            "iss": "https://issuer.example", "sub": sub, "exp": 1_003_600,
        }))
        .unwrap();
        Claims::from_data(check_claims(raw, &rules).unwrap())
    }

    /// What the front cache says about `token`: the `sub` of the entry it
    /// finds.
    fn front_sub(cache: &TokenCache, token: &str) -> Option<String> {
        cache.front(token.as_bytes(), |hit| {
            Some(hit.claims.sub().unwrap_or_default().to_owned())
        })
    }

    #[test]
    fn the_front_cache_compares_every_byte() {
        let key = key();
        let cache = TokenCache::new(1 << 20, Duration::from_secs(600));
        // Same length, same last 48 bytes (so the same shared-cache bucket
        // and the same front-cache tail): only the first bytes differ.
        let tail = "s".repeat(HASHED_TAIL);
        let a = format!("aaaa.{tail}");
        let b = format!("bbbb.{tail}");
        let c = format!("aaab.{tail}");
        assert_eq!(a.len(), b.len());
        let hash = TailHash::default();
        assert_eq!(hash.hash_one(a.as_str()), hash.hash_one(b.as_str()));
        let valid = Duration::from_secs(3600);
        cache.insert(&a, &claims("a"), &key, valid, 1_000_000);
        assert_eq!(front_sub(&cache, &a).as_deref(), Some("a"));
        assert_eq!(front_sub(&cache, &b), None, "b was never verified");
        assert_eq!(front_sub(&cache, &c), None);
        assert!(cache.get(&b).is_none());
        cache.insert(&b, &claims("b"), &key, valid, 1_000_000);
        assert_eq!(front_sub(&cache, &a).as_deref(), Some("a"));
        assert_eq!(front_sub(&cache, &b).as_deref(), Some("b"));
        // A prefix or an extension of a cached token is another token.
        assert_eq!(front_sub(&cache, &a[..a.len() - 1]), None);
        assert_eq!(front_sub(&cache, &format!("{a}s")), None);
        assert_eq!(front_sub(&cache, &format!("x{}", &a[1..])), None);
    }

    #[test]
    fn the_front_cache_is_per_authenticator_and_bounded() {
        let key = key();
        let one = TokenCache::new(1 << 20, Duration::from_secs(600));
        let other = TokenCache::new(1 << 20, Duration::from_secs(600));
        let valid = Duration::from_secs(3600);
        one.insert("t.o.k", &claims("one"), &key, valid, 1_000_000);
        assert_eq!(front_sub(&one, "t.o.k").as_deref(), Some("one"));
        assert_eq!(
            front_sub(&other, "t.o.k"),
            None,
            "another authenticator's token"
        );
        // Filling past the slots evicts: the oldest goes first.
        for i in 0..FRONT_SLOTS {
            one.insert(&format!("t.{i}.k"), &claims("n"), &key, valid, 1_000_000);
        }
        assert_eq!(front_sub(&one, "t.o.k"), None);
        FRONT.with(|front| {
            assert!(front.borrow().slots.iter().all(Option::is_some));
        });
        // A removed token leaves the front cache too; a cache turned off
        // has no front cache.
        one.remove("t.0.k");
        assert_eq!(front_sub(&one, "t.0.k"), None);
        let off = TokenCache::new(0, Duration::from_secs(600));
        off.insert("t.x.k", &claims("x"), &key, valid, 1_000_000);
        assert_eq!(front_sub(&off, "t.x.k"), None);
    }

    #[test]
    fn a_front_entry_dies_with_its_shared_entry() {
        let key = key();
        // The entry lives 600 s (the cache's maximum) from 1_000_000.
        let cache = TokenCache::new(1 << 20, Duration::from_secs(600));
        cache.insert(
            "d.e.f",
            &claims("d"),
            &key,
            Duration::from_secs(3600),
            1_000_000,
        );
        let deadline = cache.front(b"d.e.f", |hit| Some(hit.deadline));
        assert_eq!(deadline, Some(1_000_600));
    }
}
