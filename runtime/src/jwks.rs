//! The JWKS cache: the issuer's public keys, fetched with reqwest and held in
//! moka.
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

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use moka::future::Cache as AsyncCache;
use moka::sync::Cache;
use reqwest::Url;
use serde::Deserialize;

use crate::config::Settings;
use crate::error::AuthError;
use crate::keys::{Algorithm, VerifyKey, parse_jwks};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Loaded,
    Failed,
}

pub(crate) struct JwksCache {
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
    fetch_count: std::sync::atomic::AtomicU64,
}

impl JwksCache {
    pub(crate) fn new(settings: &Settings, client: Option<reqwest::Client>) -> Self {
        JwksCache {
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
            fetch_count: Default::default(),
        }
    }

    /// How many fetches of the key set were started (for tests and metrics).
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetch_count.load(Ordering::Relaxed)
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
        Err(AuthError::invalid_token(format!(
            "the token is signed with key `{}`, which the issuer does not publish",
            kid.chars()
                .take(64)
                .filter(|c| c.is_ascii_graphic())
                .collect::<String>()
        )))
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
                tracing::debug!(keys = count, "JWKS refreshed");
                Outcome::Loaded
            }
            Err(reason) => {
                tracing::warn!(%reason, "JWKS fetch failed; keeping the last good keys");
                Outcome::Failed
            }
        }
    }

    async fn fetch(&self) -> Result<crate::keys::KeySet, String> {
        if let KeySource::Static(document) = &self.source {
            return parse_jwks(document, &self.algorithms).map_err(|e| e.to_string());
        }
        let url = self.jwks_url().await?;
        let body = self.get_bounded(&url).await?;
        parse_jwks(&body, &self.algorithms).map_err(|e| e.to_string())
    }

    async fn jwks_url(&self) -> Result<Url, String> {
        let discovery = match &self.source {
            KeySource::Jwks(url) => return Ok(url.clone()),
            KeySource::Discovery(url) => url,
            KeySource::Static(_) => return Err("a static key set has no URL".into()),
        };
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
        let body = self.get_bounded(discovery).await?;
        let doc: Discovery = serde_json::from_slice(&body)
            .map_err(|e| format!("the discovery document is not valid: {e}"))?;
        if doc.issuer != self.issuer {
            return Err(format!(
                "the discovery document names issuer `{}`, not the configured `{}`",
                doc.issuer, self.issuer
            ));
        }
        let url = Url::parse(&doc.jwks_uri).map_err(|e| format!("jwks_uri is not a URL: {e}"))?;
        *self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(url.clone());
        Ok(url)
    }

    /// GETs `url`, refusing bodies over the size cap (timeouts are set on the
    /// client).
    async fn get_bounded(&self, url: &Url) -> Result<Vec<u8>, String> {
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| format!("no HTTP client to fetch {url} with"))?;
        let mut response = client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("request to {url} failed: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body as u64)
        {
            return Err(format!(
                "{url} announced a body over the {} byte cap",
                self.max_body
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading {url} failed: {}", e.without_url()))?
        {
            if body.len() + chunk.len() > self.max_body {
                return Err(format!(
                    "{url} sent a body over the {} byte cap",
                    self.max_body
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
