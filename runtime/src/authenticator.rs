//! The `Authenticator`: validates bearer tokens and checks scopes. Its
//! builder is the child module `builder`.

use std::sync::Arc;
use std::time::Duration;

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
        let settings = &self.inner.settings;
        if token.len() > settings.max_token_bytes {
            return Err(AuthError::InvalidToken(TokenError::TooLarge {
                len: token.len(),
                max: settings.max_token_bytes,
            }));
        }
        let leeway = i64::try_from(settings.leeway.as_secs()).unwrap_or(i64::MAX);
        let now = unix_now();
        if let Some(hit) = self.inner.verified.get(token) {
            let data = hit.claims.data();
            if self.inner.jwks.still_published(&hit.key) {
                check_lifetime(data.exp, data.nbf, leeway, now)?;
                return Ok(hit.claims);
            }
            self.inner.verified.remove(token);
        }
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
        let rules = ClaimRules {
            issuer: &settings.issuer,
            audiences: &settings.audiences,
            leeway,
            now,
        };
        let claims = Claims::from_data(check_claims(payload, &rules)?);
        let valid_for = claims.exp().saturating_add(leeway).saturating_sub(now);
        let valid_for = Duration::from_secs(u64::try_from(valid_for).unwrap_or(0));
        self.inner.verified.insert(token, &claims, &key, valid_for);
        Ok(claims)
    }

    /// Validates the bearer token of `req`, once per request: the claims are
    /// kept in the request's extensions, where later calls (and the
    /// [`Claims`] extractor) find them.
    pub async fn authenticate(&self, req: &HttpRequest) -> Result<Claims, AuthError> {
        if let Some(claims) = req.extensions().get::<Claims>() {
            return Ok(claims.clone());
        }
        let token = bearer_token(req, self.inner.settings.max_token_bytes)?;
        let claims = self.validate(token).await.inspect_err(|error| {
            tracing::debug!(error = %error, path = req.path(), "bearer token refused");
        })?;
        req.extensions_mut().insert(claims.clone());
        Ok(claims)
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
