//! [`Issuer`]: one trusted issuer of an authenticator that may trust
//! several, with its own keys, audiences, algorithms, scope sources,
//! client-id claims and claim requirements. Resolved into
//! `IssuerSettings` when the authenticator is built.

pub(crate) mod key_cache;
pub(crate) mod pattern;
pub(crate) mod preset;
pub(crate) mod settings;
pub(crate) mod trusted;
pub(crate) mod validation;

use std::sync::Arc;

use reqwest::Url;
use scopegate_wire::scope::is_scope_token;

use crate::claims::sources::{ClientIdClaim, ScopeSource};
use crate::error::{ConfigError, TenantTemplateError};
use crate::issuer::pattern::{IssuerPattern, TenantIssuer};
use crate::issuer::settings::{IssuerSettings, KeySource};
use crate::jose::jwk::{Algorithm, parse_jwks};
use crate::policy::claim_requirement::ClaimRequirement;

/// Where an issuer's keys are found.
#[derive(Debug, Clone)]
pub(crate) enum KeyLocation {
    /// `<issuer>/keys` (Scalekit's layout).
    Default,
    /// This JWKS URL.
    Jwks(String),
    /// OIDC discovery from `<issuer>/.well-known/openid-configuration`.
    Discover,
    /// This JWKS document, never fetched.
    Document(Arc<[u8]>),
}

/// One trusted issuer: which `iss` it accepts, where its keys are, and how
/// its tokens are read.
///
/// An [`Authenticator`](crate::Authenticator) trusts the issuer given to
/// [`Authenticator::builder`](crate::Authenticator::builder) (or
/// [`builder`](crate::Authenticator::builder)) and every issuer
/// added with [`AuthenticatorBuilder::trust`](crate::AuthenticatorBuilder::trust).
/// Each has its own key cache. The token's `iss`, read before the signature
/// is checked and used only to choose among the trusted entries, selects
/// the entry whose keys verify it; when several issuers are trusted (or
/// one multi-tenant template), a token naming an issuer that is not trusted
/// is refused (`401 invalid_token`) without any request to any issuer. (An
/// authenticator with one exact issuer sends every token to that issuer's
/// keys, and refuses a wrong `iss` after the signature check.)
///
/// | setting | default |
/// |---|---|
/// | keys | `<issuer>/keys`; or [`jwks_url`](Self::jwks_url), [`discover`](Self::discover), [`jwks_document`](Self::jwks_document) |
/// | audiences | none: `aud` not checked |
/// | algorithms | `RS256` |
/// | scope sources | `scopes`, then `scope` ([`ScopeSource::DEFAULT`]) |
/// | client-id claims | `client_id` ([`ClientIdClaim::DEFAULT`]) |
/// | claim requirements | none |
///
/// The provider presets ([`Issuer::auth0`], [`Issuer::entra_id`],
/// [`Issuer::okta`], [`Issuer::keycloak`], [`Issuer::cognito`],
/// [`Issuer::scalekit`]) set all of these the way each provider documents
/// its access tokens.
///
/// ```
/// use scopegate::{Authenticator, Issuer, ScopeSource, ClientIdClaim};
///
/// let auth = Authenticator::builder("https://acme.scalekit.dev")
///     .audience("deployment-api.acmecorp.com")
///     .trust(
///         Issuer::new("https://idp.acmecorp.com/realms/ops")
///             .jwks_url("https://idp.acmecorp.com/realms/ops/protocol/openid-connect/certs")
///             .scope_sources([ScopeSource::Scope])
///             .client_id_claims([ClientIdClaim::Azp, ClientIdClaim::ClientId]),
///     )
///     .build()?;
/// assert_eq!(auth.trusted_issuers().len(), 2);
/// assert_eq!(auth.trusted_issuers()[1].label(), "https://idp.acmecorp.com/realms/ops");
/// # Ok::<(), scopegate::ConfigError>(())
/// ```
///
/// # Multi-tenant issuers
///
/// [`Issuer::multi_tenant`] takes a template whose one `{name}` placeholder
/// is a whole path segment, such as Microsoft Entra ID's
/// `https://login.microsoftonline.com/{tenantid}/v2.0`. A token matches when
/// its `iss` is the template with a tenant id (letters, digits, `-`, `_`) in
/// place of the placeholder, that tenant is allowed
/// ([`tenants`](Self::tenants), or [`any_tenant`](Self::any_tenant) as an
/// explicit opt-in), and the token's tenant claim
/// ([`tenant_claim`](Self::tenant_claim), `tid` for Entra ID) equals it. All
/// tenants share one key source, given with [`jwks_url`](Self::jwks_url)
/// or [`jwks_document`](Self::jwks_document).
///
/// ```
/// use scopegate::{Authenticator, Issuer};
///
/// let entra = Issuer::multi_tenant("https://login.microsoftonline.com/{tenantid}/v2.0")
///     .tenant_claim("tid")
///     .tenants(["9188040d-6c67-4c5b-b112-36a304b66dad"])
///     .jwks_url("https://login.microsoftonline.com/common/discovery/v2.0/keys")
///     .audience("api://deployments");
/// let auth = Authenticator::builder(entra).build()?;
/// assert_eq!(auth.issuer(), "https://login.microsoftonline.com/{tenantid}/v2.0");
/// # Ok::<(), scopegate::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Issuer {
    pub(crate) issuer: String,
    /// Whether `issuer` is a multi-tenant template.
    template: bool,
    /// Trailing `/`s of the issuer are dropped when built: the behaviour
    /// of [`Authenticator::builder`](crate::Authenticator::builder), kept
    /// for it alone (Auth0's `iss` ends with `/`).
    tenant_claim: Option<&'static str>,
    tenants: Option<Vec<String>>,
    any_tenant: bool,
    pub(crate) key: KeyLocation,
    pub(crate) audiences: Vec<String>,
    pub(crate) algorithms: Vec<Algorithm>,
    scope_sources: Vec<ScopeSource>,
    pub(crate) scope_prefix: Option<String>,
    client_id_claims: Vec<ClientIdClaim>,
    requirements: Vec<ClaimRequirement>,
    /// What a provider preset checks of every token to be its access
    /// token at all (Cognito's `token_use`, Entra ID's `ver`).
    token_checks: Vec<ClaimRequirement>,
}

