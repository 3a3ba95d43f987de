//! The token client: fetches a client-credentials token, caches it, and
//! refreshes it shortly before it expires.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;
use serde::Deserialize;

use crate::config::{ClientAuth, TokenClientBuilder, TokenSettings, token_builder_from};
use crate::error::{ClientError, ServerError};
use crate::retry::{Exchange, Replay};
use scopegate_wire::Secret;
use scopegate_wire::serde_helpers::lenient_u64;

/// The largest token response read.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// The longest access token accepted.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// The lifetime assumed when the response has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);
/// The longest lifetime believed (larger values are cut to this).
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

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
                if now < token.refresh_at() {
                    return Ok(token.clone());
                }
                let quiet = cache.quiet_until.is_some_and(|until| now < until);
                if quiet && now < token.expires_at() {
                    return Ok(token.clone());
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
                let request = self
                    .inner
                    .http
                    .post(settings.token_url.clone())
                    .timeout(timeout)
                    .header(ACCEPT, "application/json")
                    .form(&form);
                match settings.auth {
                    ClientAuth::Basic => request.basic_auth(
                        form_encode(&settings.client_id),
                        Some(form_encode(settings.secret.expose())),
                    ),
                    _ => request,
                }
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
        let lifetime = response
            .expires_in
            .map_or(DEFAULT_LIFETIME, Duration::from_secs)
            .min(MAX_LIFETIME);
        let margin = self.refresh_margin(lifetime);
        let expires_at = sent_at.checked_add(lifetime).unwrap_or(sent_at);
        let refresh_at = sent_at
            .checked_add(lifetime.saturating_sub(margin))
            .unwrap_or(sent_at);
        Ok(AccessToken {
            inner: Arc::new(TokenData {
                value: value.into_boxed_str(),
                scope: response.scope.filter(|s| !s.is_empty()),
                lifetime,
                expires_at,
                refresh_at,
            }),
        })
    }

    /// `max(minimum, percent % of lifetime)`, at most half the lifetime.
    fn refresh_margin(&self, lifetime: Duration) -> Duration {
        let settings = &self.inner.settings;
        let share = lifetime.saturating_mul(settings.refresh_percent) / 100;
        settings.min_refresh_margin.max(share).min(lifetime / 2)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
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
    lifetime: Duration,
    expires_at: Instant,
    refresh_at: Instant,
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
        self.inner.lifetime
    }

    /// When the token expires (measured from when its request was sent).
    pub fn expires_at(&self) -> Instant {
        self.inner.expires_at
    }

    /// When [`TokenClient::token`] stops handing it out and fetches anew.
    pub fn refresh_at(&self) -> Instant {
        self.inner.refresh_at
    }

    /// How long the token remains valid.
    pub fn remaining(&self) -> Duration {
        self.inner
            .expires_at
            .saturating_duration_since(Instant::now())
    }

    /// Whether the token has expired.
    pub fn is_expired(&self) -> bool {
        Instant::now() >= self.inner.expires_at
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

    #[test]
    fn the_refresh_margin() {
        let c = client(Duration::from_secs(30), 10);
        let m = |s| c.refresh_margin(Duration::from_secs(s)).as_secs();
        assert_eq!(m(86_399), 8_639);
        assert_eq!(m(3_600), 360);
        assert_eq!(m(120), 30);
        assert_eq!(m(20), 10);
        assert_eq!(m(0), 0);
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
