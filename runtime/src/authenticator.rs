//! The `Authenticator`: validates bearer tokens and checks scopes. Its
//! builder is the child module `builder`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpMessage, HttpRequest, web};
use scopegate_wire::clock::unix_now;

use crate::bearer::bearer_token;
use crate::claims::Claims;
use crate::errors::{AuthError, ConfigError, KeyFetchError, TokenError};
use crate::jws::parse_compact;
use crate::key_cache::KeyCache;
use crate::requirement::Requirement;
use crate::settings::Settings;
use crate::token_cache::TokenCache;
use crate::validation::{ClaimRules, check_claims, check_lifetime};

pub(crate) mod builder;

use builder::{AuthenticatorBuilder, builder_from_env};

/// Validates bearer tokens against one issuer and checks their scopes.
///
/// Build it once with [`Authenticator::builder`] or
/// [`Authenticator::from_env`] and register it as actix-web app data; it is
/// cheap to clone (all clones share the JWKS cache).
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use scopegate::Authenticator;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = Authenticator::from_env()?; // SCALEKIT_ENVIRONMENT_URL, SCOPEGATE_AUDIENCE
/// HttpServer::new(move || App::new().app_data(auth.clone()))
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    jwks: Arc<KeyCache>,
    verified: TokenCache,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuer", &self.inner.settings.issuer)
            .field("audiences", &self.inner.settings.audiences)
            .field("algorithms", &self.inner.settings.algorithms)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Starts a builder for tokens issued by `issuer` (the exact `iss`
    /// value; for Scalekit, the environment URL).
    pub fn builder(issuer: impl Into<String>) -> AuthenticatorBuilder {
        AuthenticatorBuilder::new(issuer)
    }

    /// Builds an authenticator for the Scalekit environment named by
    /// `SCALEKIT_ENVIRONMENT_URL` (issuer = that URL, keys at `<url>/keys`),
    /// checking `aud` against `SCOPEGATE_AUDIENCE` when it is set; or for
    /// any issuer with `SCOPEGATE_ISSUER`, `SCOPEGATE_JWKS_URL`,
    /// `SCOPEGATE_DISCOVERY` (see [`AuthenticatorBuilder`] for the table).
    pub fn from_env() -> Result<Self, ConfigError> {
        builder_from_env()?.build()
    }

    /// The builder [`from_env`](Self::from_env) would use, to adjust before
    /// building.
    pub fn builder_from_env() -> Result<AuthenticatorBuilder, ConfigError> {
        builder_from_env()
    }

    pub(crate) fn from_settings(settings: Settings, client: Option<reqwest::Client>) -> Self {
        let jwks = Arc::new(KeyCache::new(&settings, client));
        let verified = TokenCache::new(settings.token_cache_bytes, settings.token_cache_ttl);
        Authenticator {
            inner: Arc::new(Inner {
                settings,
                jwks,
                verified,
            }),
        }
    }

    /// The issuer tokens must come from.
    pub fn issuer(&self) -> &str {
        &self.inner.settings.issuer
    }

    /// The audiences accepted (empty: `aud` is not checked).
    pub fn audiences(&self) -> &[String] {
        &self.inner.settings.audiences
    }

    /// How many times the key set has been fetched from the issuer so far.
    pub fn jwks_fetch_count(&self) -> u64 {
        self.inner.jwks.fetch_count()
    }

    /// Why the last fetch of the issuer's keys failed, if it did and no
    /// fetch succeeded since: a [`KeyFetchError`] says whether the issuer
    /// could not be reached, answered an error status (a `404` suggests the
    /// keys are published elsewhere: see
    /// [`discover`](AuthenticatorBuilder::discover) and
    /// [`jwks_url`](AuthenticatorBuilder::jwks_url)), or sent a document with
    /// no usable key.
    pub fn last_key_fetch_error(&self) -> Option<KeyFetchError> {
        self.inner.jwks.last_error()
    }

    /// Validates `token` (a compact JWS, without the `Bearer ` prefix) and
    /// returns its claims.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        let now = unix_now();
        if let Some(answer) = self.validate_cached(token, now) {
            return answer;
        }
        self.verify(token, now).await
    }

    /// The leeway on `exp` and `nbf`, in seconds.
    fn leeway(&self) -> i64 {
        i64::try_from(self.inner.settings.leeway.as_secs()).unwrap_or(i64::MAX)
    }

    /// The answer of the verified-token caches for `token` at `now`, if
    /// they hold it: this thread's front cache, then the shared one. `None`
    /// when the token must be verified.
    fn validate_cached(&self, token: &str, now: i64) -> Option<Result<Claims, AuthError>> {
        let max = self.inner.settings.max_token_bytes;
        if token.len() > max {
            return Some(Err(AuthError::InvalidToken(TokenError::TooLarge {
                len: token.len(),
                max,
            })));
        }
        if let Some(answer) = self.front_hit(token.as_bytes(), now) {
            return Some(answer);
        }
        let verified = &self.inner.verified;
        let hit = verified.get(token)?;
        let data = hit.claims.data();
        if !self.inner.jwks.still_published(&hit.key) {
            verified.remove(token);
            return None;
        }
        if let Err(error) = check_lifetime(data.exp, data.nbf, self.leeway(), now) {
            return Some(Err(error.into()));
        }
        if now < hit.deadline {
            verified.remember_in_front(&hit);
        }
        Some(Ok(hit.claims))
    }

    /// A hit in this thread's front cache: the same checks as a hit in the
    /// shared cache (the key is still published, `exp` and `nbf`), plus the
    /// entry's own deadline. `None` on a miss, or when the entry may no
    /// longer be used (it is then dropped, and the shared cache decides).
    fn front_hit(&self, token: &[u8], now: i64) -> Option<Result<Claims, AuthError>> {
        self.inner.verified.front(token, |hit| {
            if now >= hit.deadline || !self.inner.jwks.still_published(&hit.key) {
                return None;
            }
            let data = hit.claims.data();
            Some(
                check_lifetime(data.exp, data.nbf, self.leeway(), now)
                    .map(|()| hit.claims.clone())
                    .map_err(AuthError::from),
            )
        })
    }

    /// Verifies `token` (a cache miss): signature, then claims; remembers
    /// it when it is valid.
    async fn verify(&self, token: &str, now: i64) -> Result<Claims, AuthError> {
        let settings = &self.inner.settings;
        let compact = parse_compact(token, &settings.algorithms)?;
        let kid = compact
            .header
            .kid
            .as_deref()
            .filter(|kid| !kid.is_empty())
            .ok_or(TokenError::NoKeyId)?;
        let key = self.inner.jwks.key(kid).await?;
        compact.verify(&key)?;
        let payload = compact.payload()?;
        let leeway = self.leeway();
        let rules = ClaimRules {
            issuer: &settings.issuer,
            audiences: &settings.audiences,
            leeway,
            now,
        };
        let claims = Claims::from_data(check_claims(payload, &rules)?);
        let valid_for = claims.exp().saturating_add(leeway).saturating_sub(now);
        let valid_for = Duration::from_secs(u64::try_from(valid_for).unwrap_or(0));
        self.inner
            .verified
            .insert(token, &claims, &key, valid_for, now);
        Ok(claims)
    }

    /// What can be decided about `token` without waiting for the issuer's
    /// keys: `Some` with the answer of the caches, or with the error of a
    /// token that cannot be a JWS this server accepts; `None` when it must
    /// be verified (see [`verify`](Self::verify)).
    fn validate_now(&self, token: &str, now: i64) -> Option<Result<Claims, AuthError>> {
        if let Some(answer) = self.validate_cached(token, now) {
            return Some(answer);
        }
        let well_formed = parse_compact(token, &self.inner.settings.algorithms).and_then(|c| {
            c.header
                .kid
                .as_deref()
                .is_some_and(|kid| !kid.is_empty())
                .then_some(())
                .ok_or(TokenError::NoKeyId)
        });
        match well_formed {
            Ok(()) => None,
            Err(error) => Some(Err(error.into())),
        }
    }

    /// [`authenticate`](Self::authenticate) without waiting: `Some` with the
    /// answer when no key needs fetching and no signature verifying (the
    /// claims are in the request's extensions or a verified-token cache, or
    /// the request or its token is malformed), `None` when the token must
    /// be verified.
    pub(crate) fn authenticate_now(&self, req: &HttpRequest) -> Option<Result<Claims, AuthError>> {
        if let Some(claims) = req.extensions().get::<Claims>() {
            return Some(Ok(claims.clone()));
        }
        let now = unix_now();
        let answer = match self.front_hit_for_request(req, now) {
            Some(answer) => answer,
            None => {
                let token = match bearer_token(req, self.inner.settings.max_token_bytes) {
                    Ok(token) => token,
                    Err(error) => return Some(Err(error)),
                };
                self.validate_now(token, now)?
            }
        };
        Some(self.keep_in_request(req, answer))
    }

    /// The front cache's answer for a request whose one `Authorization`
    /// header is exactly `Bearer ` (the scheme in any case) followed by a
    /// token this thread verified, so that the header's bytes are compared
    /// once, with the token's, and not scanned by the parser: a token that
    /// was verified passed the parser's checks, and with that exact prefix
    /// the header would too. Anything else (another shape of header, a
    /// query string that could carry `access_token`) is left to the parser.
    fn front_hit_for_request(
        &self,
        req: &HttpRequest,
        now: i64,
    ) -> Option<Result<Claims, AuthError>> {
        if !req.query_string().is_empty() {
            return None;
        }
        let mut values = req.headers().get_all(AUTHORIZATION);
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        let bytes = value.as_bytes();
        let (scheme, token) = bytes.split_at_checked(7)?;
        if !scheme.eq_ignore_ascii_case(b"bearer ") {
            return None;
        }
        self.front_hit(token, now)
    }

    /// Keeps the claims of an accepted request in its extensions, and logs
    /// a refusal.
    fn keep_in_request(
        &self,
        req: &HttpRequest,
        answer: Result<Claims, AuthError>,
    ) -> Result<Claims, AuthError> {
        match answer {
            Ok(claims) => {
                req.extensions_mut().insert(claims.clone());
                Ok(claims)
            }
            Err(error) => {
                tracing::debug!(error = %error, path = req.path(), "bearer token refused");
                Err(error)
            }
        }
    }

    /// Validates the bearer token of `req`, once per request: the claims are
    /// kept in the request's extensions, where later calls (and the
    /// [`Claims`] extractor) find them.
    pub async fn authenticate(&self, req: &HttpRequest) -> Result<Claims, AuthError> {
        if let Some(answer) = self.authenticate_now(req) {
            return answer;
        }
        self.authenticate_by_verifying(req).await
    }

    /// The rest of [`authenticate`](Self::authenticate) once
    /// [`authenticate_now`](Self::authenticate_now) said `None`.
    pub(crate) async fn authenticate_by_verifying(
        &self,
        req: &HttpRequest,
    ) -> Result<Claims, AuthError> {
        let token = bearer_token(req, self.inner.settings.max_token_bytes)?;
        let answer = self.verify(token, unix_now()).await;
        self.keep_in_request(req, answer)
    }

    /// Checks valid `claims` against the revocation check set with
    /// [`AuthenticatorBuilder::revocation`], whatever its mode: `Ok` when
    /// none is set. For tokens validated with [`validate`](Self::validate).
    pub fn check_revocation(&self, claims: &Claims) -> Result<(), AuthError> {
        self.check_revocation_for(claims, true)
    }

    /// The revocation check of a handler that did (`opted_in`) or did not
    /// ask for it, as the mode says.
    pub(crate) fn check_revocation_for(
        &self,
        claims: &Claims,
        opted_in: bool,
    ) -> Result<(), AuthError> {
        match &self.inner.settings.revocation {
            Some(hook) => hook.check(claims, opted_in),
            None => Ok(()),
        }
    }

    /// Authenticates `req` and checks that its token satisfies `requirement`.
    pub async fn authorize(
        &self,
        req: &HttpRequest,
        requirement: &Requirement,
    ) -> Result<Claims, AuthError> {
        let claims = self.authenticate(req).await?;
        check_scopes(&claims, requirement)?;
        Ok(claims)
    }

    /// The authenticator registered on the app serving `req`, as
    /// `app_data(Authenticator)` or `app_data(web::Data<Authenticator>)`.
    pub fn from_request(req: &HttpRequest) -> Result<&Authenticator, AuthError> {
        req.app_data::<Authenticator>()
            .or_else(|| req.app_data::<web::Data<Authenticator>>().map(|data| data.get_ref()))
            .ok_or_else(|| {
                tracing::error!(
                    path = req.path(),
                    "no scopegate Authenticator is registered: add `.app_data(authenticator)` to the App"
                );
                AuthError::Misconfigured
            })
    }
}

/// Checks `claims` against `requirement`.
pub fn check_scopes(claims: &Claims, requirement: &Requirement) -> Result<(), AuthError> {
    if requirement.is_satisfied_by(claims.scopes()) {
        return Ok(());
    }
    Err(AuthError::InsufficientScope {
        required: requirement.to_string(),
        scope: requirement.scopes_to_request(claims.scopes()).join(" "),
    })
}