impl Issuer {
    /// An issuer whose tokens carry exactly this `iss` (compared byte for
    /// byte: `https://acme.us.auth0.com/` with its trailing `/`).
    pub fn new(issuer: impl Into<String>) -> Self {
        Issuer {
            issuer: issuer.into(),
            template: false,
            tenant_claim: None,
            tenants: None,
            any_tenant: false,
            key: KeyLocation::Default,
            audiences: Vec::new(),
            algorithms: vec![Algorithm::RS256],
            scope_sources: ScopeSource::DEFAULT.to_vec(),
            scope_prefix: None,
            client_id_claims: ClientIdClaim::DEFAULT.to_vec(),
            requirements: Vec::new(),
            token_checks: Vec::new(),
        }
    }

    /// A multi-tenant issuer: `template` has one `{name}` placeholder, a
    /// whole path segment, where each token's `iss` names its tenant. Needs
    /// [`tenant_claim`](Self::tenant_claim), [`tenants`](Self::tenants) or
    /// [`any_tenant`](Self::any_tenant), and a shared key source.
    pub fn multi_tenant(template: impl Into<String>) -> Self {
        Issuer {
            template: true,
            ..Issuer::new(template)
        }
    }

    /// The exact issuer, or the template, as given.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The URL the keys are fetched from (or the discovery document's, with
    /// [`discover`](Self::discover)); `None` for a JWKS document or a
    /// template without a JWKS URL.
    pub fn key_url(&self) -> Option<String> {
        let base = self.issuer_text();
        match &self.key {
            KeyLocation::Jwks(url) => Some(url.clone()),
            KeyLocation::Document(_) => None,
            _ if self.template => None,
            KeyLocation::Default => Some(format!("{}/keys", base.trim_end_matches('/'))),
            KeyLocation::Discover => Some(format!(
                "{}/.well-known/openid-configuration",
                base.trim_end_matches('/')
            )),
        }
    }

