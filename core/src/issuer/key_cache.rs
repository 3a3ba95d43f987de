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
//! * Except while no key set was ever obtained (a server that started while
//!   its issuer was down): every request is a `503` then, and a failed fetch
//!   is retried after a short, growing backoff instead of the cooldown
//!   ([`COLD_RETRY_FIRST`] doubling up to [`COLD_RETRY_MAX`], never more
//!   than the cooldown), so that service resumes within
//!   [`COLD_RETRY_MAX`] of the issuer's return rather than a whole cooldown
//!   later. The backoff bounds the fetches of a cold outage too: at most a
//!   handful in the first seconds, then one per [`COLD_RETRY_MAX`]. Once
//!   keys are known, the one-fetch-per-cooldown bound applies again,
//!   whatever the traffic.
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

use crate::error::{AuthError, KeyDocument, KeyFetchError, TokenError};
use crate::issuer::settings::{IssuerSettings, KeySource, Settings};
use crate::jose::jwk::{Algorithm, KeySet, VerifyKey, parse_jwks};
use crate::observe::metrics::IssuerMetrics;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Loaded,
    Failed,
}

/// The first retry delay after a failed fetch while no key set was ever
/// obtained.
pub(crate) const COLD_RETRY_FIRST: Duration = Duration::from_millis(100);
/// The longest retry delay while no key set was ever obtained (also capped
/// by the cooldown): the promise is that a server that never had keys
/// serves again within this long of its issuer's return.
pub(crate) const COLD_RETRY_MAX: Duration = Duration::from_millis(1600);

/// A fetch's outcome, kept in the `fetches` entry for as long as no other
/// fetch may start: the cooldown, or the cold backoff.
#[derive(Debug, Clone, Copy)]
struct Fetched {
    outcome: Outcome,
    hold: Duration,
}

struct HoldFor;

impl moka::Expiry<(), Fetched> for HoldFor {
    fn expire_after_create(&self, _: &(), fetched: &Fetched, _: Instant) -> Option<Duration> {
        Some(fetched.hold)
    }
}

/// The `jwks_uri` of an OIDC discovery document (OpenID Connect Discovery
/// 1.0 §3, RFC 8414 §2), whose `issuer` must be `issuer` exactly (§4.3).
pub(crate) fn parse_discovery(body: &[u8], issuer: &str) -> Result<Url, KeyFetchError> {
    #[derive(Deserialize)]
    struct Discovery {
        issuer: String,
        jwks_uri: String,
    }
    let doc: Discovery =
        serde_json::from_slice(body).map_err(|e| KeyFetchError::InvalidDiscovery(Arc::new(e)))?;
    if doc.issuer != issuer {
        return Err(KeyFetchError::DiscoveryIssuerMismatch {
            found: printable(&doc.issuer, 100),
            expected: issuer.to_owned(),
        });
    }
    Url::parse(&doc.jwks_uri).map_err(KeyFetchError::InvalidJwksUri)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
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
    fetches: AsyncCache<(), Fetched>,
    /// The next cold-outage retry delay, in milliseconds (see
    /// [`COLD_RETRY_FIRST`]).
    cold_retry_ms: AtomicU64,
    /// When the last good fetch ended, in milliseconds after `epoch`, plus
    /// one; 0 while no fetch ever succeeded. An atomic, because every
    /// request reads it.
    last_good: AtomicU64,
    epoch: Instant,
    background: AtomicBool,
    fetch_count: AtomicU64,
    /// Why the last fetch failed, until a fetch succeeds.
    last_error: Mutex<Option<KeyFetchError>>,
    /// The issuer's metrics (also used by the authenticator).
    pub(crate) metrics: IssuerMetrics,
}

