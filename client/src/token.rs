//! The token client: fetches a client-credentials token, caches it, and
//! refreshes it shortly before it expires; how it authenticates
//! ([`ClientAuth`]) and the token it hands out ([`AccessToken`]). Its
//! builder is the child module `builder`.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;
use serde::Deserialize;

use crate::error::{ClientError, ServerError};
use crate::retry::{Exchange, Replay};
use scopegate_wire::Secret;
use scopegate_wire::serde_helpers::lenient_u64;

mod builder;
mod revoke;

pub use builder::TokenClientBuilder;
use builder::{TokenSettings, token_builder_from};

/// The largest token response read.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// The longest access token accepted.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// The lifetime assumed when the response has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);
/// The longest lifetime believed (larger values are cut to this).
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// How the client proves its identity to the token endpoint (RFC 6749
/// §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body
    /// (`client_secret_post`), as Scalekit's examples do. The default.
    #[default]
    Post,
    /// HTTP Basic with the form-urlencoded id and secret
    /// (`client_secret_basic`).
    Basic,
}

/// An OAuth 2.0 client-credentials client (RFC 6749 §4.4) that keeps its
/// access token.
///
/// [`token`](Self::token) returns the cached token while it is fresh and
/// fetches a new one shortly before it expires: the *refresh margin* is
/// `max(30 s, 10 % of the lifetime)`, at most half the lifetime (so a
/// 24-hour Scalekit token is replaced 2.4 hours early, a one-hour token
/// 6 minutes early, a 20-second token after 10 seconds); see
/// [`TokenClientBuilder::refresh_margin`].
///
/// * Concurrent callers share one request: while a refresh is under way,
///   callers whose token is still valid get it at once, and the others wait
///   for the refresh and share its outcome.
/// * A refresh that fails while the old token is still valid returns the old
///   token (with a warning in the log), and the next attempt waits for the
///   failure cooldown (5 s by default).
/// * Connection errors and `5xx` are retried with backoff
///   ([`RetryPolicy`](super::RetryPolicy)); `400`/`401` never are: they come
///   back as [`ClientError::Rejected`] with the server's `error` and
///   `error_description`.
///
/// It is cheap to clone; clones share the token. The secret never appears
/// in its `Debug` output or in the log.
///
/// ```no_run
/// use scopegate_client::{SendAuthorized, TokenClient};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// // SCOPEGATE_CLIENT_ENVIRONMENT_URL, SCOPEGATE_CLIENT_ID, SCOPEGATE_CLIENT_SECRET
/// let tokens = TokenClient::from_env()?;
/// let http = reqwest::Client::new();
/// let response = http
///     .post("https://deploy.acmecorp.com/deploy")
///     .send_authorized(&tokens) // Bearer token; on 401 a new token, once
///     .await?;
/// println!("{}", response.status());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: TokenSettings,
    http: reqwest::Client,
    cache: Mutex<Cache>,
    /// Held by the caller that fetches; the others wait on it.
    refresh: tokio::sync::Mutex<Refresh>,
    /// Incremented after every completed fetch, good or failed.
    generation: AtomicU64,
    requests: AtomicU64,
}

#[derive(Default)]
struct Cache {
    token: Option<AccessToken>,
    /// After a failed refresh: until then, the old token is handed out
    /// without trying again.
    quiet_until: Option<Instant>,
}

#[derive(Default)]
struct Refresh {
    last_error: Option<ClientError>,
}

impl fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner.settings;
        f.debug_struct("TokenClient")
            .field("token_url", &s.token_url.as_str())
            .field("client_id", &s.client_id)
            .field("scopes", &s.scopes)
            .field("audience", &s.audience)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    #[serde(default, deserialize_with = "lenient_u64")]
    expires_in: Option<u64>,
    #[serde(default)]
    scope: Option<String>,
}

impl TokenClient {
    /// Starts a builder for the client `client_id` with `secret`; set the
    /// endpoint with [`token_url`](TokenClientBuilder::token_url) or
    /// [`environment_url`](TokenClientBuilder::environment_url).
    pub fn builder(client_id: impl Into<String>, secret: impl Into<Secret>) -> TokenClientBuilder {
        TokenClientBuilder::new(client_id, secret)
    }

