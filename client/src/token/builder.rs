//! Building a [`TokenClient`]: [`TokenClientBuilder`], its checked
//! settings, and the builder `TokenClient::from_env` reads from the
//! environment.

use std::time::Duration;

use reqwest::Url;

use super::{ClientAuth, TokenClient};
use crate::env::{
    ENV_CLIENT_AUDIENCE, ENV_CLIENT_ENVIRONMENT_URL, ENV_CLIENT_ID, ENV_CLIENT_SCOPES,
    ENV_CLIENT_SECRET, ENV_CLIENT_TOKEN_URL, ENV_SCALEKIT_CLIENT_ID, ENV_SCALEKIT_CLIENT_SECRET,
    ENV_SCALEKIT_ENVIRONMENT_URL, secret_var, split_list, var,
};
use crate::error::ClientError;
use crate::http::{checked_url, http_client, join};
use crate::retry::RetryPolicy;
use scopegate_wire::Secret;

#[derive(Debug, Clone)]
enum Endpoint {
    TokenUrl(String),
    Environment(String),
}

/// Builds a [`TokenClient`]. Every setting has a default but the endpoint
/// and the credentials.
///
/// | setting | default |
/// |---|---|
/// | token endpoint | [`token_url`](Self::token_url), or `<env>/oauth/token` from [`environment_url`](Self::environment_url) |
/// | scopes, audience | none (the server grants the client's registered scopes) |
/// | client authentication | [`ClientAuth::Post`] |
/// | refresh margin | `max(30 s, 10 % of the lifetime)`, at most half the lifetime |
/// | after a failed refresh, keep the old token for | 5 s before trying again |
/// | retries | [`RetryPolicy::default`] (4 attempts, 30 s) |
/// | timeout of one request / of connecting | 10 s / 5 s |
/// | plain `http://` | loopback hosts only |
///
/// ```
/// use scopegate_client::TokenClient;
///
/// let tokens = TokenClient::builder("m2morg_68315758685323697", "test_ly8G57h0...")
///     .environment_url("https://acme.scalekit.dev")
///     .scopes(["deploy:applications"])
///     .build()?;
/// assert_eq!(tokens.token_url(), "https://acme.scalekit.dev/oauth/token");
/// # Ok::<(), scopegate_client::ClientError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TokenClientBuilder {
    endpoint: Option<Endpoint>,
    client_id: String,
    secret: Secret,
    scopes: Vec<String>,
    audience: Option<String>,
    auth: ClientAuth,
    retry: RetryPolicy,
    min_refresh_margin: Duration,
    refresh_percent: u32,
    failure_cooldown: Duration,
    timeout: Duration,
    connect_timeout: Duration,
    allow_http: bool,
    http: Option<reqwest::Client>,
}

/// The checked settings of a [`TokenClient`].
#[derive(Debug, Clone)]
pub(crate) struct TokenSettings {
    pub(crate) token_url: Url,
    pub(crate) client_id: String,
    pub(crate) secret: Secret,
    pub(crate) scopes: Vec<String>,
    pub(crate) audience: Option<String>,
    pub(crate) auth: ClientAuth,
    pub(crate) retry: RetryPolicy,
    pub(crate) min_refresh_margin: Duration,
    pub(crate) refresh_percent: u32,
    pub(crate) failure_cooldown: Duration,
    pub(crate) timeout: Duration,
}

impl TokenClientBuilder {
    pub(crate) fn new(client_id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        TokenClientBuilder {
            endpoint: None,
            client_id: client_id.into(),
            secret: secret.into(),
            scopes: Vec::new(),
            audience: None,
            auth: ClientAuth::default(),
            retry: RetryPolicy::default(),
            min_refresh_margin: Duration::from_secs(30),
            refresh_percent: 10,
            failure_cooldown: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            allow_http: false,
            http: None,
        }
    }

