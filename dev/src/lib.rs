//! An embedded OAuth 2.0 authorization server for development and tests
//! (cargo feature `dev`).
//!
//! [`DevIssuer`] is a real authorization server on loopback, speaking the
//! wire format of Scalekit's guides, so that code written against Scalekit
//! runs against it unchanged:
//!
//! | endpoint | what it does |
//! |---|---|
//! | `POST /oauth/token` | client-credentials grant (RFC 6749 §4.4); HTTP Basic or `client_id`/`client_secret` in the form; optional `scope` narrows the client's scopes |
//! | `POST /oauth/revoke` | token revocation (RFC 7009): `token`, optional `token_type_hint`, client authentication as at `/oauth/token`; publishes to the [revocation store](DevIssuerBuilder::revocation_store) |
//! | `GET /keys`, `GET /.well-known/jwks.json` | the JWKS (RSA, `use: sig`, `alg: RS256`) |
//! | `GET /.well-known/openid-configuration` | discovery: `issuer`, `token_endpoint`, `jwks_uri`, ... |
//! | `POST /api/v1/organizations` | create an organization ([`NewOrganization`]) → `201 {"organization": `[`Organization`]`}` |
//! | `GET /api/v1/organizations` | list organizations ([`OrganizationPage`]; `page_size`, `page_token`) |
//! | `GET /api/v1/organizations/{org_id}` | read one (`{"organization": `[`Organization`]`}`) |
//! | `POST /api/v1/organizations/{org_id}/clients` | register a client ([`NewOrganizationClient`]) → `201` [`CreatedOrganizationClient`] |
//! | `GET /api/v1/organizations/{org_id}/clients` | list ([`ClientPage`]; `page_size`, `page_token`) |
//! | `GET`, `PATCH`, `DELETE .../clients/{client_id}` | read (`{"client": `[`OrganizationClient`]`}`), change ([`ClientUpdate`]), delete |
//! | `POST .../clients/{client_id}/secrets` | add a secret → `201` [`CreatedClientSecret`] |
//! | `DELETE .../clients/{client_id}/secrets/{secret_id}` | remove a secret |
//!
//! The request and response bodies are the types of
//! `scopegate_wire::management`, re-exported here: the same model the admin
//! client of `scopegate-client` calls Scalekit's management API with, so the
//! two cannot drift apart. On top of their shape the issuer holds requests to
//! stricter rules (scope grammar, reserved claim names, limits, see
//! [Limits](#limits)), refusing a request that breaks one with
//! `400 invalid_request` and the field at fault.
//!
//! Organizations are created through `POST /api/v1/organizations`, or
//! implicitly by registering a client under an organization id the issuer
//! does not know yet: that organization is then created with the id as its
//! `display_name` (and no `external_id`, `region_code` or metadata), and is
//! listed and read like any other. An `external_id` already used by another
//! organization is refused with `409 conflict`.
//!
//! The management API (`/api/v1/...`) needs `Authorization: Bearer <token>`
//! where the token was issued to the environment's management client, whose
//! credentials are [`DevIssuer::admin_credentials`]: fetch it from
//! `/oauth/token` like any client, or take [`DevIssuer::admin_token`].
//!
//! Tokens are RS256 JWTs shaped like the access tokens of Scalekit's token
//! endpoint:
//! `client_id`, `sub` (= `client_id`), `oid`, `scopes` (or `scope`, see
//! [`ScopeClaim`]), `iss` (= [`DevIssuer::url`]), `aud` (the client's
//! audience, if any), `iat`, `nbf`, `exp`, `jti`, and the client's custom
//! claims.
//!
//! It is also a test kit: [`DevIssuer::token`] mints a token with chosen
//! scopes and claims in one line, or a deliberately broken one (expired,
//! `alg: none`, HS256 keyed with the public key, foreign key, flipped
//! signature...), and [`JwksMode`] makes the key endpoint fail in chosen
//! ways.
//!
//! ```no_run
//! use scopegate_dev::{DevIssuer, NewOrganizationClient};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = DevIssuer::start().await?;
//! let auth = issuer.authenticator().build()?; // validates this issuer's tokens
//! let token = issuer.token().scopes(["deploy:applications"]).mint();
//! let claims = auth.validate(&token).await?;
//! assert!(claims.has_scope("deploy:applications"));
//!
//! let client = issuer.create_client(
//!     "org_1",
//!     NewOrganizationClient::new("CI").scope("deploy:applications"),
//! )?;
//! // POST {issuer.token_url()} with client.client.client_id and
//! // client.plain_secret.expose()
//! # Ok(()) }
//! ```
//!
//! # State and restarts
//!
//! Everything lives in memory and is lost when the issuer stops: its RSA
//! keys (so every token it issued stops verifying against a new instance),
//! organizations, clients and secrets, the management client's
//! credentials (unless fixed with [`DevIssuerBuilder::admin_credentials`]),
//! the counters and the [`JwksMode`]. A new instance on port 0 also gets a
//! new port, hence a new issuer URL; bind a fixed address with
//! [`DevIssuerBuilder::bind`] to keep the URL.
//!
//! Secrets are kept as SHA-256 hashes and compared in constant time;
//! neither secrets nor tokens are ever logged.
//!
//! # Limits
//!
//! 10 000 clients and [`MAX_ORGANIZATIONS`] organizations per issuer, 10
//! secrets per client, 100 scopes, 20
//! audiences and 50 custom claims per client, names of at most 200
//! characters, descriptions of at most 2000, `expiry` from 1 second to
//! [`MAX_EXPIRY`], 16 KiB token requests, 64 KiB JSON bodies. Registration
//! scopes must follow the `resource:action` grammar and not repeat; custom
//! claims may not be named as [`RESERVED_CLAIMS`]. Organizations: display
//! names of at most 200 characters, external ids of at most 255, region
//! `US` or `EU`, at most 10 metadata pairs with keys of 3 to 25 characters
//! and values of 1 to 256 (the limits of Scalekit's management API). Page
//! sizes default to 10 and are at most 100. A token request must be
//! properly form-encoded and may not repeat a parameter.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::web;
use scopegate_core::revocation::RevocationStore;

