//! The `Authenticator`: validates bearer tokens and checks scopes. Its
//! builder is the child module `builder`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use scopegate_wire::clock::unix_now;

use scopegate_wire::text::printable;

use crate::authenticator::token_cache::{TokenCache, Verified};
use crate::claims::Claims;
use crate::error::{AuthError, ConfigError, KeyFetchError, TokenError};
use crate::issuer::Issuer;
use crate::issuer::pattern::IssuerMatch;
use crate::issuer::settings::Settings;
use crate::issuer::trusted::TrustedIssuer;
use crate::issuer::validation::{ClaimRules, RawClaims, check_claims, check_lifetime};
use crate::jose::jws::{SHOWN_CHARS, parse_compact};
use crate::observe::metrics::IssuerMetrics;

pub(crate) mod builder;
pub(crate) mod env;
pub(crate) mod token_cache;

use builder::AuthenticatorBuilder;
use env::{builder_from_env, builder_from_lookup};

/// Validates bearer tokens against one or several trusted issuers and
/// checks their scopes.
///
/// Build it once with [`Authenticator::builder`] or
/// [`Authenticator::from_env`] and
/// register it as actix-web app data; it is cheap to clone (all clones
/// share the JWKS caches). More issuers are trusted with
/// [`AuthenticatorBuilder::trust`]; a token's `iss` selects the issuer
/// whose keys verify it.
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

/// The identity of the next authenticator built: what tells one
/// authenticator (and its clones) from another, for the claims each
/// verified. Starts at 1: claims no authenticator verified carry 0.
static NEXT_IDENTITY: AtomicU64 = AtomicU64::new(1);

struct Inner {
    /// This authenticator's identity ([`NEXT_IDENTITY`]), written into the
    /// claims it verifies.
    identity: u64,
    settings: Settings,
    /// One entry per trusted issuer, in the order configured; never empty.
    issuers: Box<[TrustedIssuer]>,
    verified: TokenCache,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first = self.first_issuer();
        let mut debug = f.debug_struct("Authenticator");
        debug
            .field("issuer", &first.label())
            .field("audiences", &first.audiences())
            .field("algorithms", &first.algorithms());
        if self.inner.issuers.len() > 1 {
            debug.field("trusted_issuers", &self.inner.issuers);
        }
        debug.finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Starts a builder whose first trusted issuer is `issuer`: its exact
    /// `iss` as a string (for Scalekit, the environment URL), or an
    /// [`Issuer`] (a provider preset such as [`Issuer::auth0`], or one
    /// configured by hand); more are added with
    /// [`AuthenticatorBuilder::trust`]. The `iss` is kept exactly as given:
    /// RFC 7519 compares it as a string, so `https://sso.example/` and
    /// `https://sso.example` are two issuers.
    ///
    /// ```
    /// use scopegate::{Authenticator, Issuer};
    ///
    /// let auth = Authenticator::builder("https://acme.scalekit.dev").build()?;
    /// assert_eq!(auth.issuer(), "https://acme.scalekit.dev");
    ///
    /// let auth = Authenticator::builder(Issuer::cognito("eu-west-1", "eu-west-1_AbCdEf123"))
    ///     .trust(Issuer::okta("acme.okta.com", "default", "api://default"))
    ///     .build()?;
    /// assert_eq!(auth.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123");
    /// # Ok::<(), scopegate::ConfigError>(())
    /// ```
    pub fn builder(issuer: impl Into<Issuer>) -> AuthenticatorBuilder {
        AuthenticatorBuilder::new(issuer.into())
    }

    /// Builds an authenticator for the Scalekit environment named by
    /// `SCALEKIT_ENVIRONMENT_URL` (issuer = that URL, keys at `<url>/keys`),
    /// checking `aud` against `SCOPEGATE_AUDIENCE` when it is set; or for
    /// any issuer with `SCOPEGATE_ISSUER`, `SCOPEGATE_JWKS_URL`,
    /// `SCOPEGATE_DISCOVERY`; or for a provider preset with
    /// `SCOPEGATE_PRESET` (see [`AuthenticatorBuilder`] for the tables).
    pub fn from_env() -> Result<Self, ConfigError> {
        builder_from_env()?.build()
    }

    /// The builder [`from_env`](Self::from_env) would use, to adjust before
    /// building.
    pub fn builder_from_env() -> Result<AuthenticatorBuilder, ConfigError> {
        builder_from_env()
    }

    /// Like [`builder_from_env`](Self::builder_from_env), reading each
    /// variable through `lookup` instead of the process environment (a
    /// configuration file's map, or a test's).
    pub fn builder_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<AuthenticatorBuilder, ConfigError> {
        builder_from_lookup(lookup)
    }

