//! RFC 9728 OAuth 2.0 Protected Resource Metadata: [`ProtectedResource`]
//! serves the metadata document at its well-known URL and names that URL
//! in every `WWW-Authenticate: Bearer` challenge (RFC 9728 §5.1), so that a
//! client (an MCP client among them) can discover where to get a token and
//! which scopes to ask for.

use std::sync::Arc;

use scopegate_wire::url_policy::{UrlPolicyError, checked_url};

use crate::error::challenge::names_param;
use crate::policy::catalog::ScopeCatalog;

/// The well-known URI suffix of RFC 9728 §3.
pub const WELL_KNOWN_SUFFIX: &str = "/.well-known/oauth-protected-resource";

/// Why a [`ProtectedResource`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The resource identifier is not an acceptable URL (`https`, or `http`
    /// on loopback; no credentials).
    #[error("the resource identifier `{resource}` is not usable: {source}")]
    Resource {
        /// The identifier as given.
        resource: String,
        /// Why it was refused.
        #[source]
        source: UrlPolicyError,
    },
    /// The resource identifier has a query or a fragment (RFC 9728 §1.2:
    /// no fragment; a query is discouraged and scopegate does not serve one).
    #[error("the resource identifier `{0}` must not have a query or a fragment")]
    QueryOrFragment(String),
    /// An authorization server's issuer identifier is not an acceptable URL.
    #[error("the authorization server `{server}` is not usable: {source}")]
    AuthorizationServer {
        /// The identifier as given.
        server: String,
        /// Why it was refused.
        #[source]
        source: UrlPolicyError,
    },
    /// The scope prefix is empty or holds a character no scope can hold
    /// (RFC 6749 §3.3); shown cut to 64 printable characters.
    #[error(
        "the scope prefix `{0}` is not usable: it must be one or more visible ASCII characters other than `\"` and `\\`"
    )]
    ScopePrefix(String),
}

/// Builds a [`ProtectedResource`].
#[derive(Debug, Clone)]
pub struct ProtectedResourceBuilder {
    resource: String,
    authorization_servers: Vec<String>,
    scopes: Vec<String>,
    scope_prefix: Option<String>,
    from_inventory: bool,
    resource_name: Option<String>,
    resource_documentation: Option<String>,
    resource_policy_uri: Option<String>,
    resource_tos_uri: Option<String>,
}

impl ProtectedResourceBuilder {
    /// Adds the issuer identifier of an authorization server that issues
    /// tokens for this resource (`authorization_servers`). Usually the
    /// authenticator's issuer: `.authorization_server(auth.issuer())`.
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// Lists the catalog's scopes in `scopes_supported` (before those only
    /// the inventory knows of).
    pub fn catalog(mut self, catalog: &ScopeCatalog) -> Self {
        for scope in catalog.scopes() {
            self.add_scope(scope.scope);
        }
        self
    }

