//! The key cache: the issuer's public keys (its JWKS), fetched with reqwest
//! and held in moka.
//!
//! * Keys are fetched lazily, on the first token that needs one: the API
//!   starts even while the issuer is down, and answers `503` until a key set
//!   has been obtained.
//! * Every fetch goes through one moka entry whose time-to-live is the
//!   *refetch cooldown*: concurrent callers share one fetch, and whatever the
//!   traffic (a flood of random `kid`s included) the issuer sees at most one
//!   fetch per cooldown. A failed fetch counts too.
//! * A token whose `kid` is unknown triggers a refetch (key rotation), within
//!   the cooldown.
//! * Known keys are served from memory and never wait on the network: once
//!   the key set is older than the refresh interval, a refresh runs in the
//!   background.
//! * A fetch that fails, times out, exceeds the size cap, or returns a
//!   document with no usable key leaves the cached keys in place. They are
//!   kept for at most `max_staleness` after the last good fetch; past that the
//!   server answers `503` rather than trust keys the issuer may have revoked.
//!   A key that a good fetch no longer lists is dropped at once.
//! * Why a fetch failed is a [`KeyFetchError`]: logged with `tracing::warn`
//!   (never with key material or a token) and kept until the next good fetch
//!   for [`Authenticator::last_key_fetch_error`](crate::Authenticator::last_key_fetch_error).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use moka::future::Cache as AsyncCache;
use moka::sync::Cache;
use reqwest::Url;
use serde::Deserialize;

use scopegate_wire::text::printable;

use crate::errors::{AuthError, KeyDocument, KeyFetchError, TokenError};
use crate::jwk::{Algorithm, KeySet, VerifyKey, parse_jwks};
use crate::settings::{KeySource, Settings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Loaded,
    Failed,
}

pub(crate) struct KeyCache {
    source: KeySource,
    discovered: Mutex<Option<Url>>,
    /// `None` for a static key set, which needs no HTTP.
    client: Option<reqwest::Client>,
    issuer: String,
    algorithms: Vec<Algorithm>,
    max_body: usize,
    refresh_interval: Duration,
    max_staleness: Duration,
    cooldown: Duration,
    keys: Cache<Arc<str>, Arc<VerifyKey>>,
    fetches: AsyncCache<(), Outcome>,
    /// When the last good fetch ended, in milliseconds after `epoch`, plus
    /// one; 0 while no fetch ever succeeded. An atomic, because every
    /// request reads it.
    last_good: AtomicU64,
    epoch: Instant,
    background: AtomicBool,
    fetch_count: AtomicU64,
    /// Why the last fetch failed, until a fetch succeeds.
    last_error: Mutex<Option<KeyFetchError>>,
}

impl KeyCache {
    pub(crate) fn new(settings: &Settings, client: Option<reqwest::Client>) -> Self {
        KeyCache {
            source: settings.key_source.clone(),
            discovered: Mutex::new(None),
            client,
            issuer: settings.issuer.clone(),
            algorithms: settings.algorithms.clone(),
            max_body: settings.max_jwks_bytes,
            refresh_interval: settings.refresh_interval,
            max_staleness: settings.max_staleness,
            cooldown: settings.refetch_cooldown,
            keys: Cache::builder()
                .max_capacity(settings.max_keys)
                .time_to_live(settings.max_staleness)
                .build(),
            fetches: AsyncCache::builder()
                .max_capacity(1)
                .time_to_live(settings.refetch_cooldown)
                .build(),
            last_good: AtomicU64::new(0),
            epoch: Instant::now(),
            background: AtomicBool::new(false),
            fetch_count: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// How many fetches of the key set were started (for tests and metrics).
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetch_count.load(Ordering::Relaxed)
    }

    /// Why the last fetch of the key set failed, if it did and no fetch
    /// succeeded since.
    pub(crate) fn last_error(&self) -> Option<KeyFetchError> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_last_error(&self, error: Option<KeyFetchError>) {
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = error;
    }

    /// The key `kid`, from memory if known, else after one (cooldown-bounded)
    /// refetch.
    pub(crate) async fn key(self: &Arc<Self>, kid: &str) -> Result<Arc<VerifyKey>, AuthError> {
        if let Some(key) = self.keys.get(kid) {
            self.refresh_in_background_if_old();
            return Ok(key);
        }
        let outcome = self.refresh().await;
        if let Some(key) = self.keys.get(kid) {
            return Ok(key);
        }
        if !self.has_fresh_keys() {
            return Err(self.unavailable());
        }
        if outcome == Outcome::Failed {
            // The issuer could not be asked whether it published this key:
            // the server cannot decide, the client is not known to be wrong.
            return Err(self.unavailable());
        }
        // Not `printable`: this message has always dropped what is not
        // visible ASCII and shown up to 64 characters, and clients may read
        // it.
        Err(AuthError::InvalidToken(TokenError::UnknownKey {
            kid: kid
                .chars()
                .take(64)
                .filter(|c| c.is_ascii_graphic())
                .collect(),
        }))
    }

    /// Whether `key` is still trusted: the issuer still publishes it (a good
    /// fetch that no longer lists it, or lists other material under its id,
    /// retires it) and the key set is within its maximum staleness. One
    /// atomic load each, no lookup: this runs on every verified-token cache
    /// hit. Like a key lookup, it starts a background refresh when the key
    /// set is old, so keys age the same whether tokens are cached or not.
    pub(crate) fn still_published(self: &Arc<Self>, key: &VerifyKey) -> bool {
        let published = !key.is_retired() && self.has_fresh_keys();
        if published {
            self.refresh_in_background_if_old();
        }
        published
    }

    fn unavailable(&self) -> AuthError {
        AuthError::KeysUnavailable {
            retry_after: self.cooldown,
        }
    }

    /// How long ago the last good fetch ended, if one ever did.
    fn since_last_good(&self) -> Option<Duration> {
        match self.last_good.load(Ordering::Acquire) {
            0 => None,
            stamp => {
                let at = Duration::from_millis(stamp - 1);
                Some(self.epoch.elapsed().saturating_sub(at))
            }
        }
    }

    fn mark_good(&self) {
        let millis = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.last_good.store(millis + 1, Ordering::Release);
    }

    fn has_fresh_keys(&self) -> bool {
        self.since_last_good()
            .is_some_and(|age| age < self.max_staleness)
    }

    fn refresh_in_background_if_old(self: &Arc<Self>) {
        let old = self
            .since_last_good()
            .is_none_or(|age| age >= self.refresh_interval);
        if !old || self.background.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.background.store(false, Ordering::Release);
            return;
        };
        let this = Arc::clone(self);
        runtime.spawn(async move {
            this.refresh().await;
            this.background.store(false, Ordering::Release);
        });
    }