    /// The token endpoint's full URL.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(Endpoint::TokenUrl(url.into()));
        self
    }

    /// The environment (issuer) URL; the token endpoint is
    /// `<url>/oauth/token`, as at Scalekit.
    pub fn environment_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(Endpoint::Environment(url.into()));
        self
    }

    /// Ask for this scope (may be called several times). Without any, the
    /// request carries no `scope` and the server grants its default.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Ask for these scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Ask for a token for this audience (sent as the `audience`
    /// parameter).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// How the credentials are sent.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// When and how often a failed token request is retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long before its expiry a token is replaced: the larger of
    /// `minimum` and `percent` % of the token's lifetime, but never more than
    /// half the lifetime (so a short-lived token is still reused).
    pub fn refresh_margin(mut self, minimum: Duration, percent: u32) -> Self {
        self.min_refresh_margin = minimum;
        self.refresh_percent = percent.min(50);
        self
    }

    /// After a refresh failed while the old token was still valid, how long
    /// the old token is handed out before the next attempt.
    pub fn failure_cooldown(mut self, cooldown: Duration) -> Self {
        self.failure_cooldown = cooldown;
        self
    }

    /// Timeout of one request to the token endpoint.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout of connecting to the token endpoint.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Allow `http://` URLs for hosts other than loopback. Loopback
    /// (`127.0.0.1`, `::1`, `localhost`) is always allowed, for development.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Use this reqwest client. It should not follow redirects; the
    /// builder's timeouts still apply to each request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the settings and builds the client. No request is sent here.
    pub fn build(self) -> Result<TokenClient, ClientError> {
        let token_url = match &self.endpoint {
            Some(Endpoint::TokenUrl(url)) => checked_url("token_url", url, self.allow_http)?,
            Some(Endpoint::Environment(url)) => {
                let base = checked_url("environment_url", url, self.allow_http)?;
                join(&base, &["oauth", "token"])
            }
            None => {
                return Err(ClientError::InvalidInput(
                    "no token endpoint: set token_url or environment_url".into(),
                ));
            }
        };
        let client_id = self.client_id.trim().to_owned();
        if client_id.is_empty() {
            return Err(ClientError::InvalidInput("the client id is empty".into()));
        }
        if self.secret.is_empty() {
            return Err(ClientError::InvalidInput(
                "the client secret is empty".into(),
            ));
        }
        let mut scopes = Vec::new();
        for scope in self.scopes {
            check_scope_token(&scope)?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        let audience = self.audience.filter(|a| !a.trim().is_empty());
        let http = http_client(self.http, self.timeout, self.connect_timeout)?;
        let settings = TokenSettings {
            token_url,
            client_id,
            secret: self.secret,
            scopes,
            audience,
            auth: self.auth,
            retry: self.retry,
            min_refresh_margin: self.min_refresh_margin,
            refresh_percent: self.refresh_percent,
            failure_cooldown: self.failure_cooldown,
            timeout: self.timeout,
        };
        Ok(TokenClient::from_settings(settings, http))
    }
}

/// A scope as sent in a token request: one `scope-token` of RFC 6749 §3.3
/// (visible ASCII but `"` and `\`). It needs not follow `resource:action`:
/// `openid` is a fine scope to ask for.
fn check_scope_token(scope: &str) -> Result<(), ClientError> {
    if scopegate_wire::scope::is_scope_token(scope) {
        Ok(())
    } else {
        Err(ClientError::InvalidInput(format!(
            "`{}` is not a scope that can be requested: a scope is one word of visible ASCII, without `\"` or `\\`",
            crate::error::printable(scope)
        )))
    }
}

/// Reads the credentials: the `SCOPEGATE_CLIENT_*` pair, or else the
/// `SCALEKIT_CLIENT_*` pair. The two pairs are never mixed.
fn credentials(lookup: &impl Fn(&str) -> Option<String>) -> Result<(String, Secret), ClientError> {
    if let Some(id) = var(lookup, ENV_CLIENT_ID) {
        let secret = secret_var(lookup, ENV_CLIENT_SECRET).ok_or(ClientError::MissingEnv {
            name: ENV_CLIENT_SECRET,
            fallback: None,
        })?;
        return Ok((id, Secret::new(secret)));
    }
    let id = var(lookup, ENV_SCALEKIT_CLIENT_ID).ok_or(ClientError::MissingEnv {
        name: ENV_CLIENT_ID,
        fallback: Some(ENV_SCALEKIT_CLIENT_ID),
    })?;
    let secret = secret_var(lookup, ENV_SCALEKIT_CLIENT_SECRET).ok_or(ClientError::MissingEnv {
        name: ENV_SCALEKIT_CLIENT_SECRET,
        fallback: None,
    })?;
    Ok((id, Secret::new(secret)))
}