mod clients;
mod error;
mod fields;
mod http;
mod ids;
mod jwt;
mod keys;
mod management;
mod mint;
mod organizations;
mod paging;
mod revoke;
mod server;
mod state;
mod token_endpoint;

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub use clients::{DEFAULT_EXPIRY, MAX_CLIENTS, MAX_EXPIRY, MAX_SECRETS, RESERVED_CLAIMS};
pub use error::DevError;
pub use mint::TokenBuilder;
pub use organizations::MAX_ORGANIZATIONS;
pub use scopegate_wire::Secret;
pub use scopegate_wire::management::{
    ClientPage, ClientSecret, ClientUpdate, CreatedClientSecret, CreatedOrganizationClient,
    CustomClaim, NewOrganization, NewOrganizationClient, Organization, OrganizationClient,
    OrganizationEnvelope, OrganizationPage, region,
};

use state::State;

/// How tokens carry their scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScopeClaim {
    /// Scalekit's `scopes` JSON array (the default).
    #[default]
    Array,
    /// RFC 9068's `scope`, a space-separated string.
    String,
    /// Both claims, listing the same scopes.
    Both,
}

/// How the JWKS endpoints (`/keys`, `/.well-known/jwks.json`) answer, to
/// test a validator's behaviour when the issuer misbehaves. Every request
/// is counted by [`DevIssuer::jwks_fetches`] whatever the mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JwksMode {
    /// The published keys.
    #[default]
    Normal,
    /// `500` with a JSON error.
    Unavailable,
    /// Never answers (the connection stays open until the client gives up
    /// or the issuer stops).
    Hang,
    /// The published keys as valid JSON, padded with a `"padding"` member to
    /// this many bytes.
    Oversized(usize),
    /// `200` with a body that is not JSON.
    Garbage,
    /// `{"keys":[]}`.
    Empty,
}

/// Settings of a [`DevIssuer`] before it starts.
#[derive(Clone)]
#[must_use]
pub struct DevIssuerBuilder {
    bind: SocketAddr,
    scope_claim: ScopeClaim,
    admin: Option<(String, String)>,
    revocations: Option<Arc<dyn RevocationStore>>,
}

