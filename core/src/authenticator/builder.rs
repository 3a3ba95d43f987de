//! Configuration: [`AuthenticatorBuilder`] with a setting per method (the
//! environment's variables are read by the sibling module `env`). It
//! resolves into
//! `Settings`, which the authenticator and its caches read.

use std::time::Duration;

use super::Authenticator;
use crate::error::ConfigError;
use crate::issuer::settings::{KeySource, Settings};
use crate::issuer::{Issuer, check_distinct};
use crate::jose::jwk::Algorithm;
use crate::policy::claim_requirement::ClaimRequirement;
use crate::revocation::{RevocationCheck, RevocationHook, RevocationMode};

/// Builds an [`Authenticator`]. Every setting has a default but the issuer.
///
/// | setting | default |
/// |---|---|
/// | JWKS URL | `<issuer>/keys` (Scalekit's layout); or [`discover`](Self::discover) |
/// | audiences | none: `aud` not checked |
/// | algorithms | `RS256` only |
/// | leeway on `exp`, `nbf`, `iat` | 30 s |
/// | largest token | 8 KiB |
/// | fetch timeout / connect timeout | 5 s / 3 s |
/// | largest JWKS response | 256 KiB |
/// | keys held | 64 |
/// | background refresh after | 5 min |
/// | refetch cooldown (unknown `kid`, failures) | 10 s |
/// | longest use of keys after the last good fetch | 12 h |
/// | verified-token cache: memory / longest life | 16 MiB / 10 min (never past `exp`) |
/// | more trusted issuers ([`trust`](Self::trust)) | none |
/// | claim requirements on every token ([`require`](Self::require)) | none |
/// | revocation check ([`revocation`](Self::revocation)) | none |
///
/// ```
/// use std::time::Duration;
/// use scopegate::{Algorithm, Authenticator};
///
/// let auth = Authenticator::builder("https://acme.scalekit.dev")
///     .audience("deployment-api.acmecorp.com")
///     .algorithms([Algorithm::RS256])
///     .leeway(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(auth.issuer(), "https://acme.scalekit.dev");
/// # Ok::<(), scopegate::ConfigError>(())
/// ```
///
/// # From the environment
///
/// [`Authenticator::from_env`] and [`Authenticator::builder_from_env`]
/// read these variables (unset and blank count alike: unset):
///
/// | variable | meaning | when unset |
/// |---|---|---|
/// | `SCOPEGATE_ISSUER` ([`ENV_ISSUER`](crate::env::ISSUER)) | the issuer, the exact `iss` of its tokens (any issuer) | `SCALEKIT_ENVIRONMENT_URL` |
/// | `SCALEKIT_ENVIRONMENT_URL` ([`ENV_ENVIRONMENT_URL`](crate::env::ENVIRONMENT_URL)) | the Scalekit environment URL, the issuer when `SCOPEGATE_ISSUER` is unset | one of the two is required (without a preset) |
/// | `SCOPEGATE_JWKS_URL` ([`ENV_JWKS_URL`](crate::env::JWKS_URL)) | the JWKS URL ([`jwks_url`](Self::jwks_url)); with a preset, replaces the preset's | `<issuer>/keys`, or the preset's |
/// | `SCOPEGATE_DISCOVERY` ([`ENV_DISCOVERY`](crate::env::DISCOVERY)) | `true`: find the JWKS URL through discovery ([`discover`](Self::discover)); also `1`/`yes`/`on`, and `false`/`0`/`no`/`off` | `false` |
/// | `SCOPEGATE_AUDIENCE` ([`ENV_AUDIENCE`](crate::env::AUDIENCE)) | the audiences accepted, separated by commas or spaces | `aud` not checked (required by `auth0`, `entra-id`, `okta`) |
/// | `SCOPEGATE_PRESET` ([`ENV_PRESET`](crate::env::PRESET)) | a provider preset: `scalekit`, `auth0`, `entra-id`, `okta`, `keycloak`, `cognito` (any case) | no preset: the variables above |
///
/// A JWKS URL together with `SCOPEGATE_DISCOVERY=true` is
/// [`ConfigError::ConflictingEnv`] naming both variables; a
/// `SCOPEGATE_DISCOVERY` that is not a boolean is
/// [`ConfigError::InvalidEnv`]. The URLs are checked when the builder
/// builds, like URLs given to its methods.
///
/// ```
/// use scopegate::Authenticator;
///
/// // SCOPEGATE_ISSUER=https://login.example.com/tenant-1
/// // SCOPEGATE_DISCOVERY=true
/// // SCOPEGATE_AUDIENCE=deployment-api.acmecorp.com
/// # fn run() -> Result<(), scopegate::ConfigError> {
/// let auth = Authenticator::from_env()?;
/// # Ok(()) }
/// ```
///
/// ## Provider presets
///
/// `SCOPEGATE_PRESET` configures the issuer the way the provider
/// documents its access tokens (see [`Issuer::auth0`] and the other
/// presets), from the variables of its row:
///
/// | `SCOPEGATE_PRESET` | variables | `SCOPEGATE_AUDIENCE` |
/// |---|---|---|
/// | `scalekit` | `SCALEKIT_ENVIRONMENT_URL` | optional |
/// | `auth0` | `SCOPEGATE_AUTH0_DOMAIN`: `acme.us.auth0.com` or a custom domain | required: the API identifier |
/// | `entra-id` | `SCOPEGATE_ENTRA_TENANT`: a tenant id, several separated by commas or spaces, or `*` (also `any`: every tenant) with `SCOPEGATE_ENTRA_ANY_TENANT=true` | required: the API's application (client) id |
/// | `okta` | `SCOPEGATE_OKTA_DOMAIN`: `acme.okta.com`; `SCOPEGATE_OKTA_SERVER`: the authorization server id, `default` when unset | required: the authorization server's audience |
/// | `keycloak` | `SCOPEGATE_KEYCLOAK_URL`: the server's base URL; `SCOPEGATE_KEYCLOAK_REALM` | optional |
/// | `cognito` | `SCOPEGATE_COGNITO_REGION`; `SCOPEGATE_COGNITO_POOL`: the user pool id; optional `SCOPEGATE_COGNITO_SCOPE_PREFIX`: the resource server identifier and `/` ([`Issuer::scope_prefix`](crate::Issuer::scope_prefix)) | not allowed: Cognito access tokens have no `aud` |
///
/// The preset is the issuer, so it refuses what would contradict it, each
/// error naming the variable:
///
/// * an unknown preset, or an id, realm, region or domain that is not one
///   path segment or host: [`ConfigError::InvalidEnv`];
/// * a variable the preset needs, unset: [`ConfigError::PresetNeedsEnv`];
/// * a variable of another preset (or of a preset while `SCOPEGATE_PRESET`
///   is unset): [`ConfigError::PresetForeignEnv`];
/// * `SCOPEGATE_ISSUER` with any preset, `SCALEKIT_ENVIRONMENT_URL` with a
///   preset other than `scalekit`, `SCOPEGATE_AUDIENCE` with `cognito`,
///   `SCOPEGATE_DISCOVERY=true` with `entra-id` (its tenants share the
///   keys of the common endpoint, and have no one discovery document),
///   `SCOPEGATE_ENTRA_ANY_TENANT=true` beside tenant ids:
///   [`ConfigError::ConflictingEnv`].
///
/// `SCOPEGATE_JWKS_URL` may replace a preset's key location (a key proxy,
/// a local stand-in in tests); the issuer, scope and client-id claims,
/// audience and access-token checks (Cognito's `token_use`, Entra ID's
/// `ver`) stay the preset's. With
/// `SCOPEGATE_DISCOVERY=true`, a preset other than `entra-id` finds its
/// keys through the discovery document of its issuer.
///
/// ```
/// use scopegate::Authenticator;
///
/// let vars = [
///     ("SCOPEGATE_PRESET", "auth0"),
///     ("SCOPEGATE_AUTH0_DOMAIN", "acme.us.auth0.com"),
///     ("SCOPEGATE_AUDIENCE", "https://deployments.acmecorp.com"),
/// ];
/// let lookup = |name: &str| {
///     vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
/// };
/// let auth = Authenticator::builder_from_lookup(lookup)?.build()?;
/// assert_eq!(auth.issuer(), "https://acme.us.auth0.com/");
/// # Ok::<(), scopegate::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthenticatorBuilder {
    /// The issuer given to [`Authenticator::builder`], which the per-issuer methods
    /// (`jwks_url`, `audience`, `algorithms`...) configure.
    pub(super) primary: Issuer,
    /// The issuers added with [`trust`](Self::trust).
    trusted: Vec<Issuer>,
    /// Required of every issuer's tokens ([`require`](Self::require)).
    requirements: Vec<ClaimRequirement>,
    leeway: Duration,
    max_token_bytes: usize,
    max_jwks_bytes: usize,
    max_keys: u64,
    timeout: Duration,
    connect_timeout: Duration,
    refresh_interval: Duration,
    refetch_cooldown: Duration,
    max_staleness: Duration,
    token_cache_bytes: u64,
    token_cache_ttl: Duration,
    allow_http: bool,
    client: Option<reqwest::Client>,
    revocation: Option<RevocationHook>,
}

