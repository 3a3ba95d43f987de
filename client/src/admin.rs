//! The admin client: the management API's organization and
//! client-registration calls.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::env::{
    ENV_SCALEKIT_CLIENT_ID, ENV_SCALEKIT_CLIENT_SECRET, ENV_SCALEKIT_ENVIRONMENT_URL, secret_var,
    var,
};
use crate::error::{ClientError, ServerError};
use crate::http::{checked_url, http_client, join};
use crate::retry::{Exchange, Replay, Reply, RetryPolicy};
use crate::token::{AccessToken, TokenClient};
use scopegate_wire::Secret;
use scopegate_wire::management::{
    ClientEnvelope, ClientPage, ClientUpdate, CreatedClientSecret, CreatedOrganizationClient,
    NewOrganization, NewOrganizationClient, Organization, OrganizationClient, OrganizationEnvelope,
    OrganizationPage,
};

/// The largest management API response read.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;
/// The longest id accepted in a path.
const MAX_ID: usize = 256;
/// The most pages [`AdminClient::list_all_organization_clients`] and
/// [`AdminClient::list_all_organizations`] read.
const MAX_PAGES: usize = 1000;

/// A client of Scalekit's management API for organizations and API
/// clients: creates, reads and lists organizations; registers, reads,
/// changes and deletes an organization's API clients and their secrets.
///
/// It authenticates with the environment's own credentials through a
/// [`TokenClient`] (cached token, renewed before expiry, and once more on a
/// `401`). Scopes are checked against the `resource:action` grammar before
/// any request leaves. Reads, updates and deletes are retried like token
/// requests ([`RetryPolicy`]); registering a client and adding a secret,
/// and creating an organization, which must not happen twice, are
/// retried only when the server cannot
/// have acted (connection refused, `503`, `429`). A refusal comes back as
/// [`ClientError::Api`] with the status and the server's message.
///
/// ```no_run
/// use scopegate_client::{AdminClient, NewOrganizationClient};
///
/// # async fn run() -> Result<(), scopegate_client::ClientError> {
/// // SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID, SCALEKIT_CLIENT_SECRET
/// let admin = AdminClient::from_env()?;
/// let created = admin
///     .create_organization_client(
///         "org_59615193906282635",
///         &NewOrganizationClient::new("GitHub Actions Deployment Service")
///             .scopes(["deploy:applications", "read:deployments"])
///             .expiry(3600),
///     )
///     .await?;
/// println!("client_id: {}", created.client.client_id);
/// // created.plain_secret.expose(): shown this once; hand it over now.
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AdminClient {
    inner: Arc<Inner>,
}

struct Inner {
    base: Url,
    tokens: TokenClient,
    http: reqwest::Client,
    retry: RetryPolicy,
    timeout: Duration,
}

impl fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminClient")
            .field("environment_url", &self.inner.base.as_str())
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AdminClient`].
///
/// | setting | default |
/// |---|---|
/// | retries | [`RetryPolicy::default`] |
/// | timeout of one request / of connecting | 10 s / 5 s |
/// | plain `http://` | loopback hosts only |
#[derive(Debug, Clone)]
#[must_use]
pub struct AdminClientBuilder {
    environment_url: String,
    tokens: TokenClient,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    allow_http: bool,
    http: Option<reqwest::Client>,
}

impl AdminClientBuilder {
    /// When and how often a failed call is retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeout of one request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout of connecting.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Allow `http://` URLs for hosts other than loopback.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Use this reqwest client (it should not follow redirects).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the settings and builds the client. No request is sent here.
    pub fn build(self) -> Result<AdminClient, ClientError> {
        let base = checked_url("environment_url", &self.environment_url, self.allow_http)?;
        let http = http_client(self.http, self.timeout, self.connect_timeout)?;
        Ok(AdminClient {
            inner: Arc::new(Inner {
                base,
                tokens: self.tokens,
                http,
                retry: self.retry,
                timeout: self.timeout,
            }),
        })
    }
}