impl std::fmt::Debug for DevIssuerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIssuerBuilder")
            .field("bind", &self.bind)
            .field("scope_claim", &self.scope_claim)
            .field("revocation_store", &self.revocations.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for DevIssuerBuilder {
    fn default() -> Self {
        DevIssuerBuilder {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            scope_claim: ScopeClaim::Array,
            admin: None,
            revocations: None,
        }
    }
}

impl DevIssuerBuilder {
    /// Listen on `addr` (default `127.0.0.1:0`, a free port). Addresses
    /// beyond loopback work but log a warning: this server is for
    /// development only.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// How issued and minted tokens carry scopes (default
    /// [`ScopeClaim::Array`]).
    pub fn scope_claim(mut self, style: ScopeClaim) -> Self {
        self.scope_claim = style;
        self
    }

    /// Fixed credentials for the management client (default: random, see
    /// [`DevIssuer::admin_credentials`]).
    pub fn admin_credentials(
        mut self,
        client_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.admin = Some((client_id.into(), secret.into()));
        self
    }

    /// Publish revocations to `store`: tokens revoked at
    /// `POST /oauth/revoke` (RFC 7009), and every token of a client that is
    /// deleted or loses a secret (see [`DevIssuer::delete_client`]). The
    /// discovery document then advertises `revocation_endpoint`. Without a
    /// store, `/oauth/revoke` answers `400 unsupported_token_type`.
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.revocations = Some(Arc::new(store));
        self
    }

    /// Generates the key, binds the address and starts serving on the
    /// current Tokio runtime (one worker thread).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime (`#[actix_web::test]`, `#[tokio::test]` and
    /// `#[actix_web::main]` all provide one).
    pub async fn start(self) -> std::io::Result<DevIssuer> {
        if let Some((id, secret)) = &self.admin
            && (id.is_empty() || secret.is_empty())
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the management client's id and secret may not be empty",
            ));
        }
        let (listener, url) = server::bind(self.bind)?;
        let state = State::new(url, self.scope_claim, self.admin)
            .map_err(std::io::Error::other)?
            .with_revocation_store(self.revocations);
        let state = web::Data::new(state);
        let handle = server::serve(listener, state.clone())?;
        tracing::info!(url = state.url(), "scopegate dev issuer started");
        Ok(DevIssuer {
            inner: Arc::new(Running {
                state: state.into_inner(),
                handle,
                stopped: AtomicBool::new(false),
            }),
        })
    }
}

/// A running dev authorization server. Cheap to clone: clones share the
/// server, which stops at [`stop`](Self::stop) or when the last clone is
/// dropped.
#[derive(Clone)]
pub struct DevIssuer {
    inner: Arc<Running>,
}

struct Running {
    state: Arc<State>,
    handle: ServerHandle,
    stopped: AtomicBool,
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.stopped.swap(true, Ordering::AcqRel) {
            // The stop command is sent at once; its completion is not
            // awaited here.
            drop(self.handle.stop(false));
        }
    }
}

impl std::fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIssuer")
            .field("url", &self.url())
            .field("signing_kid", &self.signing_kid())
            .finish_non_exhaustive()
    }
}

impl DevIssuer {
    /// Starts an issuer on `127.0.0.1` (a free port) with one RSA-2048 key
    /// and default settings. Fails if the port cannot be bound or the key
    /// cannot be generated; panics outside a Tokio runtime.
    pub async fn start() -> std::io::Result<DevIssuer> {
        DevIssuerBuilder::default().start().await
    }

    /// Settings for an issuer to start.
    pub fn builder() -> DevIssuerBuilder {
        DevIssuerBuilder::default()
    }

    fn state(&self) -> &Arc<State> {
        &self.inner.state
    }

    /// `http://127.0.0.1:PORT`: the base URL, and the `iss` of every token.
    pub fn url(&self) -> &str {
        self.state().url()
    }

    /// The JWKS URL: `url() + "/keys"` (Scalekit's layout).
    pub fn jwks_url(&self) -> String {
        format!("{}/keys", self.url())
    }

    /// The revocation endpoint (RFC 7009): `url() + "/oauth/revoke"`.
    pub fn revocation_url(&self) -> String {
        format!("{}/oauth/revoke", self.url())
    }