    /// Fetch keys from this JWKS URL instead of `<issuer>/keys`.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.key = KeyLocation::Jwks(url.into());
        self
    }

    /// Verify with the keys of this JWKS document instead of fetching them
    /// (checked when the authenticator is built).
    pub fn jwks_document(mut self, document: impl Into<Vec<u8>>) -> Self {
        self.key = KeyLocation::Document(document.into().into());
        self
    }

    /// Find the JWKS URL through OIDC discovery: `jwks_uri` from
    /// `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal
    /// this one.
    pub fn discover(mut self) -> Self {
        self.key = KeyLocation::Discover;
        self
    }

    /// Require `aud` to contain this audience (may be called several times:
    /// any of them is accepted).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Require `aud` to contain one of these audiences.
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audiences.extend(audiences.into_iter().map(Into::into));
        self
    }

    /// The signature algorithms accepted from this issuer.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// The claims granted scopes are read from, replacing the default
    /// (`scopes`, `scope`). When several are present in a token, a scope is
    /// granted only if all of them list it. An empty list is a
    /// [`ConfigError::NoScopeSources`].
    pub fn scope_sources(mut self, sources: impl IntoIterator<Item = ScopeSource>) -> Self {
        self.scope_sources = sources.into_iter().collect();
        self
    }

    /// Grants only the scopes that begin with `prefix`, with the prefix
    /// taken off; every other scope of the token grants nothing.
    ///
    /// For issuers that name a scope after the API it belongs to: Amazon
    /// Cognito writes a resource server's custom scope as
    /// `<resource server identifier>/<scope name>`. With
    /// `.scope_prefix("https://deployments.acme.com/")`, a token's
    /// `https://deployments.acme.com/deploy:applications` grants
    /// `deploy:applications` (what `#[require_scopes]` names), while another
    /// resource server's scopes, and Cognito's own (`openid`,
    /// `aws.cognito.signin.user.admin`), grant nothing. A scope equal to
    /// the prefix grants nothing either. The prefix is compared byte for
    /// byte, after the scope sources are combined. End it with the
    /// separator the issuer puts before the scope name (Cognito's `/`): a
    /// prefix `https://deployments.acme.com` would also take in the scopes
    /// of a resource server `https://deployments.acme.com.example`, as
    /// `.example/<scope>`. Everything that reads the granted scopes sees
    /// them without the prefix: [`Claims::scopes`](crate::Claims::scopes),
    /// [`has_scope`](crate::Claims::has_scope), `#[require_scopes]`, and a
    /// claim requirement on `scope` or `scopes`
    /// (`claim(scope includes "deploy:applications")`). The `scope` of an
    /// `insufficient_scope` challenge to such a token has the prefix back
    /// (`https://deployments.acme.com/deploy:applications`): the issuer
    /// knows the scope by that name.
    ///
    /// A prefix that is empty or holds a character no scope can hold
    /// (RFC 6749 §3.3: a space, `"`, `\\`, a control character) is a
    /// [`ConfigError::InvalidScopePrefix`].
    ///
    /// ```
    /// use scopegate::{Authenticator, Issuer};
    ///
    /// let auth = Authenticator::builder(
    ///     Issuer::cognito("us-east-1", "us-east-1_Ab12Cd34E")
    ///         .scope_prefix("https://deployments.acme.com/"),
    /// )
    /// .build()?;
    /// # Ok::<(), scopegate::ConfigError>(())
    /// ```
    pub fn scope_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.scope_prefix = Some(prefix.into());
        self
    }

    /// The claims [`Claims::client_id`](crate::Claims::client_id) reads, in
    /// order, replacing the default (`client_id`).
    pub fn client_id_claims(mut self, claims: impl IntoIterator<Item = ClientIdClaim>) -> Self {
        self.client_id_claims = claims.into_iter().collect();
        self
    }

    /// Every token of this issuer must meet `requirement` (for example
    /// `gty == "client-credentials"`, or `client_id` one of a list where
    /// tokens carry no audience), on every endpoint: a valid token that
    /// does not is refused `403 insufficient_scope`, with a description
    /// that names the claim and never the accepted values, exactly as a
    /// handler's own `claim(..)` requirement. To require the same of every
    /// issuer's tokens, see
    /// [`AuthenticatorBuilder::require`](crate::AuthenticatorBuilder::require).
    ///
    /// A requirement that can never be met as written (a string compared
    /// with `exp`) is a [`ConfigError::ClaimRequirement`] at build time.
    pub fn require(mut self, requirement: ClaimRequirement) -> Self {
        self.requirements.push(requirement);
        self
    }

    /// What a provider preset checks of every token to be an access token
    /// of that provider at all: a token failing it is not a valid token
    /// here, `401 invalid_token` (RFC 6750 §3.1), as a wrong `typ` would be.
    pub(crate) fn token_check(mut self, check: ClaimRequirement) -> Self {
        self.token_checks.push(check);
        self
    }

    /// For a multi-tenant issuer: the claim that must equal the tenant of
    /// `iss` (`tid` for Microsoft Entra ID).
    pub fn tenant_claim(mut self, claim: &'static str) -> Self {
        self.tenant_claim = Some(claim);
        self
    }

    /// For a multi-tenant issuer: the tenants accepted (added to any listed
    /// before).
    pub fn tenants<I, S>(mut self, tenants: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tenants
            .get_or_insert_with(Vec::new)
            .extend(tenants.into_iter().map(Into::into));
        self.any_tenant = false;
        self
    }

    /// For a multi-tenant issuer: accept every tenant (an explicit opt-in:
    /// any organization with an account at the provider can then obtain a
    /// token this server accepts, so check `aud` and the scopes).
    pub fn any_tenant(mut self) -> Self {
        self.any_tenant = true;
        self.tenants = None;
        self
    }

    /// Replaces the scheme, host and port of the issuer and of its JWKS URL,
    /// keeping their paths: points a provider preset at a local stand-in
    /// (`http://127.0.0.1:<port>`) in tests, or at a provider's custom
    /// domain.
    ///
    /// ```
    /// use scopegate::Issuer;
    ///
    /// let cognito = Issuer::cognito("eu-west-1", "eu-west-1_AbCdEf123").base_url("http://127.0.0.1:8080");
    /// assert_eq!(cognito.issuer(), "http://127.0.0.1:8080/eu-west-1_AbCdEf123");
    /// assert_eq!(
    ///     cognito.key_url().as_deref(),
    ///     Some("http://127.0.0.1:8080/eu-west-1_AbCdEf123/.well-known/jwks.json")
    /// );
    /// ```
    pub fn base_url(mut self, base: &str) -> Self {
        self.issuer = replace_origin(&self.issuer, base);
        if let KeyLocation::Jwks(url) = &self.key {
            self.key = KeyLocation::Jwks(replace_origin(url, base));
        }
        self
    }

    fn issuer_text(&self) -> &str {
        &self.issuer
    }

    /// Checks this entry and resolves it into its settings.
    pub(crate) fn resolve(&self, allow_http: bool) -> Result<IssuerSettings, ConfigError> {
        let checked_url = |field: &'static str, text: &str| -> Result<Url, ConfigError> {
            scopegate_wire::url_policy::checked_url(text, allow_http, Some("allow_http(true)"))
                .map_err(|reason| ConfigError::InvalidUrl { field, reason })
        };
        let issuer = self.issuer_text().to_owned();
        let template_error = |reason| ConfigError::TenantTemplate {
            template: issuer.clone(),
            reason,
        };
        let pattern = if self.template {
            let tenants = match (&self.tenants, self.any_tenant) {
                (_, true) => None,
                (Some(tenants), false) => Some(tenants.clone()),
                (None, false) => return Err(template_error(TenantTemplateError::NoTenants)),
            };
            let template =
                TenantIssuer::new(&issuer, self.tenant_claim, tenants).map_err(template_error)?;
            checked_url("issuer", &template.with_tenant("tenant"))?;
            IssuerPattern::Tenant(template)
        } else {
            checked_url("issuer", &issuer)?;
            IssuerPattern::Exact(issuer.clone())
        };
        let key_source = match &self.key {
            KeyLocation::Document(document) => {
                parse_jwks(document, &self.algorithms).map_err(ConfigError::InvalidJwks)?;
                KeySource::Static(Arc::clone(document))
            }
            KeyLocation::Jwks(url) => KeySource::Jwks(checked_url("jwks_url", url)?),
            _ if self.template => {
                return Err(template_error(TenantTemplateError::NoSharedKeys));
            }
            KeyLocation::Discover => KeySource::Discovery(checked_url(
                "issuer",
                &format!(
                    "{}/.well-known/openid-configuration",
                    issuer.trim_end_matches('/')
                ),
            )?),
            KeyLocation::Default => KeySource::Jwks(checked_url(
                "issuer",
                &format!("{}/keys", issuer.trim_end_matches('/')),
            )?),
        };
        if self.algorithms.is_empty() {
            return Err(ConfigError::NoAlgorithms);
        }
        if self.scope_sources.is_empty() {
            return Err(ConfigError::NoScopeSources { issuer });
        }
        if let Some(prefix) = &self.scope_prefix
            && !is_scope_token(prefix)
        {
            return Err(ConfigError::InvalidScopePrefix {
                issuer,
                prefix: scopegate_wire::text::printable(prefix, 64),
            });
        }
        for requirement in self.requirements.iter().chain(&self.token_checks) {
            requirement
                .validate()
                .map_err(|reason| ConfigError::ClaimRequirement {
                    issuer: issuer.clone(),
                    reason,
                })?;
        }
        let mut audiences = self.audiences.clone();
        audiences.retain(|a| !a.is_empty());
        Ok(IssuerSettings {
            label: Arc::from(pattern.as_str()),
            pattern,
            key_source,
            audiences,
            algorithms: self.algorithms.clone(),
            scope_sources: self.scope_sources.clone(),
            scope_prefix: self.scope_prefix.as_deref().map(Arc::from),
            client_id_claims: self.client_id_claims.clone(),
            requirements: self.requirements.clone(),
            token_checks: self.token_checks.clone(),
        })
    }
}

