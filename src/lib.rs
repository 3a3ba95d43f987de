//! # scopegate
//!
//! OAuth 2.0 scope authorization for actix-web. A handler says which scopes
//! its caller needs; scopegate verifies the caller's bearer JWT against the
//! issuer's JWKS, checks the scopes, hands the handler the validated
//! [`Claims`], and answers `401`/`403` per RFC 6750 otherwise.
//!
//! ```
//! use actix_web::{get, post, web, App, HttpResponse, Responder};
//! use scopegate::{require_scopes, Authenticator, Claims};
//!
//! #[derive(serde::Deserialize)]
//! struct Deploy { service: String }
//!
//! #[post("/deploy")]
//! #[require_scopes("deploy:applications")]
//! async fn deploy(claims: Claims, body: web::Json<Deploy>) -> impl Responder {
//!     HttpResponse::Ok().body(format!(
//!         "deploying {} for {}",
//!         body.service,
//!         claims.client_id().unwrap_or("?")
//!     ))
//! }
//!
//! #[get("/deployments")]
//! #[require_scopes(any("read:deployments", "admin:deployments"))]
//! async fn list() -> HttpResponse {
//!     HttpResponse::Ok().json(["inventory-service"])
//! }
//!
//! # fn main() -> Result<(), scopegate::ConfigError> {
//! // Usually `Authenticator::from_env()?` (reads SCALEKIT_ENVIRONMENT_URL).
//! let auth = Authenticator::builder("https://acme.scalekit.dev")
//!     .audience("deployment-api.acmecorp.com")
//!     .build()?;
//! let app = App::new().app_data(auth).service(deploy).service(list);
//! # drop(app);
//! # Ok(()) }
//! ```
//!
//! A request without a bearer token never reaches the handler: it gets
//! `401` and `WWW-Authenticate: Bearer`; a bad token gets `401` with
//! `error="invalid_token"`; a valid token without the scope gets `403` with
//! `error="insufficient_scope"`. A scope string that breaks the grammar does
//! not compile.
//!
//! ## The scope grammar
//!
//! A required scope is `resource:action`: two segments joined by exactly one
//! `:`. Each segment starts with a lowercase ASCII letter, continues with
//! lowercase letters, digits, `_`, `-` or `.`, and is at most 64 characters.
//! `deploy:applications`, `read:deployments` and `billing.invoices:read` are
//! valid; `deploy`, `a:b:c`, `Deploy:x`, `deploy:*` and `deploy: x` are
//! compile errors. The grammar lives in one place, [`grammar`], used by the
//! macro at compile time and at run time (client registration).
//!
//! Scopes *granted* by a token are opaque strings compared exactly:
//! `deploy:applications2`, `deploy:*` or `DEPLOY:APPLICATIONS` never satisfy
//! `deploy:applications`, and a token may carry `openid` alongside. Which
//! claims hold them is set per issuer ([`Issuer::scope_sources`]), and an
//! issuer that writes its scopes under a prefix, as Amazon Cognito writes
//! `https://deployments.acme.com/deploy:applications`, grants them without
//! it ([`Issuer::scope_prefix`]).
//!
//! ## `#[require_scopes]`
//!
//! * `#[require_scopes("a:b")]`: one scope.
//! * `#[require_scopes("a:b", "c:d")]`: all of them.
//! * `#[require_scopes(any("a:b", "c:d"))]`: at least one.
//! * `any` and `all` nest: `#[require_scopes("a:b", any("c:d", all("e:f", "g:h")))]`.
//! * After the scopes, what else the token must hold (see [`HandlerPolicy`](policy::HandlerPolicy)):
//!   `claim(gty == "client-credentials")`, `claim(groups includes "ops")`,
//!   `claim(tid in ["t1", "t2"])` (strings, integers, booleans);
//!   `tenant(org_id)`: the token's `oid` equals the `{org_id}` path
//!   parameter (`tenant(org_id, claim = "tid")` for another claim,
//!   `tenant(org_id, from_scope)` when the parameter is an enclosing
//!   `web::scope`'s); `check_revocation`: consult the revocation store for
//!   this handler. A failed claim or tenant check is a `403
//!   insufficient_scope` whose description names the claim.
//!
//! It stands on either side of actix-web's route macros (`#[get]`,
//! `#[post]`, ...) and on plain handlers registered with
//! `web::resource(..).route(..)`. It works on free `async fn` handlers
//! (not on methods in an `impl` block).
//!
//! ### How the handler is rewritten, and why
//!
//! The attribute gathers the handler's arguments into one extractor,
//! `Authorized<Marker, (A, B, ...)>`, whose pattern destructures back into
//! the original names. That extractor first authorizes the request (the
//! scopes live on a hidden marker type as a `const`), and only when it passed
//! runs the handler's own extractors, in order. So an unauthorized request's
//! body is never read and its JSON never parsed, and a rejection is an
//! extractor error, rendered as the RFC 6750 response.
//!
//! The return type is left alone. Rewriting it into `Either<R, HttpResponse>`
//! and adding a hidden argument, as some attribute macros do, breaks handlers
//! whose return type is `impl Responder` in some positions and confuses
//! other macros that read the signature; with scopegate the handler returns
//! exactly what it declared, and any `Responder` works.
//!
//! The validated token is stored in the request's extensions, so a handler
//! that also takes [`Claims`] gets it without a second validation (claims
//! kept there are only reused by the [`Authenticator`] that verified them).
//!
//! The checks run in this order, and the first failure is the answer: the
//! token is valid; it is not revoked, where revocation is checked
//! ([`revocation`]); it meets the claim requirements of its issuer
//! ([`Issuer::require`]) and of the authenticator
//! ([`AuthenticatorBuilder::require`]); then the handler's scopes, its
//! `claim(..)` requirements and its `tenant(..)` binding.
//!
//! ## Configuration
//!
//! [`Authenticator::builder`] sets everything (issuer, JWKS URL or OIDC
//! discovery, audiences, algorithm allow-list, leeway, timeouts, cache
//! settings, claim requirements, revocation; see [`AuthenticatorBuilder`]
//! for the defaults); [`AuthenticatorBuilder::trust`] adds more issuers,
//! each an [`Issuer`] (with presets for Scalekit, Auth0, Microsoft Entra
//! ID, Okta, Keycloak and Amazon Cognito). [`Authenticator::from_env`]
//! reads `SCALEKIT_ENVIRONMENT_URL` (issuer, and keys at `<url>/keys`), the
//! optional `SCOPEGATE_AUDIENCE`, and the other variables of the
//! [`AuthenticatorBuilder`](AuthenticatorBuilder#from-the-environment)
//! table (`SCOPEGATE_ISSUER`, `SCOPEGATE_JWKS_URL`, `SCOPEGATE_DISCOVERY`,
//! `SCOPEGATE_PRESET` and each preset's own). Register it once as app
//! data: `App::new().app_data(auth)`.
//!
//! ## Errors on the wire
//!
//! | case | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no token (or another scheme) | 401 | `Bearer` |
//! | malformed header, several credentials, token in the URI | 400 | `Bearer error="invalid_request", error_description="..."` |
//! | bad, expired, wrong issuer/audience, unknown key, issuer not trusted | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | not an access token of the preset's provider (Cognito's `token_use`, Entra ID's `ver`) | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | revoked, or no `jti` where revocation is checked | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | scope missing | 403 | `Bearer error="insufficient_scope", error_description="...", scope="..."` |
//! | a claim requirement not met (`claim(..)`, [`Issuer::require`], [`AuthenticatorBuilder::require`]) or `tenant(..)` | 403 | `Bearer error="insufficient_scope", error_description="..."` |
//! | issuer keys not obtainable | 503 | none; `Retry-After` |
//! | revocation rules out of date beyond their grace time | 503 | none; `Retry-After` |
//! | no [`Authenticator`] registered; `tenant(..)` on a route without the path parameter | 500 | none |
//!
//! Each comes with a JSON body `{"error": ..., "error_description": ...}`
//! and `Cache-Control: no-store`. A `500` is logged as an error in every
//! build; in debug builds its body also says what to fix.
//! Descriptions help a developer fix the client; they never contain the
//! token, a key or a secret. See [`AuthError`].
//!
//! ## Crates and features
//!
//! | feature | adds | crate |
//! |---|---|---|
//! | (none) | `#[require_scopes]`, [`Authenticator`], [`Claims`], errors | `scopegate-macros`, `scopegate-core` |
//! | `client` | `scopegate::client`: client-credentials token client, `send_authorized`, admin client | `scopegate-client` (no actix-web; callers can depend on it alone) |
//! | `dev` | `scopegate::dev`: the embedded dev issuer and test kit | `scopegate-dev` (owns the signing code; a `[dev-dependencies]` crate) |
//! | `metrics` | counters and histograms through the `metrics` facade: decisions, key fetches, cache hits, validation time (see the README's "Metrics") | metrics |
//! | `utoipa` | `scopegate::openapi`: OpenAPI security requirements and the client-credentials scheme from `#[require_scopes]` | utoipa |
//! | `redis` | `RedisRevocations`: revocation rules shared by every replica through Redis | redis |
//!
//! Without features, an API compiles no signing code and no client code.
//!
//! ## Design choices
//!
//! * **Own JOSE code for verification.** The runtime parses the compact JWS
//!   and checks claims itself, on top of aws-lc-rs, instead of calling
//!   jsonwebtoken: it is faster on the request path (see the repository's
//!   `docs/performance.md`), stricter where RFC 8725 and RFC 7519 allow it
//!   (the `alg` allow-list, `crit`, `typ`, numeric dates, a required `exp`)
//!   and its refusals are typed ([`TokenError`](error::TokenError)). jsonwebtoken remains the
//!   project's JWT library where it is the right tool: signing in the dev
//!   issuer, and the reference the tests compare against.
//! * **A shared wire crate.** The management API's bodies, `Secret` and the
//!   URL policy live in `scopegate-wire`, which both the client and the dev
//!   issuer use, so there is one model of the wire format and neither side
//!   depends on the other.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Requires the caller's bearer token to carry scopes; see the
/// [crate documentation](crate#require_scopes).
pub use scopegate_macros::require_scopes;