    pub(crate) fn from_settings(settings: Settings, client: Option<reqwest::Client>) -> Self {
        let issuers = settings
            .issuers
            .iter()
            .map(|issuer| TrustedIssuer::new(issuer.clone(), &settings, client.clone()))
            .collect();
        let verified = TokenCache::new(settings.token_cache_bytes, settings.token_cache_ttl);
        Authenticator {
            inner: Arc::new(Inner {
                identity: NEXT_IDENTITY.fetch_add(1, Ordering::Relaxed),
                settings,
                issuers,
                verified,
            }),
        }
    }

    /// This authenticator's identity, written into the claims it verifies
    /// (claims kept in a request are reused only by the one that verified
    /// them).
    pub(crate) fn identity(&self) -> u64 {
        self.inner.identity
    }

    /// The longest bearer token accepted, in bytes.
    pub(crate) fn max_token_bytes(&self) -> usize {
        self.inner.settings.max_token_bytes
    }

    /// The first trusted issuer (the builder never makes an authenticator
    /// without one).
    fn first_issuer(&self) -> &TrustedIssuer {
        &self.inner.issuers[0]
    }

    /// The issuer tokens must come from: the first trusted issuer's exact
    /// `iss` (or its multi-tenant template). See
    /// [`trusted_issuers`](Self::trusted_issuers) for all of them.
    pub fn issuer(&self) -> &str {
        self.first_issuer().label()
    }

    /// The audiences the first trusted issuer's tokens must carry (empty:
    /// `aud` is not checked).
    pub fn audiences(&self) -> &[String] {
        self.first_issuer().audiences()
    }

    /// Every trusted issuer, in the order configured: the one given to the
    /// builder first, then those added with
    /// [`trust`](AuthenticatorBuilder::trust). Per-issuer labels, fetch
    /// counts and fetch errors.
    pub fn trusted_issuers(&self) -> &[TrustedIssuer] {
        &self.inner.issuers
    }

    /// How many times key sets have been fetched so far, all trusted
    /// issuers together.
    pub fn jwks_fetch_count(&self) -> u64 {
        self.inner
            .issuers
            .iter()
            .map(TrustedIssuer::jwks_fetch_count)
            .sum()
    }

    /// Why the last fetch of the issuer's keys failed, if it did and no
    /// fetch succeeded since: a [`KeyFetchError`] says whether the issuer
    /// could not be reached, answered an error status (a `404` suggests the
    /// keys are published elsewhere: see
    /// [`discover`](AuthenticatorBuilder::discover) and
    /// [`jwks_url`](AuthenticatorBuilder::jwks_url)), or sent a document with
    /// no usable key.
    ///
    /// With several trusted issuers, the first one's error there is (see
    /// [`TrustedIssuer::last_key_fetch_error`] for each).
    pub fn last_key_fetch_error(&self) -> Option<KeyFetchError> {
        self.inner
            .issuers
            .iter()
            .find_map(TrustedIssuer::last_key_fetch_error)
    }