/// `url` with its scheme, host and port replaced by `base`'s.
fn replace_origin(url: &str, base: &str) -> String {
    let base = base.trim_end_matches('/');
    let path = url
        .find("://")
        .and_then(|scheme| url[scheme + 3..].find('/').map(|at| scheme + 3 + at))
        .map_or("", |at| &url[at..]);
    format!("{base}{path}")
}

/// Refuses a set of entries where one token could select two: the same
/// issuer twice, or an exact issuer a template also matches.
pub(crate) fn check_distinct(entries: &[IssuerSettings]) -> Result<(), ConfigError> {
    for (i, a) in entries.iter().enumerate() {
        for b in &entries[i + 1..] {
            let clash = a.label == b.label
                || [(a, b), (b, a)].iter().any(|(x, y)| {
                    matches!(x.pattern, IssuerPattern::Exact(_))
                        && !matches!(
                            y.pattern.matches(x.pattern.as_str()),
                            crate::issuer::pattern::IssuerMatch::No
                        )
                });
            if clash {
                return Err(ConfigError::DuplicateIssuer {
                    issuer: a.label.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// An issuer given by its exact `iss`, with the defaults of
/// [`Issuer::new`].
impl From<&str> for Issuer {
    fn from(issuer: &str) -> Self {
        Issuer::new(issuer)
    }
}

/// An issuer given by its exact `iss`, with the defaults of
/// [`Issuer::new`].
impl From<String> for Issuer {
    fn from(issuer: String) -> Self {
        Issuer::new(issuer)
    }
}

/// An issuer given by its exact `iss`, with the defaults of
/// [`Issuer::new`].
impl From<&String> for Issuer {
    fn from(issuer: &String) -> Self {
        Issuer::new(issuer.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::claim_requirement::{ClaimRequirementError, ClaimTest};

    #[test]
    fn a_claim_requirement_that_can_never_be_met_is_a_build_error() {
        let issuer = Issuer::new("https://acme.scalekit.dev").require(ClaimRequirement::new(
            "exp",
            ClaimTest::Equals("tomorrow".into()),
        ));
        match issuer.resolve(false) {
            Err(ConfigError::ClaimRequirement { issuer, reason }) => {
                assert_eq!(issuer, "https://acme.scalekit.dev");
                assert!(matches!(reason, ClaimRequirementError::WrongType { .. }));
            }
            other => panic!("expected a claim requirement error, got {other:?}"),
        }
    }

    #[test]
    fn key_urls_follow_the_issuer_without_doubling_its_slash() {
        let auth0 = Issuer::new("https://acme.us.auth0.com/");
        assert_eq!(
            auth0.clone().discover().key_url().as_deref(),
            Some("https://acme.us.auth0.com/.well-known/openid-configuration")
        );
        assert_eq!(
            auth0.key_url().as_deref(),
            Some("https://acme.us.auth0.com/keys")
        );
        let resolved = Issuer::new("https://acme.us.auth0.com/")
            .discover()
            .resolve(false)
            .unwrap();
        assert_eq!(&*resolved.label, "https://acme.us.auth0.com/");
        match resolved.key_source {
            KeySource::Discovery(url) => assert_eq!(
                url.as_str(),
                "https://acme.us.auth0.com/.well-known/openid-configuration"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn base_url_keeps_paths() {
        assert_eq!(
            replace_origin("https://a.example/x/{tenantid}/v2.0", "http://127.0.0.1:9/"),
            "http://127.0.0.1:9/x/{tenantid}/v2.0"
        );
        assert_eq!(
            replace_origin("https://a.example", "http://127.0.0.1:9"),
            "http://127.0.0.1:9"
        );
        let issuer = Issuer::entra_id_any_tenant("api").base_url("http://127.0.0.1:9");
        assert_eq!(issuer.issuer(), "http://127.0.0.1:9/{tenantid}/v2.0");
        assert_eq!(
            issuer.key_url().as_deref(),
            Some("http://127.0.0.1:9/common/discovery/v2.0/keys")
        );
    }
}