impl AdminClient {
    /// A client for the environment at `environment_url`, authenticating
    /// as `client_id` with `secret` at `<url>/oauth/token`.
    pub fn new(
        environment_url: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Result<Self, ClientError> {
        let environment_url = environment_url.into();
        let tokens = TokenClient::new(environment_url.clone(), client_id, secret)?;
        Self::builder(environment_url, tokens).build()
    }

    /// A builder for the environment at `environment_url`, authenticating
    /// with `tokens`.
    pub fn builder(environment_url: impl Into<String>, tokens: TokenClient) -> AdminClientBuilder {
        AdminClientBuilder {
            environment_url: environment_url.into(),
            tokens,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            allow_http: false,
            http: None,
        }
    }

    /// A client for the environment named by `SCALEKIT_ENVIRONMENT_URL`,
    /// authenticating as `SCALEKIT_CLIENT_ID` with `SCALEKIT_CLIENT_SECRET`.
    pub fn from_env() -> Result<Self, ClientError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the variables through
    /// `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ClientError> {
        let missing = |name| ClientError::MissingEnv {
            name,
            fallback: None,
        };
        let url = var(&lookup, ENV_SCALEKIT_ENVIRONMENT_URL)
            .ok_or_else(|| missing(ENV_SCALEKIT_ENVIRONMENT_URL))?;
        let id =
            var(&lookup, ENV_SCALEKIT_CLIENT_ID).ok_or_else(|| missing(ENV_SCALEKIT_CLIENT_ID))?;
        let secret = secret_var(&lookup, ENV_SCALEKIT_CLIENT_SECRET)
            .ok_or_else(|| missing(ENV_SCALEKIT_CLIENT_SECRET))?;
        Self::new(url, id, secret)
    }

    /// The environment URL.
    pub fn environment_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The token client the calls authenticate with.
    pub fn token_client(&self) -> &TokenClient {
        &self.inner.tokens
    }

    /// Registers an API client in organization `org_id`
    /// (`POST /api/v1/organizations/{org_id}/clients`). The answer holds the
    /// client's secret, shown this once.
    pub async fn create_organization_client(
        &self,
        org_id: &str,
        client: &NewOrganizationClient,
    ) -> Result<CreatedOrganizationClient, ClientError> {
        if client.name.trim().is_empty() {
            return Err(ClientError::InvalidInput("a client needs a name".into()));
        }
        check_scopes(&client.scopes)?;
        let url = self.url(&[("organization id", org_id)], &[])?;
        let reply = self
            .call(
                Method::POST,
                "create_organization_client",
                url,
                Some(json(client)?),
                Replay::IfNotProcessed,
            )
            .await?;
        parse(&reply)
    }

    /// Reads one client (`GET .../clients/{client_id}`).
    pub async fn get_organization_client(
        &self,
        org_id: &str,
        client_id: &str,
    ) -> Result<OrganizationClient, ClientError> {
        let url = self.client_url(org_id, client_id, &[])?;
        let reply = self
            .call(
                Method::GET,
                "get_organization_client",
                url,
                None,
                Replay::Safe,
            )
            .await?;
        parse::<ClientEnvelope>(&reply).map(ClientEnvelope::into_client)
    }

    /// Reads one page of the organization's clients
    /// (`GET .../clients?page_size=&page_token=`). Pass the page's
    /// `next_page_token` to get the next one; `page_size` `None` is the
    /// server's default.
    pub async fn list_organization_clients(
        &self,
        org_id: &str,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<ClientPage, ClientError> {
        let url = with_paging(
            self.url(&[("organization id", org_id)], &[])?,
            page_size,
            page_token,
        )?;
        let reply = self
            .call(
                Method::GET,
                "list_organization_clients",
                url,
                None,
                Replay::Safe,
            )
            .await?;
        parse(&reply)
    }

    /// Reads every page of the organization's clients (at most 1000 pages).
    pub async fn list_all_organization_clients(
        &self,
        org_id: &str,
        page_size: Option<u32>,
    ) -> Result<Vec<OrganizationClient>, ClientError> {
        let mut clients = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .list_organization_clients(org_id, page_size, token.as_deref())
                .await?;
            clients.extend(page.clients);
            match next_page(
                "list_organization_clients",
                token.as_deref(),
                page.next_page_token,
            )? {
                Some(next) => token = Some(next),
                None => return Ok(clients),
            }
        }
        Err(too_many_pages("list_organization_clients"))
    }