/// A middleware requiring scopes for a whole `web::scope` or
/// `web::resource`, written like `#[require_scopes]`: it builds a
/// [`ScopeGuard`](actix::ScopeGuard), whose documentation shows its use.
pub use scopegate_macros::require_scopes_guard;

/// The crate's scope catalog (`scopes.catalog` next to `Cargo.toml`, or
/// the file named relative to the source file:
/// `scope_catalog!("../scopes.catalog")`) as a
/// [`ScopeCatalog`](policy::ScopeCatalog), read at compile time.
pub use scopegate_macros::scope_catalog;

/// Everything of the core: [`Authenticator`], [`Claims`], [`Issuer`],
/// [`AuthError`] and the modules `error`, `env`, `policy`, `revocation`,
/// `inventory`, `resource_metadata`, `adapter` and `actix`.
#[doc(inline)]
pub use scopegate_core::*;

/// The client side: token client, admin client, `send_authorized`
/// (the `scopegate-client` crate).
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use scopegate_client as client;

/// The embedded development authorization server and test kit
/// (the `scopegate-dev` crate).
#[cfg(feature = "dev")]
#[cfg_attr(docsrs, doc(cfg(feature = "dev")))]
pub use scopegate_dev as dev;

/// What `#[require_scopes]` expands to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use scopegate_core::__private::{FromRequest, inventory};
    pub use scopegate_core::actix::{Authorized, ScopeGuard, ScopeRequirement};
    pub use scopegate_core::inventory::ProtectedRoute;
    pub use scopegate_core::policy::{
        CatalogScope, ClaimRequirement, ClaimTest, ClaimValue, HandlerPolicy, Requirement,
        ScopeCatalog, TenantBinding,
    };
    pub use scopegate_macros::authorize_args;
}

/// The README's examples, compiled as doc tests (they use every feature).
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "dev", feature = "client"))]
pub struct ReadmeDoctests;