    /// The token endpoint: `url() + "/oauth/token"`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.url())
    }

    /// An [`AuthenticatorBuilder`](scopegate_core::AuthenticatorBuilder) for this
    /// issuer's tokens; add `.audience(..)` and other settings, then
    /// `.build()`.
    pub fn authenticator(&self) -> scopegate_core::AuthenticatorBuilder {
        scopegate_core::Authenticator::builder(self.url()).jwks_url(self.jwks_url())
    }

    /// Starts minting a token signed by this issuer (see [`TokenBuilder`]).
    pub fn token(&self) -> TokenBuilder {
        TokenBuilder::new(Arc::clone(self.state()))
    }

    /// How many requests the JWKS endpoints received (any outcome).
    pub fn jwks_fetches(&self) -> u64 {
        self.state().jwks_fetches()
    }

    /// How many `POST /oauth/token` requests were received (any outcome).
    pub fn token_requests(&self) -> u64 {
        self.state().token_requests()
    }

    /// Changes how the JWKS endpoints answer from now on.
    pub fn set_jwks_mode(&self, mode: JwksMode) {
        self.state().set_jwks_mode(mode);
    }

    /// The `kid` of the key tokens are signed with now.
    pub fn signing_kid(&self) -> String {
        self.state().signer().kid().to_owned()
    }

    /// Rotates the signing key: a new RSA-2048 key becomes the signer and is
    /// published; the previous signer stays published for `grace`, then
    /// leaves the JWKS (tokens it signed then fail validation once a
    /// validator refetches the keys). Returns the new `kid`.
    ///
    /// # Panics
    ///
    /// If the system cannot generate an RSA key.
    pub fn rotate_key(&self, grace: Duration) -> String {
        match self.state().rotate_key(grace) {
            Ok(kid) => kid,
            Err(error) => panic!("the scopegate dev issuer could not rotate its key: {error}"),
        }
    }

    /// Publishes a new key in the JWKS without signing with it; returns its
    /// `kid` (mint with it through [`TokenBuilder::kid`]).
    ///
    /// # Panics
    ///
    /// If the system cannot generate an RSA key.
    pub fn publish_extra_key(&self) -> String {
        match self.state().publish_extra_key() {
            Ok(kid) => kid,
            Err(error) => panic!("the scopegate dev issuer could not generate a key: {error}"),
        }
    }

    /// `(client_id, client_secret)` of the environment's management client,
    /// which may call the management API.
    pub fn admin_credentials(&self) -> (String, String) {
        self.state().admin_credentials()
    }

    /// A management API bearer token, minted directly (the same token
    /// `/oauth/token` would issue for the management client).
    pub fn admin_token(&self) -> String {
        let (client_id, _) = self.admin_credentials();
        self.token().client_id(client_id).remove_claim("oid").mint()
    }

    /// The `client_id` (and `sub`) of minted tokens unless set.
    pub fn default_client_id(&self) -> &str {
        self.state().default_client_id()
    }

    /// The `oid` of minted tokens unless set.
    pub fn default_org_id(&self) -> &str {
        self.state().default_org_id()
    }

    /// Registers a client in `org_id`, with the HTTP API's validation, and
    /// returns what `POST .../clients` answers: the client and its first
    /// secret, in plain text this once. An organization the issuer does not
    /// know yet is created with its first client (named after its id).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use scopegate_dev::{DevIssuer, NewOrganizationClient};
    ///
    /// let issuer = DevIssuer::start().await?;
    /// let created = issuer.create_client(
    ///     "org_1",
    ///     NewOrganizationClient::new("CI")
    ///         .scopes(["deploy:applications"])
    ///         .expiry(600),
    /// )?;
    /// let (client_id, secret) = (&created.client.client_id, created.plain_secret.expose());
    /// # let _ = (client_id, secret);
    /// # Ok(()) }
    /// ```
    pub fn create_client(
        &self,
        org_id: &str,
        client: NewOrganizationClient,
    ) -> Result<CreatedOrganizationClient, DevError> {
        let state = self.state();
        state.clients().create(state.ids(), org_id, &client)
    }

    /// The client `client_id` of `org_id`.
    pub fn client(&self, org_id: &str, client_id: &str) -> Result<OrganizationClient, DevError> {
        self.state().clients().get(org_id, client_id)
    }

    /// One page of the clients of `org_id`, oldest first: what
    /// `GET .../clients?page_size=&page_token=` answers. `page_size`
    /// defaults to 10 and is at most 100; `page_token` is a
    /// `next_page_token` or `prev_page_token` of an earlier page.
    pub fn list_clients(
        &self,
        org_id: &str,
        page_size: Option<usize>,
        page_token: Option<&str>,
    ) -> Result<ClientPage, DevError> {
        clients::check_org_id(org_id)?;
        self.state().clients().list(org_id, page_size, page_token)
    }

    /// Changes a client, with the HTTP API's validation.
    pub fn update_client(
        &self,
        org_id: &str,
        client_id: &str,
        update: ClientUpdate,
    ) -> Result<OrganizationClient, DevError> {
        self.state().clients().update(org_id, client_id, &update)
    }

    /// Deletes a client: its secrets stop working at once. Tokens already
    /// issued stay valid until they expire, unless a
    /// [revocation store](DevIssuerBuilder::revocation_store) is set: every
    /// token issued to the client up to this second is then revoked (at
    /// once with a `MemoryRevocations`; in a task on the current Tokio
    /// runtime with a store that must wait, such as Redis; the HTTP API
    /// waits for it).
    pub fn delete_client(&self, org_id: &str, client_id: &str) -> Result<(), DevError> {
        self.state().clients().delete(org_id, client_id)?;
        revoke::after_client_change(self.state(), client_id);
        Ok(())
    }

    /// Adds a secret to a client; the answer holds it in plain text, this
    /// once.
    pub fn create_secret(
        &self,
        org_id: &str,
        client_id: &str,
    ) -> Result<CreatedClientSecret, DevError> {
        let state = self.state();
        state.clients().add_secret(state.ids(), org_id, client_id)
    }

    /// Removes a secret from a client. With a
    /// [revocation store](DevIssuerBuilder::revocation_store), every token
    /// issued to the client up to this second is revoked, as for
    /// [`delete_client`](Self::delete_client): tokens do not say which
    /// secret obtained them.
    pub fn delete_secret(
        &self,
        org_id: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<(), DevError> {
        self.state()
            .clients()
            .delete_secret(org_id, client_id, secret_id)?;
        revoke::after_client_change(self.state(), client_id);
        Ok(())
    }

    /// Creates an organization, with the HTTP API's validation, and returns
    /// what `POST /api/v1/organizations` answers (unwrapped).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use scopegate_dev::{DevIssuer, NewOrganization, NewOrganizationClient};
    ///
    /// let issuer = DevIssuer::start().await?;
    /// let org = issuer.create_organization(
    ///     NewOrganization::new("Looney Corp").external_id("my_unique_id"),
    /// )?;
    /// issuer.create_client(&org.id, NewOrganizationClient::new("CI"))?;
    /// # Ok(()) }
    /// ```
    pub fn create_organization(
        &self,
        organization: NewOrganization,
    ) -> Result<Organization, DevError> {
        let state = self.state();
        state
            .clients()
            .organizations_mut()
            .create(state.ids(), &organization)
    }

    /// The organization `org_id` (created explicitly, or implicitly by
    /// registering a client in it).
    pub fn organization(&self, org_id: &str) -> Result<Organization, DevError> {
        clients::check_org_id(org_id)?;
        self.state().clients().organizations().get(org_id)
    }

    /// One page of the organizations, oldest first: what
    /// `GET /api/v1/organizations?page_size=&page_token=` answers.
    /// `page_size` defaults to 10 and is at most 100.
    pub fn list_organizations(
        &self,
        page_size: Option<usize>,
        page_token: Option<&str>,
    ) -> Result<OrganizationPage, DevError> {
        self.state()
            .clients()
            .organizations()
            .list(page_size, page_token)
    }

    /// Stops the server (for every clone) and waits until it has stopped.
    /// Requests in flight, including hanging JWKS requests, are dropped.
    pub async fn stop(self) {
        if !self.inner.stopped.swap(true, Ordering::AcqRel) {
            self.inner.handle.stop(false).await;
            tracing::info!(url = self.url(), "scopegate dev issuer stopped");
        }
    }
}