    /// Lists more scopes in `scopes_supported`.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for scope in scopes {
            self.add_scope(scope.as_ref());
        }
        self
    }

    /// Whether `scopes_supported` also lists every scope the route
    /// inventory's handlers and guards require (default: yes).
    pub fn scopes_from_inventory(mut self, yes: bool) -> Self {
        self.from_inventory = yes;
        self
    }

    /// Writes every scope of `scopes_supported` with this prefix: for an
    /// authorization server that knows this resource's scopes by longer
    /// names, as Amazon Cognito knows `deploy:applications` of the resource
    /// server `https://deployments.acme.com` as
    /// `https://deployments.acme.com/deploy:applications` (the same prefix
    /// as the issuer's [`Issuer::scope_prefix`](crate::Issuer::scope_prefix)).
    /// A prefix no scope can begin with is a [`MetadataError::ScopePrefix`].
    pub fn scope_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.scope_prefix = Some(prefix.into());
        self
    }

    /// A human-readable name of the resource (`resource_name`).
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// A page of documentation for developers (`resource_documentation`).
    pub fn resource_documentation(mut self, url: impl Into<String>) -> Self {
        self.resource_documentation = Some(url.into());
        self
    }

    /// The resource's policy on the use of data (`resource_policy_uri`).
    pub fn resource_policy_uri(mut self, url: impl Into<String>) -> Self {
        self.resource_policy_uri = Some(url.into());
        self
    }

    /// The resource's terms of service (`resource_tos_uri`).
    pub fn resource_tos_uri(mut self, url: impl Into<String>) -> Self {
        self.resource_tos_uri = Some(url.into());
        self
    }

    fn add_scope(&mut self, scope: &str) {
        if !self.scopes.iter().any(|s| s == scope) {
            self.scopes.push(scope.to_owned());
        }
    }

    /// Checks the URLs and renders the document.
    pub fn build(mut self) -> Result<ProtectedResource, MetadataError> {
        let url =
            checked_url(&self.resource, false, None).map_err(|source| MetadataError::Resource {
                resource: self.resource.clone(),
                source,
            })?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(MetadataError::QueryOrFragment(self.resource));
        }
        for server in &self.authorization_servers {
            checked_url(server, false, None).map_err(|source| {
                MetadataError::AuthorizationServer {
                    server: server.clone(),
                    source,
                }
            })?;
        }
        if self.from_inventory {
            for scope in crate::inventory::required_scopes() {
                self.add_scope(scope);
            }
        }
        if let Some(prefix) = &self.scope_prefix {
            if !scopegate_wire::scope::is_scope_token(prefix) {
                return Err(MetadataError::ScopePrefix(scopegate_wire::text::printable(
                    prefix, 64,
                )));
            }
            for scope in &mut self.scopes {
                scope.insert_str(0, prefix);
            }
        }
        // RFC 9728 §3.1: the suffix goes between the host and the path.
        let resource_path = url.path().trim_end_matches('/');
        let metadata_path = format!("{WELL_KNOWN_SUFFIX}{resource_path}");
        let mut metadata_url = url.clone();
        metadata_url.set_path(&metadata_path);
        let mut document = serde_json::Map::new();
        document.insert("resource".into(), self.resource.clone().into());
        if !self.authorization_servers.is_empty() {
            document.insert(
                "authorization_servers".into(),
                self.authorization_servers.clone().into(),
            );
        }
        if !self.scopes.is_empty() {
            document.insert("scopes_supported".into(), self.scopes.clone().into());
        }
        document.insert("bearer_methods_supported".into(), vec!["header"].into());
        for (key, value) in [
            ("resource_name", &self.resource_name),
            ("resource_documentation", &self.resource_documentation),
            ("resource_policy_uri", &self.resource_policy_uri),
            ("resource_tos_uri", &self.resource_tos_uri),
        ] {
            if let Some(value) = value {
                document.insert(key.into(), value.clone().into());
            }
        }
        let document = serde_json::Value::Object(document);
        Ok(ProtectedResource {
            inner: Arc::new(Inner {
                body: document.to_string(),
                document,
                metadata_path,
                metadata_url: metadata_url.to_string(),
            }),
        })
    }
}

/// RFC 9728 protected resource metadata, as one middleware: wrap the `App`
/// in it and it
///
/// * answers `GET` (and `HEAD`) on the well-known URL with the metadata
///   document: `resource`, `authorization_servers`, `scopes_supported`
///   (the catalog's scopes, then every scope the route inventory requires),
///   `bearer_methods_supported: ["header"]`, and the optional
///   `resource_name`, `resource_documentation`, `resource_policy_uri` and
///   `resource_tos_uri` when set;
/// * adds `resource_metadata="<that URL>"` to every `WWW-Authenticate:
///   Bearer` challenge of the app's responses (RFC 9728 §5.1), scopegate's
///   `401`, `403` and `400` among them.
///
/// An app that is not wrapped sends its challenges without `resource_metadata`.
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use scopegate_core::{Authenticator, resource_metadata::ProtectedResource};
///
/// # async fn run(auth: Authenticator) -> Result<(), Box<dyn std::error::Error>> {
/// let metadata = ProtectedResource::builder("https://api.example.com")
///     .authorization_server(auth.issuer())
///     .build()?;
/// HttpServer::new(move || App::new().wrap(metadata.clone()).app_data(auth.clone()))
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ProtectedResource {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    document: serde_json::Value,
    body: String,
    metadata_path: String,
    metadata_url: String,
}

impl ProtectedResource {
    /// Starts the metadata of the resource identified by `resource` (an
    /// `https` URL, or `http` on loopback, without a query or fragment; the
    /// `resource` member is exactly this string).
    pub fn builder(resource: impl Into<String>) -> ProtectedResourceBuilder {
        ProtectedResourceBuilder {
            resource: resource.into(),
            authorization_servers: Vec::new(),
            scopes: Vec::new(),
            scope_prefix: None,
            from_inventory: true,
            resource_name: None,
            resource_documentation: None,
            resource_policy_uri: None,
            resource_tos_uri: None,
        }
    }

    /// The metadata document.
    pub fn document(&self) -> &serde_json::Value {
        &self.inner.document
    }