/// The builder `TokenClient::from_env` uses, reading variables through
/// `lookup`.
pub(crate) fn token_builder_from(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<TokenClientBuilder, ClientError> {
    let (id, secret) = credentials(&lookup)?;
    let mut builder = TokenClientBuilder::new(id, secret);
    builder = if let Some(url) = var(&lookup, ENV_CLIENT_TOKEN_URL) {
        builder.token_url(url)
    } else if let Some(url) = var(&lookup, ENV_CLIENT_ENVIRONMENT_URL)
        .or_else(|| var(&lookup, ENV_SCALEKIT_ENVIRONMENT_URL))
    {
        builder.environment_url(url)
    } else {
        return Err(ClientError::MissingEnv {
            name: ENV_CLIENT_ENVIRONMENT_URL,
            fallback: Some(ENV_SCALEKIT_ENVIRONMENT_URL),
        });
    };
    if let Some(scopes) = var(&lookup, ENV_CLIENT_SCOPES) {
        builder = builder.scopes(split_list(&scopes));
    }
    if let Some(audience) = var(&lookup, ENV_CLIENT_AUDIENCE) {
        builder = builder.audience(audience);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_the_scopegate_variables() {
        let client = token_builder_from(env(&[
            ("SCOPEGATE_CLIENT_ENVIRONMENT_URL", "https://acme.example/"),
            ("SCOPEGATE_CLIENT_ID", "m2m_1"),
            ("SCOPEGATE_CLIENT_SECRET", "s"),
            (
                "SCOPEGATE_CLIENT_SCOPES",
                "deploy:applications, read:deployments",
            ),
            ("SCALEKIT_CLIENT_ID", "other"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.token_url(), "https://acme.example/oauth/token");
        assert_eq!(client.client_id(), "m2m_1");
        assert_eq!(client.scopes(), ["deploy:applications", "read:deployments"]);
    }

    #[test]
    fn falls_back_to_the_scalekit_pair_and_never_mixes_pairs() {
        let client = token_builder_from(env(&[
            ("SCALEKIT_ENVIRONMENT_URL", "https://acme.example"),
            ("SCALEKIT_CLIENT_ID", "skc_1"),
            ("SCALEKIT_CLIENT_SECRET", "s"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.client_id(), "skc_1");

        let error = token_builder_from(env(&[
            ("SCALEKIT_ENVIRONMENT_URL", "https://acme.example"),
            ("SCOPEGATE_CLIENT_ID", "m2m_1"),
            ("SCALEKIT_CLIENT_SECRET", "s"),
        ]))
        .unwrap_err();
        assert!(matches!(
            error,
            ClientError::MissingEnv {
                name: "SCOPEGATE_CLIENT_SECRET",
                fallback: None
            }
        ));
        let error = token_builder_from(env(&[("SCOPEGATE_CLIENT_SECRET", "s")])).unwrap_err();
        assert!(matches!(
            error,
            ClientError::MissingEnv {
                name: "SCOPEGATE_CLIENT_ID",
                ..
            }
        ));
    }

    #[test]
    fn a_token_url_wins_over_the_environment() {
        let client = token_builder_from(env(&[
            ("SCOPEGATE_CLIENT_TOKEN_URL", "https://auth.example/token"),
            ("SCOPEGATE_CLIENT_ENVIRONMENT_URL", "https://acme.example"),
            ("SCOPEGATE_CLIENT_ID", "m2m_1"),
            ("SCOPEGATE_CLIENT_SECRET", "s"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.token_url(), "https://auth.example/token");
    }

    #[test]
    fn requested_scopes_are_scope_tokens() {
        let build = |scope: &str| {
            TokenClientBuilder::new("id", "secret")
                .token_url("https://a.example/token")
                .scope(scope)
                .build()
        };
        assert!(build("openid").is_ok());
        assert!(build("deploy:applications").is_ok());
        assert!(build("two words").is_err());
        assert!(build("").is_err());
        assert!(build("quote\"").is_err());
    }
}