    /// A client for the environment at `environment_url` (token endpoint
    /// `<url>/oauth/token`), with every other setting at its default.
    pub fn new(
        environment_url: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Result<Self, ClientError> {
        Self::builder(client_id, secret)
            .environment_url(environment_url)
            .build()
    }

    /// Builds a client from the environment:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `SCOPEGATE_CLIENT_TOKEN_URL` | the token endpoint (optional) |
    /// | `SCOPEGATE_CLIENT_ENVIRONMENT_URL`, else `SCALEKIT_ENVIRONMENT_URL` | the environment; token endpoint `<url>/oauth/token` |
    /// | `SCOPEGATE_CLIENT_ID` + `SCOPEGATE_CLIENT_SECRET`, else `SCALEKIT_CLIENT_ID` + `SCALEKIT_CLIENT_SECRET` | the credentials (the two pairs are never mixed) |
    /// | `SCOPEGATE_CLIENT_SCOPES` | scopes to ask for, space or comma separated (optional) |
    /// | `SCOPEGATE_CLIENT_AUDIENCE` | audience to ask for (optional) |
    pub fn from_env() -> Result<Self, ClientError> {
        Self::builder_from_env()?.build()
    }

    /// The builder [`from_env`](Self::from_env) would use, to adjust before
    /// building.
    pub fn builder_from_env() -> Result<TokenClientBuilder, ClientError> {
        token_builder_from(|name| std::env::var(name).ok())
    }

    /// Like [`builder_from_env`](Self::builder_from_env), reading the
    /// variables through `lookup` (a configuration map, a test).
    pub fn builder_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<TokenClientBuilder, ClientError> {
        token_builder_from(lookup)
    }

    pub(crate) fn from_settings(settings: TokenSettings, http: reqwest::Client) -> Self {
        TokenClient {
            inner: Arc::new(Inner {
                settings,
                http,
                cache: Mutex::new(Cache::default()),
                refresh: tokio::sync::Mutex::new(Refresh::default()),
                generation: AtomicU64::new(0),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &str {
        self.inner.settings.token_url.as_str()
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.settings.client_id
    }

    /// The scopes asked for (empty: the server's default).
    pub fn scopes(&self) -> &[String] {
        &self.inner.settings.scopes
    }

    /// How many HTTP requests were sent to the token endpoint so far,
    /// retries included.
    pub fn token_requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The cached token, if any, without fetching (it may be expired).
    pub fn cached(&self) -> Option<AccessToken> {
        self.cache().token.clone()
    }

    /// Forgets the cached token: the next [`token`](Self::token) fetches.
    pub fn invalidate(&self) {
        let mut cache = self.cache();
        cache.token = None;
        cache.quiet_until = None;
    }

    /// A valid access token: the cached one while it is fresh, else a new
    /// one (see the type's documentation for the refresh rules).
    pub async fn token(&self) -> Result<AccessToken, ClientError> {
        let seen = self.inner.generation.load(Ordering::Acquire);
        let now = Instant::now();
        {
            let cache = self.cache();
            if let Some(token) = &cache.token {
                let quiet = cache.quiet_until.is_some_and(|until| now < until);
                match token.freshness(now) {
                    Freshness::Fresh => return Ok(token.clone()),
                    // A refresh failed a moment ago: keep the valid token
                    // until the failure cooldown is over.
                    Freshness::RefreshSoon if quiet => return Ok(token.clone()),
                    Freshness::RefreshSoon | Freshness::Expired => {}
                }
            }
        }
        self.refresh(seen, None).await
    }

    /// A new token to replace `rejected`, which the API refused (`401`).
    ///
    /// If another caller already replaced it, that replacement is returned
    /// without a request; concurrent callers share one request.
    pub async fn refresh_rejected(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, ClientError> {
        let seen = self.inner.generation.load(Ordering::Acquire);
        if let Some(current) = self.cached()
            && !current.same(rejected)
            && !current.is_expired()
        {
            return Ok(current);
        }
        self.refresh(seen, Some(rejected)).await
    }

    async fn refresh(
        &self,
        seen: u64,
        rejected: Option<&AccessToken>,
    ) -> Result<AccessToken, ClientError> {
        let mut guard = match self.inner.refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // A refresh is under way. A caller whose token is still valid
                // (and not one the API just refused) need not wait for it.
                if rejected.is_none()
                    && let Some(current) = self.cached()
                    && !current.is_expired()
                {
                    return Ok(current);
                }
                self.inner.refresh.lock().await
            }
        };
        let current = self.cached();
        let usable = |token: &AccessToken| {
            !token.is_expired() && rejected.is_none_or(|refused| !token.same(refused))
        };
        if let Some(token) = &current
            && rejected.is_some()
            && usable(token)
        {
            // Replaced while this caller waited.
            return Ok(token.clone());
        }
        if self.inner.generation.load(Ordering::Acquire) != seen {
            // A fetch completed while this caller waited: share its outcome.
            if let Some(token) = &current
                && usable(token)
            {
                return Ok(token.clone());
            }
            if let Some(error) = &guard.last_error {
                return Err(error.clone());
            }
        }
        let outcome = self.fetch().await;
        let now = Instant::now();
        let result = match outcome {
            Ok(token) => {
                let mut cache = self.cache();
                cache.token = Some(token.clone());
                cache.quiet_until = None;
                guard.last_error = None;
                Ok(token)
            }
            Err(error) => {
                guard.last_error = Some(error.clone());
                match current {
                    Some(old) if rejected.is_none() && !old.is_expired() => {
                        tracing::warn!(
                            token_url = self.token_url(),
                            client_id = self.client_id(),
                            error = %error,
                            valid_for_s = old.remaining().as_secs(),
                            "token refresh failed; the current token is used until it expires"
                        );
                        self.cache().quiet_until =
                            now.checked_add(self.inner.settings.failure_cooldown);
                        Ok(old)
                    }
                    _ => Err(error),
                }
            }
        };
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        result
    }

    /// One token request (with its retries).
    async fn fetch(&self) -> Result<AccessToken, ClientError> {
        let settings = &self.inner.settings;
        let scope = settings.scopes.join(" ");
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if settings.auth == ClientAuth::Post {
            form.push(("client_id", &settings.client_id));
            form.push(("client_secret", settings.secret.expose()));
        }
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        if let Some(audience) = &settings.audience {
            form.push(("audience", audience));
        }
        tracing::debug!(
            token_url = self.token_url(),
            client_id = self.client_id(),
            scope = %scope,
            "requesting an access token"
        );
        let last_sent = Mutex::new(Instant::now());
        let exchange = Exchange {
            policy: &settings.retry,
            replay: Replay::Safe,
            what: "token request",
            url: &settings.token_url,
            attempt_timeout: settings.timeout,
            max_body: MAX_TOKEN_RESPONSE,
        };
        let reply = exchange
            .run(|timeout| {
                self.inner.requests.fetch_add(1, Ordering::Relaxed);
                *last_sent.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
                self.authenticated_post(&settings.token_url, timeout, &form)
            })
            .await?;
        let sent_at = *last_sent.lock().unwrap_or_else(PoisonError::into_inner);
        let status = reply.status.as_u16();
        if reply.status.is_success() {
            if reply.truncated {
                return Err(invalid(format!(
                    "the response is larger than {MAX_TOKEN_RESPONSE} bytes"
                )));
            }
            let token = self.parse(&reply.body, sent_at)?;
            tracing::debug!(
                client_id = self.client_id(),
                expires_in_s = token.lifetime().as_secs(),
                "access token obtained"
            );
            return Ok(token);
        }
        let error = ServerError::from_body(status, &reply.body, reply.attempts);
        if reply.status.is_server_error() || matches!(status, 408 | 429) {
            return Err(ClientError::Unavailable(error));
        }
        if reply.status.is_redirection() {
            return Err(invalid(format!(
                "a redirect (HTTP {status}); configure the token endpoint's final URL"
            )));
        }
        tracing::debug!(
            client_id = self.client_id(),
            status,
            error = error.error.as_deref().unwrap_or(""),
            "the token endpoint refused the request"
        );
        Err(ClientError::Rejected(error))
    }

    /// A form POST to `url`, the client authenticated as
    /// [`ClientAuth`] says (`form` carries the credentials for
    /// [`ClientAuth::Post`]).
    fn authenticated_post(
        &self,
        url: &reqwest::Url,
        timeout: Duration,
        form: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let settings = &self.inner.settings;
        let request = self
            .inner
            .http
            .post(url.clone())
            .timeout(timeout)
            .header(ACCEPT, "application/json")
            .form(form);
        match settings.auth {
            ClientAuth::Basic => request.basic_auth(
                form_encode(&settings.client_id),
                Some(form_encode(settings.secret.expose())),
            ),
            _ => request,
        }
    }

    fn parse(&self, body: &[u8], sent_at: Instant) -> Result<AccessToken, ClientError> {
        // The body holds a token: serde's message could quote it, so only
        // the position of the problem is reported.
        let response: TokenResponse = serde_json::from_slice(body).map_err(|e| {
            invalid(format!(
                "the body is not a token response (line {}, column {}: {:?})",
                e.line(),
                e.column(),
                e.classify()
            ))
        })?;
        if !response.token_type.eq_ignore_ascii_case("bearer") {
            return Err(invalid(format!(
                "the token type is `{}`, not `Bearer`",
                crate::error::printable(&response.token_type)
            )));
        }
        let value = response.access_token;
        if value.is_empty() || value.len() > MAX_TOKEN_LEN {
            return Err(invalid(format!(
                "the access token is empty or longer than {MAX_TOKEN_LEN} bytes"
            )));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "the access token has characters that cannot go in an HTTP header",
            ));
        }
        Ok(AccessToken {
            inner: Arc::new(TokenData {
                value: value.into_boxed_str(),
                scope: response.scope.filter(|s| !s.is_empty()),
                expires_in: response.expires_in,
                obtained_at: sent_at,
                margin: self.refresh_margin(),
            }),
        })
    }

    fn refresh_margin(&self) -> RefreshMargin {
        let settings = &self.inner.settings;
        RefreshMargin {
            minimum: settings.min_refresh_margin,
            percent: settings.refresh_percent,
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where a cached token stands, as [`freshness`] decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Before the refresh point: handed out as it is.
    Fresh,
    /// From the refresh point to the expiry: still valid, but the next
    /// caller fetches a replacement (unless a refresh just failed, see the
    /// failure cooldown).
    RefreshSoon,
    /// At or after the expiry: never handed out from the cache again.
    Expired,
}

/// How early a token is replaced: `max(minimum, percent % of the
/// lifetime)`, never more than half the lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RefreshMargin {
    pub(crate) minimum: Duration,
    pub(crate) percent: u32,
}

impl RefreshMargin {
    /// The margin for a token that lives `lifetime`.
    pub(crate) fn of(self, lifetime: Duration) -> Duration {
        let share = lifetime.saturating_mul(self.percent) / 100;
        self.minimum.max(share).min(lifetime / 2)
    }
}

/// The lifetime believed for a token response's `expires_in` (RFC 6749
/// §5.1): the announced seconds, [`DEFAULT_LIFETIME`] when absent, at most
/// [`MAX_LIFETIME`]. An `expires_in` of 0 is a token that is already
/// expired.
pub(crate) fn believed_lifetime(expires_in: Option<u64>) -> Duration {
    expires_in
        .map_or(DEFAULT_LIFETIME, Duration::from_secs)
        .min(MAX_LIFETIME)
}

/// When a token obtained at `obtained_at` with `expires_in` should be
/// replaced, and when it expires: `(refresh_at, expires_at)`.
///
/// `obtained_at` is when its request was sent, so that the time on the
/// wire counts against the token, not in its favour.
pub(crate) fn schedule(
    expires_in: Option<u64>,
    obtained_at: Instant,
    margin: RefreshMargin,
) -> (Instant, Instant) {
    let lifetime = believed_lifetime(expires_in);
    let expires_at = obtained_at.checked_add(lifetime).unwrap_or(obtained_at);
    let refresh_at = obtained_at
        .checked_add(lifetime.saturating_sub(margin.of(lifetime)))
        .unwrap_or(obtained_at);
    (refresh_at, expires_at)
}

/// The refresh decision, a pure function of plain values: whether a token
/// whose response said `expires_in`, obtained at `obtained_at`, is at `now`
/// fresh, due for replacement, or expired.
///
/// The boundaries belong to the later state: at exactly the refresh point
/// the token is [`RefreshSoon`](Freshness::RefreshSoon), at exactly the
/// expiry [`Expired`](Freshness::Expired). A `now` before `obtained_at` (a
/// caller that read the clock just before another caller stored the token)
/// is simply earlier than both points.
pub(crate) fn freshness(
    expires_in: Option<u64>,
    obtained_at: Instant,
    now: Instant,
    margin: RefreshMargin,
) -> Freshness {
    let (refresh_at, expires_at) = schedule(expires_in, obtained_at, margin);
    if now < refresh_at {
        Freshness::Fresh
    } else if now < expires_at {
        Freshness::RefreshSoon
    } else {
        Freshness::Expired
    }
}

fn invalid(reason: impl Into<String>) -> ClientError {
    ClientError::InvalidResponse {
        what: "the token endpoint",
        reason: reason.into(),
    }
}

/// An access token, as handed out by [`TokenClient::token`].
///
/// Cheap to clone. Its `Debug` output shows the scope and the remaining
/// lifetime, never the token.
#[derive(Clone)]
pub struct AccessToken {
    inner: Arc<TokenData>,
}

struct TokenData {
    value: Box<str>,
    scope: Option<String>,
    /// As the token response said.
    expires_in: Option<u64>,
    /// When the request that got it was sent.
    obtained_at: Instant,
    margin: RefreshMargin,
}

impl AccessToken {
    /// The token, to send as `Authorization: Bearer <token>`.
    pub fn as_str(&self) -> &str {
        &self.inner.value
    }

    /// The `scope` of the token response, if the server sent one.
    pub fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }

    /// The lifetime the server announced (`expires_in`).
    pub fn lifetime(&self) -> Duration {
        believed_lifetime(self.inner.expires_in)
    }

    /// When the token expires (measured from when its request was sent).
    pub fn expires_at(&self) -> Instant {
        self.schedule().1
    }

    /// When [`TokenClient::token`] stops handing it out and fetches anew.
    pub fn refresh_at(&self) -> Instant {
        self.schedule().0
    }

    /// How long the token remains valid.
    pub fn remaining(&self) -> Duration {
        self.expires_at().saturating_duration_since(Instant::now())
    }

    /// Whether the token has expired.
    pub fn is_expired(&self) -> bool {
        self.freshness(Instant::now()) == Freshness::Expired
    }

    fn schedule(&self) -> (Instant, Instant) {
        let data = &self.inner;
        schedule(data.expires_in, data.obtained_at, data.margin)
    }

    fn freshness(&self, now: Instant) -> Freshness {
        let data = &self.inner;
        freshness(data.expires_in, data.obtained_at, now, data.margin)
    }

    /// Whether `self` and `other` are the same fetched token.
    pub fn same(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("scope", &self.inner.scope)
            .field("remaining", &self.remaining())
            .finish()
    }
}

/// `application/x-www-form-urlencoded` encoding of one value, for HTTP
/// Basic client authentication (RFC 6749 §2.3.1).
fn form_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(minimum: Duration, percent: u32) -> TokenClient {
        TokenClient::builder("id", "secret")
            .token_url("https://a.example/token")
            .refresh_margin(minimum, percent)
            .build()
            .unwrap()
    }

    const DEFAULT_MARGIN: RefreshMargin = RefreshMargin {
        minimum: Duration::from_secs(30),
        percent: 10,
    };
    const MS: Duration = Duration::from_millis(1);

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// The state of a token obtained at `t0` with `expires_in`, `after`
    /// later, under `margin`.
    fn state_at(expires_in: Option<u64>, margin: RefreshMargin, after: Duration) -> Freshness {
        let t0 = Instant::now();
        freshness(expires_in, t0, t0 + after, margin)
    }

    /// Asserts the three states and both boundaries, to the millisecond:
    /// fresh before `refresh_after`, refresh-soon from it until
    /// `expires_after`, expired from then on.
    fn assert_boundaries(
        expires_in: Option<u64>,
        margin: RefreshMargin,
        refresh_after: Duration,
        expires_after: Duration,
    ) {
        use Freshness::*;
        let at = |after| state_at(expires_in, margin, after);
        let why = format!("expires_in {expires_in:?}, {margin:?}");
        assert_eq!(at(Duration::ZERO), Fresh, "{why}: when obtained");
        assert_eq!(
            at(refresh_after - MS),
            Fresh,
            "{why}: 1 ms before the refresh point"
        );
        assert_eq!(
            at(refresh_after),
            RefreshSoon,
            "{why}: at the refresh point"
        );
        assert_eq!(
            at(refresh_after + MS),
            RefreshSoon,
            "{why}: 1 ms after the refresh point"
        );
        assert_eq!(
            at(expires_after - MS),
            RefreshSoon,
            "{why}: 1 ms before the expiry"
        );
        assert_eq!(at(expires_after), Expired, "{why}: at the expiry");
        assert_eq!(
            at(expires_after + MS),
            Expired,
            "{why}: 1 ms after the expiry"
        );
        assert_eq!(
            at(expires_after * 2),
            Expired,
            "{why}: long after the expiry"
        );
    }

    #[test]
    fn the_margin_is_the_larger_of_30_s_and_10_percent_at_most_half() {
        let m = |s| DEFAULT_MARGIN.of(secs(s));
        // Half the lifetime wins below 60 s.
        assert_eq!(m(0), Duration::ZERO);
        assert_eq!(m(1), Duration::from_millis(500));
        assert_eq!(m(10), secs(5));
        assert_eq!(m(20), secs(10));
        assert_eq!(m(59), Duration::from_millis(29_500));
        // 30 s from 60 s to 300 s.
        assert_eq!(m(60), secs(30));
        assert_eq!(m(61), secs(30));
        assert_eq!(m(120), secs(30));
        assert_eq!(m(300), secs(30));
        // 10 % above 300 s.
        assert_eq!(m(301), Duration::from_millis(30_100));
        assert_eq!(m(3_600), secs(360));
        assert_eq!(m(86_399), Duration::from_millis(8_639_900));
        assert_eq!(m(86_400), secs(8_640));
    }

    #[test]
    fn the_lifetime_believed() {
        assert_eq!(believed_lifetime(None), DEFAULT_LIFETIME);
        assert_eq!(believed_lifetime(Some(0)), Duration::ZERO);
        assert_eq!(believed_lifetime(Some(3_600)), secs(3_600));
        assert_eq!(believed_lifetime(Some(u64::MAX)), MAX_LIFETIME);
    }

    #[test]
    fn a_10_s_token_is_replaced_after_5_s() {
        assert_boundaries(Some(10), DEFAULT_MARGIN, secs(5), secs(10));
    }

    #[test]
    fn a_20_s_token_is_replaced_after_10_s() {
        assert_boundaries(Some(20), DEFAULT_MARGIN, secs(10), secs(20));
    }

    #[test]
    fn a_60_s_token_is_replaced_after_30_s() {
        assert_boundaries(Some(60), DEFAULT_MARGIN, secs(30), secs(60));
    }

    #[test]
    fn a_300_s_token_is_replaced_30_s_early() {
        assert_boundaries(Some(300), DEFAULT_MARGIN, secs(270), secs(300));
    }

    #[test]
    fn a_one_hour_token_is_replaced_6_min_early() {
        assert_boundaries(Some(3_600), DEFAULT_MARGIN, secs(3_240), secs(3_600));
    }

    #[test]
    fn a_one_day_token_is_replaced_2_4_h_early() {
        assert_boundaries(Some(86_400), DEFAULT_MARGIN, secs(77_760), secs(86_400));
    }

    #[test]
    fn a_token_without_expires_in_lives_the_default_60_s() {
        assert_boundaries(None, DEFAULT_MARGIN, secs(30), secs(60));
    }

    #[test]
    fn an_absurd_expires_in_is_cut_to_the_longest_lifetime() {
        let margin = DEFAULT_MARGIN.of(MAX_LIFETIME);
        assert_boundaries(
            Some(u64::MAX),
            DEFAULT_MARGIN,
            MAX_LIFETIME - margin,
            MAX_LIFETIME,
        );
    }

    #[test]
    fn a_zero_expires_in_is_expired_when_obtained() {
        use Freshness::*;
        for margin in [
            DEFAULT_MARGIN,
            RefreshMargin {
                minimum: Duration::ZERO,
                percent: 0,
            },
        ] {
            assert_eq!(state_at(Some(0), margin, Duration::ZERO), Expired);
            assert_eq!(state_at(Some(0), margin, MS), Expired);
            assert_eq!(state_at(Some(0), margin, secs(3_600)), Expired);
        }
    }

    #[test]
    fn a_clock_read_before_the_token_was_obtained_sees_it_fresh() {
        let t0 = Instant::now() + secs(1);
        for expires_in in [None, Some(0), Some(10), Some(3_600)] {
            assert_eq!(
                freshness(expires_in, t0, t0 - MS, DEFAULT_MARGIN),
                Freshness::Fresh,
                "{expires_in:?}"
            );
        }
    }

    #[test]
    fn custom_margins_keep_the_half_lifetime_cap() {
        // No margin at all: fresh until the expiry, never refresh-soon.
        let none = RefreshMargin {
            minimum: Duration::ZERO,
            percent: 0,
        };
        assert_eq!(state_at(Some(60), none, secs(60) - MS), Freshness::Fresh);
        assert_eq!(state_at(Some(60), none, secs(60)), Freshness::Expired);
        // A minimum larger than the lifetime: still half of it.
        let long = RefreshMargin {
            minimum: secs(3_600),
            percent: 10,
        };
        assert_boundaries(Some(600), long, secs(300), secs(600));
        // A percentage alone.
        let quarter = RefreshMargin {
            minimum: Duration::ZERO,
            percent: 25,
        };
        assert_boundaries(Some(100), quarter, secs(75), secs(100));
    }

    #[test]
    fn the_token_client_applies_its_configured_margin() {
        let c = client(Duration::from_secs(30), 10);
        let sent = Instant::now();
        let token = c
            .parse(
                br#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#,
                sent,
            )
            .unwrap();
        assert_eq!(token.refresh_at(), sent + secs(3_240));
        assert_eq!(token.expires_at(), sent + secs(3_600));
        assert_eq!(token.freshness(sent + secs(3_240) - MS), Freshness::Fresh);
        assert_eq!(token.freshness(sent + secs(3_240)), Freshness::RefreshSoon);
        assert_eq!(token.freshness(sent + secs(3_600)), Freshness::Expired);

        let c = client(Duration::from_secs(120), 50);
        let token = c
            .parse(
                br#"{"access_token":"t","token_type":"Bearer","expires_in":"600"}"#,
                sent,
            )
            .unwrap();
        assert_eq!(token.refresh_at(), sent + secs(300));
    }

    #[test]
    fn debug_shows_neither_secret_nor_token() {
        let c = TokenClient::builder("id", "hunter2")
            .token_url("https://a.example/token")
            .build()
            .unwrap();
        let token = c
            .parse(
                br#"{"access_token":"eyJ.secret.token","token_type":"Bearer","expires_in":60}"#,
                Instant::now(),
            )
            .unwrap();
        let text = format!("{c:?} {token:?}");
        assert!(!text.contains("hunter2") && !text.contains("eyJ"), "{text}");
        assert_eq!(token.as_str(), "eyJ.secret.token");
        assert_eq!(token.lifetime(), Duration::from_secs(60));
    }

    #[test]
    fn bad_token_responses_are_named_without_the_token() {
        let c = client(Duration::from_secs(30), 10);
        let error = |body: &str| {
            c.parse(body.as_bytes(), Instant::now())
                .unwrap_err()
                .to_string()
        };
        assert!(error(r#"{"access_token":"t","token_type":"mac"}"#).contains("not `Bearer`"));
        assert!(error(r#"{"access_token":"","token_type":"Bearer"}"#).contains("empty"));
        assert!(error(r#"{"access_token":"a b","token_type":"Bearer"}"#).contains("header"));
        let message =
            error(r#"{"access_token":"eyJsecret","token_type":"Bearer","expires_in":"x"}"#);
        assert!(!message.contains("eyJsecret"), "{message}");
        let message = error(r#"{"access_token":"eyJsecret","token_type":7}"#);
        assert!(!message.contains("eyJsecret"), "{message}");
    }

    #[test]
    fn a_missing_expiry_gets_the_default_lifetime() {
        let c = client(Duration::from_secs(30), 10);
        let token = c
            .parse(
                br#"{"access_token":"t","token_type":"bearer"}"#,
                Instant::now(),
            )
            .unwrap();
        assert_eq!(token.lifetime(), DEFAULT_LIFETIME);
        assert!(token.refresh_at() < token.expires_at());
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("a b+c/é:%"), "a+b%2Bc%2F%C3%A9%3A%25");
        assert_eq!(form_encode("m2m_1.x-y*"), "m2m_1.x-y*");
    }
}