    /// Fetches the key set unless a fetch happened within the cooldown, in
    /// which case that fetch's outcome is returned. Concurrent callers share
    /// one fetch.
    async fn refresh(self: &Arc<Self>) -> Outcome {
        self.fetches.get_with((), self.fetch_and_apply()).await
    }

    async fn fetch_and_apply(&self) -> Outcome {
        if !matches!(self.source, KeySource::Static(_)) {
            self.fetch_count.fetch_add(1, Ordering::Relaxed);
        }
        match self.fetch().await {
            Ok(set) => {
                let count = set.len();
                // A key the issuer no longer lists is dropped at once.
                let unlisted: Vec<Arc<str>> = self
                    .keys
                    .iter()
                    .map(|(kid, _)| Arc::clone(&*kid))
                    .filter(|kid| !set.contains_key(&**kid))
                    .collect();
                for kid in unlisted {
                    if let Some(old) = self.keys.remove(&kid) {
                        old.retire();
                    }
                }
                for (kid, key) in set {
                    match self.keys.get(&kid) {
                        // Same key material: keep the existing entry (and
                        // what was verified with it) but renew its lifetime.
                        Some(existing) if existing.same_as(&key) => self.keys.insert(kid, existing),
                        Some(replaced) => {
                            replaced.retire();
                            self.keys.insert(kid, key);
                        }
                        None => self.keys.insert(kid, key),
                    }
                }
                self.mark_good();
                self.set_last_error(None);
                tracing::debug!(keys = count, "JWKS refreshed");
                Outcome::Loaded
            }
            Err(reason) => {
                tracing::warn!(%reason, "JWKS fetch failed; keeping the last good keys");
                self.set_last_error(Some(reason));
                Outcome::Failed
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, KeyFetchError> {
        let url = match &self.source {
            KeySource::Static(document) => {
                return parse_jwks(document, &self.algorithms).map_err(KeyFetchError::InvalidJwks);
            }
            KeySource::Jwks(url) => url.clone(),
            KeySource::Discovery(discovery) => self.discover(discovery).await?,
        };
        let body = self.get_bounded(&url, KeyDocument::Jwks).await?;
        parse_jwks(&body, &self.algorithms).map_err(KeyFetchError::InvalidJwks)
    }

    /// The `jwks_uri` of the discovery document at `discovery`, read once.
    async fn discover(&self, discovery: &Url) -> Result<Url, KeyFetchError> {
        if let Some(url) = self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(url);
        }
        #[derive(Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let body = self.get_bounded(discovery, KeyDocument::Discovery).await?;
        let doc: Discovery = serde_json::from_slice(&body)
            .map_err(|e| KeyFetchError::InvalidDiscovery(Arc::new(e)))?;
        if doc.issuer != self.issuer {
            return Err(KeyFetchError::DiscoveryIssuerMismatch {
                found: printable(&doc.issuer, 100),
                expected: self.issuer.clone(),
            });
        }
        let url = Url::parse(&doc.jwks_uri).map_err(KeyFetchError::InvalidJwksUri)?;
        *self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(url.clone());
        Ok(url)
    }

    /// GETs `url`, refusing bodies over the size cap (timeouts are set on the
    /// client).
    async fn get_bounded(
        &self,
        url: &Url,
        document: KeyDocument,
    ) -> Result<Vec<u8>, KeyFetchError> {
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| KeyFetchError::NoHttpClient(url.clone()))?;
        let failed = |e: reqwest::Error| KeyFetchError::Request {
            url: url.clone(),
            source: Arc::new(e.without_url()),
        };
        let too_large = || KeyFetchError::TooLarge {
            url: url.clone(),
            max: self.max_body,
        };
        let mut response = client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(failed)?;
        if !response.status().is_success() {
            return Err(KeyFetchError::Status {
                url: url.clone(),
                status: response.status(),
                document,
            });
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > self.max_body {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