    /// The path the document is served on, e.g.
    /// `/.well-known/oauth-protected-resource`.
    pub fn metadata_path(&self) -> &str {
        &self.inner.metadata_path
    }

    /// The absolute URL of the document, as challenges name it.
    pub fn metadata_url(&self) -> &str {
        &self.inner.metadata_url
    }

    /// The document as JSON text, serialized once: what the well-known
    /// path serves.
    pub fn document_body(&self) -> &str {
        &self.inner.body
    }

    /// `challenge` with `resource_metadata` added, if it is a Bearer
    /// challenge that does not name it yet: for challenges written by other
    /// code than scopegate's (scopegate's own refusals are amended as typed
    /// [`Challenge`](crate::error::Challenge)s). A parameter counts only outside quoted strings, so
    /// a description quoting `resource_metadata=` does not suppress it.
    pub fn amend_challenge(&self, challenge: &str) -> Option<String> {
        let scheme = challenge.get(..6)?;
        let rest = &challenge[6..];
        if !scheme.eq_ignore_ascii_case("bearer") || names_param(rest, "resource_metadata") {
            return None;
        }
        let url = &self.inner.metadata_url;
        if rest.trim().is_empty() {
            Some(format!("Bearer resource_metadata=\"{url}\""))
        } else if rest.starts_with(' ') {
            Some(format!("{challenge}, resource_metadata=\"{url}\""))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(resource: &str) -> ProtectedResource {
        ProtectedResource::builder(resource)
            .authorization_server("https://issuer.example.com")
            .scopes(["deploy:applications"])
            .scopes_from_inventory(false)
            .build()
            .unwrap()
    }

    #[test]
    fn the_well_known_suffix_goes_before_the_path() {
        let root = metadata("https://api.example.com");
        assert_eq!(
            root.metadata_path(),
            "/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            root.metadata_url(),
            "https://api.example.com/.well-known/oauth-protected-resource"
        );
        let nested = metadata("https://api.example.com/v1/");
        assert_eq!(
            nested.metadata_url(),
            "https://api.example.com/.well-known/oauth-protected-resource/v1"
        );
        assert_eq!(nested.document()["resource"], "https://api.example.com/v1/");
    }

    #[test]
    fn challenges_gain_resource_metadata() {
        let m = metadata("https://api.example.com");
        let url = m.metadata_url().to_owned();
        assert_eq!(
            m.amend_challenge("Bearer").unwrap(),
            format!("Bearer resource_metadata=\"{url}\"")
        );
        assert_eq!(
            m.amend_challenge("Bearer error=\"insufficient_scope\", scope=\"a:b\"")
                .unwrap(),
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"a:b\", resource_metadata=\"{url}\""
            )
        );
        assert_eq!(m.amend_challenge("Basic realm=\"x\""), None);
        // Text a token chose, quoted in the description, names no parameter.
        let quoted = "Bearer error=\"invalid_token\", error_description=\"kid resource_metadata=http://evil\"";
        assert_eq!(
            m.amend_challenge(quoted).unwrap(),
            format!("{quoted}, resource_metadata=\"{url}\"")
        );
        let named = "Bearer resource_metadata=\"https://other.example\"";
        assert_eq!(m.amend_challenge(named), None);
        assert_eq!(m.amend_challenge("Bearerx"), None);
    }

    #[test]
    fn a_scope_prefix_names_the_scopes_as_the_issuer_knows_them() {
        let resource = ProtectedResource::builder("https://api.acme.com")
            .scopes(["deploy:applications", "read:deployments"])
            .scopes_from_inventory(false)
            .scope_prefix("https://deployments.acme.com/")
            .build()
            .unwrap();
        assert_eq!(
            resource.document()["scopes_supported"],
            serde_json::json!([
                "https://deployments.acme.com/deploy:applications",
                "https://deployments.acme.com/read:deployments"
            ])
        );
        for bad in ["", "a b"] {
            let error = ProtectedResource::builder("https://api.acme.com")
                .scope_prefix(bad)
                .build()
                .unwrap_err();
            assert!(matches!(error, MetadataError::ScopePrefix(_)), "{error}");
        }
    }

    #[test]
    fn bad_urls_are_refused() {
        for bad in [
            "http://api.example.com",
            "api.example.com",
            "https://a.example/#x",
            "https://a.example/?q",
        ] {
            assert!(ProtectedResource::builder(bad).build().is_err(), "{bad}");
        }
        assert!(
            ProtectedResource::builder("http://127.0.0.1:8080")
                .build()
                .is_ok()
        );
    }
}