impl KeyCache {
    /// The key cache of one trusted issuer: its key source and algorithms,
    /// with the limits and timings shared by all issuers.
    pub(crate) fn new(
        issuer: &IssuerSettings,
        settings: &Settings,
        client: Option<reqwest::Client>,
    ) -> Self {
        KeyCache {
            source: issuer.key_source.clone(),
            discovered: Mutex::new(None),
            client,
            // A discovery document names the issuer as configured: a
            // multi-tenant one by its template (Microsoft Entra ID's
            // common document says `.../{tenantid}/v2.0`).
            issuer: issuer.pattern.as_str().to_owned(),
            algorithms: issuer.algorithms.clone(),
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
                .expire_after(HoldFor)
                .build(),
            cold_retry_ms: AtomicU64::new(millis(COLD_RETRY_FIRST)),
            last_good: AtomicU64::new(0),
            epoch: Instant::now(),
            background: AtomicBool::new(false),
            fetch_count: AtomicU64::new(0),
            last_error: Mutex::new(None),
            metrics: IssuerMetrics::new(&issuer.label),
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
        let cached = self.keys.get(kid);
        self.metrics.key_cache(cached.is_some());
        if let Some(key) = cached {
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
        if key.is_retired() {
            return false;
        }
        // One clock read serves both checks: this runs on every cache hit.
        let Some(age) = self.since_last_good() else {
            return false;
        };
        if age >= self.max_staleness {
            return false;
        }
        if age >= self.refresh_interval {
            self.start_background_refresh();
        }
        true
    }

    fn unavailable(&self) -> AuthError {
        let retry_after = if self.since_last_good().is_none() {
            // Cold: the next fetch comes sooner than the cooldown.
            Duration::from_millis(self.cold_retry_ms.load(Ordering::Relaxed)).min(self.cooldown)
        } else {
            self.cooldown
        };
        AuthError::KeysUnavailable { retry_after }
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
        if old {
            self.start_background_refresh();
        }
    }

    /// Starts a refresh in the background unless one is running.
    fn start_background_refresh(self: &Arc<Self>) {
        if self.background.swap(true, Ordering::AcqRel) {
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
        self.fetches
            .get_with((), async {
                let outcome = self.fetch_and_apply().await;
                Fetched {
                    outcome,
                    hold: self.hold_after(outcome),
                }
            })
            .await
            .outcome
    }

    /// How long `outcome` stands before another fetch may start: the
    /// cooldown, except for a failure while no key set was ever obtained,
    /// which is retried after the cold backoff (and the backoff grows).
    fn hold_after(&self, outcome: Outcome) -> Duration {
        if outcome == Outcome::Loaded || self.since_last_good().is_some() {
            return self.cooldown;
        }
        let cap = millis(COLD_RETRY_MAX.min(self.cooldown));
        let hold = self
            .cold_retry_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |ms| {
                Some(ms.saturating_mul(2).min(cap))
            })
            .unwrap_or(cap);
        Duration::from_millis(hold.min(cap))
    }

    async fn fetch_and_apply(&self) -> Outcome {
        if !matches!(self.source, KeySource::Static(_)) {
            self.fetch_count.fetch_add(1, Ordering::Relaxed);
        }
        let timer = self.metrics.fetch_started();
        let fetched = self.fetch().await;
        if !matches!(self.source, KeySource::Static(_)) {
            self.metrics.fetch_finished(timer, fetched.as_ref().err());
        }
        match fetched {
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
        let body = self.get_bounded(discovery, KeyDocument::Discovery).await?;
        let url = parse_discovery(&body, &self.issuer)?;
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

#[cfg(test)]
mod tests {
    //! The cold outage over loopback: a JWKS endpoint that is down, then up,
    //! with a count of its fetches.

    use std::sync::atomic::AtomicBool;

    use actix_web::{App, HttpResponse, HttpServer, web};
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::KeyPair as _;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    #[derive(Clone)]
    struct Endpoint {
        up: Arc<AtomicBool>,
        fetches: Arc<AtomicU64>,
        jwks: Arc<Vec<u8>>,
    }

    /// `n` and `e` of a PKCS#1 `RSAPublicKey` DER (lengths under 64 KiB).
    fn modulus_and_exponent(der: &[u8]) -> (&[u8], &[u8]) {
        fn tlv(der: &[u8]) -> (&[u8], &[u8]) {
            let (len, at) = match der[1] {
                short if short < 0x80 => (usize::from(short), 2),
                0x81 => (usize::from(der[2]), 3),
                _ => (usize::from(der[2]) << 8 | usize::from(der[3]), 4),
            };
            (&der[at..at + len], &der[at + len..])
        }
        let (sequence, _) = tlv(der);
        let (n, rest) = tlv(sequence);
        let (e, _) = tlv(rest);
        let n = n.strip_prefix(&[0]).unwrap_or(n);
        (n, e)
    }

    async fn serve(up: bool) -> (Endpoint, Url) {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key");
        let (n, e) = modulus_and_exponent(pair.public_key().as_ref());
        let jwks = serde_json::json!({"keys": [{
            "kty": "RSA", "kid": "k1", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e),
        }]});
        let endpoint = Endpoint {
            up: Arc::new(AtomicBool::new(up)),
            fetches: Arc::new(AtomicU64::new(0)),
            jwks: Arc::new(serde_json::to_vec(&jwks).expect("JSON")),
        };
        let shared = endpoint.clone();
        let server = HttpServer::new(move || {
            let endpoint = shared.clone();
            App::new().route(
                "/keys",
                web::get().to(move || {
                    let endpoint = endpoint.clone();
                    async move {
                        endpoint.fetches.fetch_add(1, Ordering::SeqCst);
                        if endpoint.up.load(Ordering::SeqCst) {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(endpoint.jwks.to_vec())
                        } else {
                            HttpResponse::ServiceUnavailable().finish()
                        }
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind loopback");
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());
        let url = Url::parse(&format!("http://{addr}/keys")).expect("URL");
        (endpoint, url)
    }

    fn cache(url: Url, cooldown: Duration) -> Arc<KeyCache> {
        let issuer = IssuerSettings {
            pattern: crate::issuer::pattern::IssuerPattern::Exact("http://127.0.0.1".into()),
            label: "http://127.0.0.1".into(),
            key_source: KeySource::Jwks(url),
            audiences: Vec::new(),
            algorithms: vec![Algorithm::RS256],
            scope_sources: crate::ScopeSource::DEFAULT.to_vec(),
            scope_prefix: None,
            client_id_claims: crate::ClientIdClaim::DEFAULT.to_vec(),
            requirements: Vec::new(),
            token_checks: Vec::new(),
        };
        let settings = Settings {
            algorithms: issuer.algorithms.clone(),
            issuers: vec![issuer.clone()],
            leeway: Duration::from_secs(30),
            max_token_bytes: 8192,
            max_jwks_bytes: 64 * 1024,
            max_keys: 64,
            refresh_interval: Duration::from_secs(300),
            refetch_cooldown: cooldown,
            max_staleness: Duration::from_secs(3600),
            token_cache_bytes: 0,
            token_cache_ttl: Duration::from_secs(60),
            revocation: None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Arc::new(KeyCache::new(&issuer, &settings, Some(client)))
    }

    /// The most fetches a cold outage of `elapsed` may cause: one at the
    /// start, then one per backoff step (100, 200, 400, 800, 1600, 1600,
    /// ... ms), each step starting after the previous fetch ended.
    fn cold_fetch_bound(elapsed: Duration) -> u64 {
        let mut bound = 1;
        let mut waited = Duration::ZERO;
        let mut step = COLD_RETRY_FIRST;
        loop {
            waited += step;
            if waited > elapsed {
                return bound;
            }
            bound += 1;
            step = (step * 2).min(COLD_RETRY_MAX);
        }
    }

    #[actix_web::test]
    async fn a_cold_outage_is_retried_soon_and_service_resumes_quickly() {
        let (endpoint, url) = serve(false).await;
        let cooldown = Duration::from_secs(10); // the default
        let cache = cache(url, cooldown);
        let fetches = || endpoint.fetches.load(Ordering::SeqCst);

        // The issuer is down from the start: every lookup is a 503, and the
        // cache retries sooner than the cooldown, on a growing backoff. For
        // 1.2 s, and on until the second fetch (the first retry, due 100 ms
        // after the first fetch ended, however long that took on a loaded
        // machine) while that is still well inside the 10 s cooldown.
        let started = Instant::now();
        let mut lookups = 0;
        while started.elapsed() < Duration::from_millis(1200)
            || (fetches() < 2 && started.elapsed() < Duration::from_secs(8))
        {
            match cache.key("k1").await {
                Err(AuthError::KeysUnavailable { retry_after }) => {
                    assert!(retry_after <= COLD_RETRY_MAX, "{retry_after:?}");
                }
                other => panic!("expected 503, got {other:?}"),
            }
            lookups += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let during_outage = fetches();
        let bound = cold_fetch_bound(started.elapsed());
        assert!(
            (2..=bound).contains(&during_outage),
            "{during_outage} fetches for {lookups} lookups in {:?} (at most {bound})",
            started.elapsed()
        );

        // The issuer returns. Lookups spaced by 100 ms: the longest cold
        // backoff is 1.6 s, so the 18th lookup at the latest (at least
        // 1.7 s later, however slow the machine) finds the keys.
        endpoint.up.store(true, Ordering::SeqCst);
        let returned = Instant::now();
        let spacing = Duration::from_millis(100);
        let most = (COLD_RETRY_MAX.as_millis() / spacing.as_millis()) as usize + 2;
        let mut attempts = 0;
        loop {
            attempts += 1;
            if cache.key("k1").await.is_ok() {
                break;
            }
            assert!(attempts < most, "still 503 after {attempts} lookups");
            tokio::time::sleep(spacing).await;
        }
        let recovery = returned.elapsed();
        eprintln!(
            "cold outage: {during_outage} fetches in {:?} of outage; served {recovery:?} after the issuer's return ({attempts} lookups 100 ms apart)",
            returned.duration_since(started)
        );
        assert_eq!(fetches(), during_outage + 1, "one fetch brought the keys");
        assert!(cache.last_error().is_none());

        // Once keys are known the cooldown bounds fetches again: a flood of
        // unknown kids, issuer up, then down.
        let flood = Instant::now();
        for i in 0..300 {
            let result = cache.key(&format!("unknown-{i}")).await;
            assert!(
                matches!(
                    result,
                    Err(AuthError::InvalidToken(TokenError::UnknownKey { .. }))
                ),
                "{result:?}"
            );
        }
        endpoint.up.store(false, Ordering::SeqCst);
        for i in 0..300 {
            let _ = cache.key(&format!("unknown-down-{i}")).await;
            assert!(cache.key("k1").await.is_ok(), "a known key keeps serving");
        }
        let flood_fetches = fetches() - during_outage - 1;
        let allowed = 1 + flood.elapsed().as_secs() / cooldown.as_secs();
        assert!(
            flood_fetches <= allowed,
            "{flood_fetches} fetches for 600 unknown kids in {:?}",
            flood.elapsed()
        );
    }

    #[actix_web::test]
    async fn a_failure_after_keys_were_known_holds_for_the_cooldown() {
        let (endpoint, url) = serve(true).await;
        let cooldown = Duration::from_secs(2);
        let cache = cache(url, cooldown);
        assert!(cache.key("k1").await.is_ok());
        tokio::time::sleep(cooldown + Duration::from_millis(50)).await;
        endpoint.up.store(false, Ordering::SeqCst);
        // Unknown kids while the issuer is down, keys known: one failed
        // fetch, held for the whole cooldown, not the cold backoff.
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(1000) {
            let result = cache.key("rotated").await;
            assert_eq!(
                result.err(),
                Some(AuthError::KeysUnavailable {
                    retry_after: cooldown
                })
            );
            assert!(cache.key("k1").await.is_ok(), "a known key keeps serving");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The first fetch, then one failure; more only if the backoff (or
        // a slow machine's clock) let the cooldown pass.
        let allowed = 2 + started.elapsed().as_secs() / cooldown.as_secs();
        assert!(
            endpoint.fetches.load(Ordering::SeqCst) <= allowed,
            "{} fetches",
            endpoint.fetches.load(Ordering::SeqCst)
        );
    }

    #[test]
    fn the_cold_backoff_doubles_up_to_its_cap() {
        assert_eq!(cold_fetch_bound(Duration::from_millis(99)), 1);
        assert_eq!(cold_fetch_bound(Duration::from_millis(1200)), 4);
        assert_eq!(cold_fetch_bound(Duration::from_millis(4600)), 6);
        assert_eq!(cold_fetch_bound(Duration::from_millis(4700)), 7);
    }
}