impl AuthenticatorBuilder {
    pub(crate) fn new(primary: Issuer) -> Self {
        AuthenticatorBuilder {
            primary,
            trusted: Vec::new(),
            requirements: Vec::new(),
            leeway: Duration::from_secs(30),
            max_token_bytes: 8 * 1024,
            max_jwks_bytes: 256 * 1024,
            max_keys: 64,
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(3),
            refresh_interval: Duration::from_secs(300),
            refetch_cooldown: Duration::from_secs(10),
            max_staleness: Duration::from_secs(12 * 3600),
            token_cache_bytes: 16 * 1024 * 1024,
            token_cache_ttl: Duration::from_secs(600),
            allow_http: false,
            client: None,
            revocation: None,
        }
    }

    /// Fetch keys from this JWKS URL instead of `<issuer>/keys`.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.primary = self.primary.jwks_url(url);
        self
    }

    /// Verify with the keys of this JWKS document (RFC 7517 §5) instead of
    /// fetching them: for keys distributed out of band, and for tests. The
    /// document is checked when the authenticator is built; nothing is ever
    /// fetched, and the keys never go stale.
    ///
    /// ```
    /// use scopegate::Authenticator;
    ///
    /// let jwks = br#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256",
    ///   "n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
    ///   "e":"AQAB"}]}"#;
    /// let auth = Authenticator::builder("https://acme.scalekit.dev")
    ///     .jwks_document(&jwks[..])
    ///     .build()?;
    /// assert_eq!(auth.jwks_fetch_count(), 0);
    /// # Ok::<(), scopegate::ConfigError>(())
    /// ```
    pub fn jwks_document(mut self, document: impl Into<Vec<u8>>) -> Self {
        self.primary = self.primary.jwks_document(document);
        self
    }

    /// Find the JWKS URL through OIDC discovery: `jwks_uri` from
    /// `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal
    /// the configured one.
    pub fn discover(mut self) -> Self {
        self.primary = self.primary.discover();
        self
    }

    /// Require `aud` to contain this audience (may be called several times:
    /// any of them is accepted).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.primary = self.primary.audience(audience);
        self
    }

    /// Require `aud` to contain one of these audiences.
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.primary = self.primary.audiences(audiences);
        self
    }

    /// The signature algorithms accepted. The token's `alg` header must be in
    /// this list; it never chooses the algorithm on its own.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.primary = self.primary.algorithms(algorithms);
        self
    }

    /// Trusts one more issuer, with its own keys, audiences, algorithms,
    /// scope sources and client-id claims (see [`Issuer`]). The builder's
    /// per-issuer methods ([`jwks_url`](Self::jwks_url),
    /// [`audience`](Self::audience), [`algorithms`](Self::algorithms)...)
    /// keep configuring the first issuer; the other settings (leeway,
    /// caches, timeouts, `allow_http`) apply to every issuer. Two entries
    /// for one issuer are a [`ConfigError::DuplicateIssuer`].
    ///
    /// ```
    /// use scopegate::{Authenticator, Issuer};
    ///
    /// let auth = Authenticator::builder("https://acme.scalekit.dev")
    ///     .trust(Issuer::auth0("acme.us.auth0.com", "https://deployments.acmecorp.com"))
    ///     .build()?;
    /// let labels: Vec<&str> = auth.trusted_issuers().iter().map(|i| i.label()).collect();
    /// assert_eq!(labels, ["https://acme.scalekit.dev", "https://acme.us.auth0.com/"]);
    /// # Ok::<(), scopegate::ConfigError>(())
    /// ```
    pub fn trust(mut self, issuer: Issuer) -> Self {
        self.trusted.push(issuer);
        self
    }

    /// Every valid token, of every trusted issuer, must meet `requirement`
    /// (`gty == "client-credentials"`, `tid` one of a list...), on every
    /// endpoint; a token that does not is refused `403 insufficient_scope`
    /// with a description naming the claim, never the accepted values.
    /// Checked once the token is valid and, where revocation is checked,
    /// not revoked (a revoked token is `401` whatever else it lacks),
    /// before the handler's scopes and its own `claim(..)`.
    /// For one issuer's tokens only, see [`Issuer::require`].
    ///
    /// ```
    /// use scopegate::{Authenticator, policy::{ClaimRequirement, ClaimTest, ClaimValue}};
    ///
    /// let auth = Authenticator::builder("https://acme.scalekit.dev")
    ///     .require(ClaimRequirement::new(
    ///         "oid",
    ///         ClaimTest::OneOf(vec![ClaimValue::str("org_59615193906282635")].into()),
    ///     ))
    ///     .build()?;
    /// # Ok::<(), scopegate::ConfigError>(())
    /// ```
    pub fn require(mut self, requirement: ClaimRequirement) -> Self {
        self.requirements.push(requirement);
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (at most 5 minutes).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The longest token accepted, in bytes.
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// The largest JWKS (or discovery) response accepted, in bytes.
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.max_jwks_bytes = bytes;
        self
    }

    /// How many keys the cache holds at most.
    pub fn max_keys(mut self, keys: u64) -> Self {
        self.max_keys = keys;
        self
    }

    /// Total time allowed for one JWKS fetch.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to connect to the issuer.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Age of the key set after which a background refresh starts.
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// The least time between two fetches of the key set (unknown `kid`s
    /// and failed fetches alike) once a key set has been obtained, and then
    /// the `Retry-After` of a `503`. While none ever has been (the API
    /// started while its issuer was down), a failed fetch is retried on a
    /// short backoff instead (0.1 s doubling up to 1.6 s, never more than
    /// the cooldown) and each `503` says `Retry-After: 1`, so that service
    /// resumes soon after the issuer is back.
    pub fn refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.refetch_cooldown = cooldown;
        self
    }

    /// How long keys keep serving after the last good fetch while refreshes
    /// fail.
    pub fn max_staleness(mut self, staleness: Duration) -> Self {
        self.max_staleness = staleness;
        self
    }

    /// Memory budget of the verified-token cache, in bytes (0 turns the
    /// cache off). See the crate docs for what the cache does and does not
    /// change.
    pub fn token_cache_bytes(mut self, bytes: u64) -> Self {
        self.token_cache_bytes = bytes;
        self
    }

    /// The longest a validated token is remembered, whatever its `exp`.
    pub fn token_cache_ttl(mut self, ttl: Duration) -> Self {
        self.token_cache_ttl = ttl;
        self
    }

    /// Allow `http://` URLs for hosts other than loopback. Loopback
    /// (`127.0.0.1`, `::1`, `localhost`) is always allowed, for development.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Use this reqwest client for fetches (its own timeouts then apply).
    /// Key fetches are minutes apart; give it
    /// `pool_max_idle_per_host(0)` (as the default client has) unless its
    /// idle timeout is shorter than the issuer's keep-alive, or a fetch may
    /// land on a connection the issuer already closed.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Check valid tokens against `check` (a
    /// [`MemoryRevocations`](crate::revocation::MemoryRevocations), or a
    /// `RedisRevocations` shared by every replica) for the handlers `mode`
    /// says: see [`revocation`](crate::revocation). Default: no check.
    pub fn revocation(mut self, check: impl RevocationCheck, mode: RevocationMode) -> Self {
        self.revocation = Some(RevocationHook::new(std::sync::Arc::new(check), mode));
        self
    }

    /// Checks the settings and builds the [`Authenticator`]. No network
    /// traffic happens here: keys are fetched on first use.
    pub fn build(self) -> Result<Authenticator, ConfigError> {
        let issuers = std::iter::once(&self.primary)
            .chain(&self.trusted)
            .map(|issuer| {
                let mut issuer = issuer.clone();
                for requirement in &self.requirements {
                    issuer = issuer.require(requirement.clone());
                }
                issuer.resolve(self.allow_http)
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_distinct(&issuers)?;
        let mut algorithms: Vec<Algorithm> = Vec::new();
        for alg in issuers.iter().flat_map(|issuer| &issuer.algorithms) {
            if !algorithms.contains(alg) {
                algorithms.push(*alg);
            }
        }
        if self.leeway > Duration::from_secs(300) {
            return Err(ConfigError::OutOfRange {
                setting: "leeway",
                limit: "is at most 5 minutes",
            });
        }
        for (setting, value) in [
            ("refetch_cooldown", self.refetch_cooldown),
            ("refresh_interval", self.refresh_interval),
            ("max_staleness", self.max_staleness),
        ] {
            if value.is_zero() {
                return Err(ConfigError::OutOfRange {
                    setting,
                    limit: "must be above zero",
                });
            }
        }
        let all_static = issuers
            .iter()
            .all(|issuer| matches!(issuer.key_source, KeySource::Static(_)));
        let client = match (self.client, all_static) {
            (Some(client), _) => Some(client),
            (None, true) => None,
            (None, false) => Some(
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .redirect(reqwest::redirect::Policy::limited(3))
                    // Key fetches are minutes apart: an idle pooled
                    // connection buys nothing, and one the issuer closed
                    // (keep-alive timeouts of 5 s are common) fails the next
                    // fetch with an incomplete message. A new connection
                    // per fetch.
                    .pool_max_idle_per_host(0)
                    .build()
                    .map_err(ConfigError::HttpClient)?,
            ),
        };
        let settings = Settings {
            issuers,
            algorithms,
            leeway: self.leeway,
            max_token_bytes: self.max_token_bytes,
            max_jwks_bytes: self.max_jwks_bytes,
            max_keys: self.max_keys,
            refresh_interval: self.refresh_interval,
            refetch_cooldown: self.refetch_cooldown,
            max_staleness: self.max_staleness,
            token_cache_bytes: self.token_cache_bytes,
            token_cache_ttl: self.token_cache_ttl,
            revocation: self.revocation,
        };
        Ok(Authenticator::from_settings(settings, client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_required_except_on_loopback() {
        assert!(
            AuthenticatorBuilder::new(Issuer::new("https://acme.scalekit.dev"))
                .build()
                .is_ok()
        );
        assert!(
            AuthenticatorBuilder::new(Issuer::new("http://127.0.0.1:8080"))
                .build()
                .is_ok()
        );
        assert!(
            AuthenticatorBuilder::new(Issuer::new("http://localhost:8080"))
                .build()
                .is_ok()
        );
        assert!(matches!(
            AuthenticatorBuilder::new(Issuer::new("http://acme.example")).build(),
            Err(ConfigError::InvalidUrl { .. })
        ));
        assert!(
            AuthenticatorBuilder::new(Issuer::new("http://acme.example"))
                .allow_http(true)
                .build()
                .is_ok()
        );
        assert!(matches!(
            AuthenticatorBuilder::new(Issuer::new("ftp://acme.example")).build(),
            Err(ConfigError::InvalidUrl { .. })
        ));
        assert!(matches!(
            AuthenticatorBuilder::new(Issuer::new("not a url")).build(),
            Err(ConfigError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn settings_are_checked() {
        let builder = AuthenticatorBuilder::new(Issuer::new("https://a.example"));
        assert!(matches!(
            builder.clone().algorithms([]).build(),
            Err(ConfigError::NoAlgorithms)
        ));
        assert!(matches!(
            builder.clone().leeway(Duration::from_secs(3600)).build(),
            Err(ConfigError::OutOfRange {
                setting: "leeway",
                ..
            })
        ));
        assert!(matches!(
            builder.clone().refetch_cooldown(Duration::ZERO).build(),
            Err(ConfigError::OutOfRange {
                setting: "refetch_cooldown",
                ..
            })
        ));
        let error = builder.max_staleness(Duration::ZERO).build().unwrap_err();
        assert_eq!(error.to_string(), "max_staleness must be above zero");
        assert!(matches!(
            AuthenticatorBuilder::new(Issuer::new("https://a.example"))
                .jwks_document(&b"{}"[..])
                .build(),
            Err(ConfigError::InvalidJwks(
                crate::jose::jwk::JwkError::Malformed(_)
            ))
        ));
    }
}