/// The request parsers, reachable without HTTP for the fuzz targets in
/// `fuzz/` (a separate cargo workspace, which can only call public items).
/// Exposed here rather than by making the modules public; not a public API.
#[doc(hidden)]
pub mod __fuzz {
    use scopegate_wire::management::{ClientUpdate, NewOrganizationClient};

    use crate::DevError;

    /// The token endpoint's form parser: the number of parameters.
    pub fn token_form(body: &[u8]) -> Result<usize, DevError> {
        crate::http::parse_form(body).map(|params| params.len())
    }

    /// One strictly decoded form component.
    pub fn form_component(text: &str) -> Option<String> {
        crate::http::form_decode(text)
    }

    /// The management API's body for a new client, parsed and validated.
    pub fn new_client(body: &[u8]) -> Result<(), DevError> {
        let new: NewOrganizationClient = crate::management::parse_json(body)?;
        crate::clients::validate_new(&new).map(|_| ())
    }

    /// The management API's body for a client update, parsed and applied
    /// to a default client's settings.
    pub fn client_update(body: &[u8]) -> Result<(), DevError> {
        let update: ClientUpdate = crate::management::parse_json(body)?;
        let current = crate::clients::validate_new(&NewOrganizationClient::new("fuzz"))?;
        crate::clients::validate_update(&current, &update).map(|_| ())
    }
}