    /// Validates `token` (a compact JWS, without the `Bearer ` prefix) and
    /// returns its claims, once they meet the claim requirements
    /// ([`Issuer::require`](crate::Issuer::require),
    /// [`AuthenticatorBuilder::require`]): a valid token that fails one is
    /// [`AuthError::ClaimMismatch`].
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        let now = unix_now();
        let answer = match self.validate_cached(token, now) {
            Some(answer) => answer,
            None => self.verify(token, now).await,
        };
        answer.and_then(|claims| self.admit(&claims).map(|()| claims))
    }

    /// Whether the `claims` of a valid token meet the claim requirements
    /// of the issuer entry that accepted it (its own and the
    /// authenticator-wide ones): else `403`
    /// ([`AuthError::ClaimMismatch`]). Every decision checks it, cache hits
    /// included (the verified-token caches hold valid tokens), after the
    /// revocation check where there is one: a revoked token is not a valid
    /// token, whatever else it lacks.
    #[inline]
    pub(crate) fn admit(&self, claims: &Claims) -> Result<(), AuthError> {
        if let Some(issuer) = self.inner.issuers.get(claims.data().issuer_entry) {
            for requirement in &issuer.settings.requirements {
                requirement
                    .check(claims)
                    .map_err(AuthError::ClaimMismatch)?;
            }
        }
        Ok(())
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
        let hit = verified.get(token);
        self.metrics().token_cache(hit.is_some());
        let hit = hit?;
        let data = hit.claims.data();
        if !self.still_published(&hit) {
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
    #[inline]
    pub(crate) fn front_hit(&self, token: &[u8], now: i64) -> Option<Result<Claims, AuthError>> {
        let answer = self.inner.verified.front(token, |hit| {
            if now >= hit.deadline || !self.still_published(hit) {
                return None;
            }
            let data = hit.claims.data();
            Some(
                check_lifetime(data.exp, data.nbf, self.leeway(), now)
                    .map(|()| hit.claims.clone())
                    .map_err(AuthError::from),
            )
        });
        if answer.is_some() {
            self.metrics().token_cache(true);
        }
        answer
    }

    /// Whether the key that verified a cached token is still published by
    /// the issuer entry that accepted it: an index into the entries and the
    /// same atomic loads as with one issuer.
    #[inline]
    fn still_published(&self, hit: &Verified) -> bool {
        self.inner
            .issuers
            .get(hit.claims.data().issuer_entry)
            .is_some_and(|issuer| issuer.jwks.still_published(&hit.key))
    }

    /// The trusted issuer entry whose keys may verify a token with these
    /// (not yet verified) claims: chosen by `iss` alone, before any key is
    /// fetched, so that a token naming an issuer that is not trusted causes
    /// no request to any issuer.
    ///
    /// An authenticator with a single exact issuer (what
    /// [`Authenticator::builder`] always built) is left as it always was,
    /// so that its answers stay the same: every token goes to that issuer's
    /// keys, and a wrong, missing or unreadable `iss` is refused after the
    /// signature check.
    fn select_issuer(
        &self,
        raw: &Result<RawClaims, TokenError>,
    ) -> Result<(usize, &TrustedIssuer), TokenError> {
        let issuers = &self.inner.issuers;
        if issuers.len() == 1 && !issuers[0].is_multi_tenant() {
            return Ok((0, &issuers[0]));
        }
        let iss = match raw.as_ref().map_err(Clone::clone).and_then(RawClaims::iss) {
            Ok(Some(iss)) => iss,
            Ok(None) => return Err(TokenError::MissingClaim { claim: "iss" }),
            Err(error) => return Err(error),
        };
        let mut not_allowed = None;
        for (index, issuer) in issuers.iter().enumerate() {
            match issuer.settings.pattern.matches(iss) {
                IssuerMatch::Yes(_) => return Ok((index, issuer)),
                IssuerMatch::TenantNotAllowed(tenant) => {
                    not_allowed.get_or_insert_with(|| TokenError::TenantNotAllowed {
                        tenant: printable(tenant, SHOWN_CHARS),
                    });
                }
                IssuerMatch::No => {}
            }
        }
        Err(not_allowed.unwrap_or_else(|| {
            if issuers.len() == 1 {
                TokenError::WrongIssuer {
                    issuer: printable(iss, SHOWN_CHARS),
                    expected: issuers[0].label().to_owned(),
                }
            } else {
                TokenError::UntrustedIssuer {
                    issuer: printable(iss, SHOWN_CHARS),
                }
            }
        }))
    }

    /// Verifies `token` (a cache miss): its issuer entry chosen by `iss`,
    /// signature with that entry's keys, then claims with its rules;
    /// remembers it when it is valid.
    pub(crate) async fn verify(&self, token: &str, now: i64) -> Result<Claims, AuthError> {
        let _timer = self.metrics().time_validation();
        let compact = parse_compact(token, &self.inner.settings.algorithms)?;
        let kid = compact
            .header
            .kid
            .as_deref()
            .filter(|kid| !kid.is_empty())
            .ok_or(TokenError::NoKeyId)?;
        let raw = compact.payload::<RawClaims>();
        let (entry, issuer) = self.select_issuer(&raw)?;
        let settings = &issuer.settings;
        if !settings.algorithms.contains(&compact.alg) {
            return Err(TokenError::AlgorithmNotAccepted {
                alg: compact.alg.name().to_owned(),
                accepted: settings.algorithms.clone(),
            }
            .into());
        }
        let key = issuer.jwks.key(kid).await?;
        compact.verify(&key)?;
        let leeway = self.leeway();
        let rules = ClaimRules {
            issuer: &settings.pattern,
            audiences: &settings.audiences,
            scope_sources: &settings.scope_sources,
            scope_prefix: settings.scope_prefix.as_ref(),
            client_id_claims: &settings.client_id_claims,
            entry,
            label: &settings.label,
            leeway,
            now,
        };
        let mut data = check_claims(raw?, &rules)?;
        data.verified_by = self.inner.identity;
        let claims = Claims::from_data(data);
        for check in &settings.token_checks {
            check
                .check(&claims)
                .map_err(TokenError::RequirementNotMet)?;
        }
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
    pub(crate) fn validate_now(&self, token: &str, now: i64) -> Option<Result<Claims, AuthError>> {
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

    /// The metrics of the first trusted issuer: where the verified-token
    /// cache and refusals that name no trusted issuer are counted.
    pub(crate) fn metrics(&self) -> &IssuerMetrics {
        &self.first_issuer().jwks.metrics
    }

    /// The metrics a decision is counted in: those of the issuer entry that
    /// accepted the token when there is one, else [`metrics`](Self::metrics).
    pub(crate) fn metrics_for(&self, claims: Option<&Claims>) -> &IssuerMetrics {
        claims
            .and_then(|claims| self.inner.issuers.get(claims.data().issuer_entry))
            .map_or_else(|| self.metrics(), |issuer| &issuer.jwks.metrics)
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
}