    /// Changes a client (`PATCH .../clients/{client_id}`) and returns it as
    /// it is now.
    pub async fn update_organization_client(
        &self,
        org_id: &str,
        client_id: &str,
        update: &ClientUpdate,
    ) -> Result<OrganizationClient, ClientError> {
        if update.is_empty() {
            return Err(ClientError::InvalidInput(
                "the update changes nothing".into(),
            ));
        }
        if update.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(ClientError::InvalidInput(
                "a client's name cannot be blank".into(),
            ));
        }
        if let Some(scopes) = &update.scopes {
            check_scopes(scopes)?;
        }
        let url = self.client_url(org_id, client_id, &[])?;
        let reply = self
            .call(
                Method::PATCH,
                "update_organization_client",
                url,
                Some(json(update)?),
                Replay::Safe,
            )
            .await?;
        parse::<ClientEnvelope>(&reply).map(ClientEnvelope::into_client)
    }

    /// Deletes a client (`DELETE .../clients/{client_id}`); its tokens stop
    /// being issued at once.
    pub async fn delete_organization_client(
        &self,
        org_id: &str,
        client_id: &str,
    ) -> Result<(), ClientError> {
        let url = self.client_url(org_id, client_id, &[])?;
        self.call(
            Method::DELETE,
            "delete_organization_client",
            url,
            None,
            Replay::Safe,
        )
        .await
        .map(drop)
    }

    /// Adds a secret to a client (`POST .../clients/{client_id}/secrets`),
    /// for rotation: the answer holds the new secret, shown this once.
    pub async fn add_organization_client_secret(
        &self,
        org_id: &str,
        client_id: &str,
    ) -> Result<CreatedClientSecret, ClientError> {
        let url = self.client_url(org_id, client_id, &["secrets"])?;
        let reply = self
            .call(
                Method::POST,
                "add_organization_client_secret",
                url,
                Some(b"{}".to_vec()),
                Replay::IfNotProcessed,
            )
            .await?;
        parse(&reply)
    }

    /// Removes a secret from a client
    /// (`DELETE .../clients/{client_id}/secrets/{secret_id}`).
    pub async fn remove_organization_client_secret(
        &self,
        org_id: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<(), ClientError> {
        check_id("secret id", secret_id)?;
        let url = self.client_url(org_id, client_id, &["secrets", secret_id])?;
        self.call(
            Method::DELETE,
            "remove_organization_client_secret",
            url,
            None,
            Replay::Safe,
        )
        .await
        .map(drop)
    }

    /// Creates an organization (`POST /api/v1/organizations`) and returns
    /// it, with the id the server gave it. An answer of the organization
    /// bare or wrapped (`{"organization": {...}}`) is read alike.
    ///
    /// ```no_run
    /// use scopegate_client::{AdminClient, NewOrganization};
    ///
    /// # async fn run(admin: AdminClient) -> Result<(), scopegate_client::ClientError> {
    /// let org = admin
    ///     .create_organization(
    ///         &NewOrganization::new("Looney Corp")
    ///             .external_id("my_unique_id")
    ///             .region_code("US")
    ///             .metadata("plan", "enterprise"),
    ///     )
    ///     .await?;
    /// println!("{}", org.id); // org_...
    /// # Ok(()) }
    /// ```
    pub async fn create_organization(
        &self,
        organization: &NewOrganization,
    ) -> Result<Organization, ClientError> {
        if organization.display_name.trim().is_empty() {
            return Err(ClientError::InvalidInput(
                "an organization needs a display name".into(),
            ));
        }
        let url = self.org_url(None)?;
        let reply = self
            .call(
                Method::POST,
                "create_organization",
                url,
                Some(json(organization)?),
                Replay::IfNotProcessed,
            )
            .await?;
        parse::<OrganizationEnvelope>(&reply).map(OrganizationEnvelope::into_organization)
    }

    /// Reads one organization (`GET /api/v1/organizations/{org_id}`).
    pub async fn get_organization(&self, org_id: &str) -> Result<Organization, ClientError> {
        let url = self.org_url(Some(org_id))?;
        let reply = self
            .call(Method::GET, "get_organization", url, None, Replay::Safe)
            .await?;
        parse::<OrganizationEnvelope>(&reply).map(OrganizationEnvelope::into_organization)
    }

    /// Reads one page of the environment's organizations
    /// (`GET /api/v1/organizations?page_size=&page_token=`). Pass the page's
    /// `next_page_token` to get the next one; `page_size` `None` is the
    /// server's default.
    pub async fn list_organizations(
        &self,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<OrganizationPage, ClientError> {
        let url = with_paging(self.org_url(None)?, page_size, page_token)?;
        let reply = self
            .call(Method::GET, "list_organizations", url, None, Replay::Safe)
            .await?;
        parse(&reply)
    }

    /// Reads every page of the environment's organizations (at most 1000
    /// pages), `page_size` at a time (`None`: the server's default).
    pub async fn list_all_organizations(
        &self,
        page_size: Option<u32>,
    ) -> Result<Vec<Organization>, ClientError> {
        let mut organizations = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self.list_organizations(page_size, token.as_deref()).await?;
            organizations.extend(page.organizations);
            match next_page("list_organizations", token.as_deref(), page.next_page_token)? {
                Some(next) => token = Some(next),
                None => return Ok(organizations),
            }
        }
        Err(too_many_pages("list_organizations"))
    }

    /// `<env>/api/v1/organizations[/{org}]`, the id checked and
    /// percent-encoded.
    fn org_url(&self, org_id: Option<&str>) -> Result<Url, ClientError> {
        let mut segments = vec!["api", "v1", "organizations"];
        if let Some(org_id) = org_id {
            check_id("organization id", org_id)?;
            segments.push(org_id);
        }
        Ok(join(&self.inner.base, &segments))
    }

    /// `<env>/api/v1/organizations/{org}/clients[/{client}][/tail...]`, each
    /// id checked and percent-encoded.
    fn url(&self, ids: &[(&'static str, &str)], tail: &[&str]) -> Result<Url, ClientError> {
        let mut segments = vec!["api", "v1", "organizations"];
        for (index, (what, id)) in ids.iter().enumerate() {
            check_id(what, id)?;
            segments.push(id);
            if index == 0 {
                segments.push("clients");
            }
        }
        segments.extend_from_slice(tail);
        Ok(join(&self.inner.base, &segments))
    }

    /// `<env>/api/v1/organizations/{org}/clients/{client}[/tail...]`.
    fn client_url(&self, org_id: &str, client_id: &str, tail: &[&str]) -> Result<Url, ClientError> {
        self.url(
            &[("organization id", org_id), ("client id", client_id)],
            tail,
        )
    }

    /// Sends one call with the management token; on `401`, renews the
    /// token and sends it once more. Returns the `2xx` reply.
    async fn call(
        &self,
        method: Method,
        what: &'static str,
        url: Url,
        body: Option<Vec<u8>>,
        replay: Replay,
    ) -> Result<Reply, ClientError> {
        let tokens = &self.inner.tokens;
        let token = tokens.token().await?;
        let mut reply = self
            .exchange(&method, what, &url, body.as_deref(), replay, &token)
            .await?;
        if reply.status == reqwest::StatusCode::UNAUTHORIZED {
            tracing::debug!(
                what,
                "the management API refused the token (401); renewing it and trying once more"
            );
            let renewed = tokens.refresh_rejected(&token).await?;
            reply = self
                .exchange(&method, what, &url, body.as_deref(), replay, &renewed)
                .await?;
        }
        let status = reply.status.as_u16();
        if reply.status.is_success() {
            tracing::debug!(
                what,
                status,
                attempts = reply.attempts,
                "management call done"
            );
            return Ok(reply);
        }
        let error = ServerError::from_body(status, &reply.body, reply.attempts);
        tracing::debug!(what, status, error = %error, "management call refused");
        if reply.status.is_server_error() || matches!(status, 408 | 429) {
            Err(ClientError::Unavailable(error))
        } else {
            Err(ClientError::Api(error))
        }
    }

    async fn exchange(
        &self,
        method: &Method,
        what: &'static str,
        url: &Url,
        body: Option<&[u8]>,
        replay: Replay,
        token: &AccessToken,
    ) -> Result<Reply, ClientError> {
        let exchange = Exchange {
            policy: &self.inner.retry,
            replay,
            what,
            url,
            attempt_timeout: self.inner.timeout,
            max_body: MAX_RESPONSE,
        };
        exchange
            .run(|timeout| {
                let request = self
                    .inner
                    .http
                    .request(method.clone(), url.clone())
                    .timeout(timeout)
                    .header(ACCEPT, "application/json")
                    .bearer_auth(token.as_str());
                match body {
                    Some(body) => request
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.to_vec()),
                    None => request,
                }
            })
            .await
    }
}

/// Checks each scope against the `resource:action` grammar.
fn check_scopes(scopes: &[String]) -> Result<(), ClientError> {
    for scope in scopes {
        scopegate_grammar::parse_scope(scope).map_err(|source| ClientError::InvalidScope {
            scope: crate::error::printable(scope),
            source,
        })?;
    }
    Ok(())
}

/// An id that goes into a path: not empty, not `.` or `..`, no control
/// characters, at most 256 bytes.
fn check_id(what: &str, id: &str) -> Result<(), ClientError> {
    if id.trim().is_empty() {
        return Err(ClientError::InvalidInput(format!("the {what} is empty")));
    }
    if id == "." || id == ".." || id.len() > MAX_ID || id.chars().any(char::is_control) {
        return Err(ClientError::InvalidInput(format!(
            "`{}` is not a usable {what}",
            crate::error::printable(id)
        )));
    }
    Ok(())
}

/// `url` with the `page_size` and `page_token` of a list call (a page
/// size of zero refused, an empty token left out).
fn with_paging(
    mut url: Url,
    page_size: Option<u32>,
    page_token: Option<&str>,
) -> Result<Url, ClientError> {
    if page_size == Some(0) {
        return Err(ClientError::InvalidInput(
            "the page size must be at least 1".into(),
        ));
    }
    {
        let mut query = url.query_pairs_mut();
        if let Some(size) = page_size {
            query.append_pair("page_size", &size.to_string());
        }
        if let Some(token) = page_token.filter(|t| !t.is_empty()) {
            query.append_pair("page_token", token);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(url)
}

/// The token of the page after `current`, `None` at the end; a server that
/// hands the same token back would loop forever, and is an error.
fn next_page(
    what: &'static str,
    current: Option<&str>,
    next: Option<String>,
) -> Result<Option<String>, ClientError> {
    match next {
        Some(next) if current == Some(next.as_str()) => Err(ClientError::InvalidResponse {
            what,
            reason: "the next page token repeats the current one".into(),
        }),
        next => Ok(next),
    }
}

fn too_many_pages(what: &'static str) -> ClientError {
    ClientError::InvalidResponse {
        what,
        reason: format!("more than {MAX_PAGES} pages"),
    }
}

fn json(value: &impl Serialize) -> Result<Vec<u8>, ClientError> {
    serde_json::to_vec(value)
        .map_err(|e| ClientError::InvalidInput(format!("the request cannot be written: {e}")))
}

/// Reads a `2xx` body. Only the position of a problem is reported: the body
/// may hold a secret.
fn parse<T: DeserializeOwned>(reply: &Reply) -> Result<T, ClientError> {
    let invalid = |reason: String| ClientError::InvalidResponse {
        what: "the management API",
        reason,
    };
    if reply.truncated {
        return Err(invalid(format!(
            "the response is larger than {MAX_RESPONSE} bytes"
        )));
    }
    serde_json::from_slice(&reply.body).map_err(|e| {
        invalid(format!(
            "the body is not of the expected shape (line {}, column {}: {:?})",
            e.line(),
            e.column(),
            e.classify()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> AdminClient {
        AdminClient::new("https://acme.example/base", "skc_1", "secret").unwrap()
    }

    #[test]
    fn paths_are_built_and_encoded() {
        let admin = admin();
        assert_eq!(
            admin
                .url(&[("organization id", "org_1")], &[])
                .unwrap()
                .as_str(),
            "https://acme.example/base/api/v1/organizations/org_1/clients"
        );
        assert_eq!(
            admin
                .url(
                    &[("organization id", "org 1"), ("client id", "m2m/x")],
                    &["secrets", "sks_1"]
                )
                .unwrap()
                .as_str(),
            "https://acme.example/base/api/v1/organizations/org%201/clients/m2m%2Fx/secrets/sks_1"
        );
        for bad in ["", " ", ".", "..", "a\nb"] {
            assert!(
                matches!(
                    admin.url(&[("organization id", bad)], &[]),
                    Err(ClientError::InvalidInput(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn organization_paths_and_paging() {
        let admin = admin();
        assert_eq!(
            admin.org_url(None).unwrap().as_str(),
            "https://acme.example/base/api/v1/organizations"
        );
        assert_eq!(
            admin.org_url(Some("org/1")).unwrap().as_str(),
            "https://acme.example/base/api/v1/organizations/org%2F1"
        );
        for bad in ["", " ", ".", "..", "a\nb"] {
            assert!(
                matches!(admin.org_url(Some(bad)), Err(ClientError::InvalidInput(_))),
                "{bad:?}"
            );
        }
        let url = admin.org_url(None).unwrap();
        assert_eq!(
            with_paging(url.clone(), Some(5), Some("a b"))
                .unwrap()
                .query(),
            Some("page_size=5&page_token=a+b")
        );
        assert_eq!(
            with_paging(url.clone(), None, Some("")).unwrap().query(),
            None
        );
        assert!(matches!(
            with_paging(url, Some(0), None),
            Err(ClientError::InvalidInput(_))
        ));
        assert!(next_page("x", Some("t"), Some("t".into())).is_err());
        assert_eq!(next_page("x", Some("t"), None).unwrap(), None);
    }

    #[test]
    fn scopes_follow_the_grammar() {
        assert!(check_scopes(&["deploy:applications".into()]).is_ok());
        let error = check_scopes(&["deploy".into()]).unwrap_err();
        assert!(matches!(error, ClientError::InvalidScope { .. }));
        assert!(error.to_string().contains("`deploy` is not a valid scope"));
    }

    #[test]
    fn from_lookup_reads_the_scalekit_variables() {
        let admin = AdminClient::from_lookup(|name| match name {
            "SCALEKIT_ENVIRONMENT_URL" => Some("https://acme.example".into()),
            "SCALEKIT_CLIENT_ID" => Some("skc_1".into()),
            "SCALEKIT_CLIENT_SECRET" => Some("s".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            admin.token_client().token_url(),
            "https://acme.example/oauth/token"
        );
        let error = AdminClient::from_lookup(|_| None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the environment variable SCALEKIT_ENVIRONMENT_URL is not set"
        );
    }
}
