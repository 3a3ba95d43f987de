//! The client side of scopegate (this crate, or the `client` feature of
//! `scopegate`): an API client that fetches and keeps a client-credentials
//! token, and an admin client that creates and lists organizations and
//! registers their API clients. Both speak the wire format of Scalekit's
//! API, so they work against Scalekit and against the embedded dev issuer.
//! No actix-web in the dependency tree.
//!
//! * [`TokenClient`]: `POST <env>/oauth/token` with
//!   `grant_type=client_credentials`; caches the token and replaces it
//!   shortly before it expires (margin `max(30 s, 10 %)` of its lifetime,
//!   at most half); concurrent callers share one request; connection errors
//!   and `5xx` are retried with exponential backoff and jitter
//!   ([`RetryPolicy`]), `400`/`401` never.
//! * [`SendAuthorized`]: `.send_authorized(&tokens)` on a
//!   `reqwest::RequestBuilder` sends it with the bearer token and, on `401`,
//!   renews the token and sends it once more.
//! * [`AdminClient`]: `create_organization_client`, `get_...`,
//!   `list_...` (paged), `update_...`, `delete_...`,
//!   `add_organization_client_secret`, `remove_organization_client_secret`;
//!   and for organizations `create_organization`, `get_organization`,
//!   `list_organizations` (paged), `list_all_organizations`.
//! * [`Secret`]: client secrets and `plain_secret`s, redacted in `Debug`.
//!
//! # Environment variables
//!
//! | variable | read by | meaning |
//! |---|---|---|
//! | `SCOPEGATE_CLIENT_TOKEN_URL` | [`TokenClient::from_env`] | the token endpoint, when not `<env>/oauth/token` |
//! | `SCOPEGATE_CLIENT_ENVIRONMENT_URL` | [`TokenClient::from_env`] | the environment URL (falls back to `SCALEKIT_ENVIRONMENT_URL`) |
//! | `SCOPEGATE_CLIENT_ID`, `SCOPEGATE_CLIENT_SECRET` | [`TokenClient::from_env`] | the API client's credentials (fall back, as a pair, to `SCALEKIT_CLIENT_ID`, `SCALEKIT_CLIENT_SECRET`) |
//! | `SCOPEGATE_CLIENT_SCOPES` | [`TokenClient::from_env`] | scopes to ask for, space or comma separated |
//! | `SCOPEGATE_CLIENT_AUDIENCE` | [`TokenClient::from_env`] | audience to ask for |
//! | `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_CLIENT_ID`, `SCALEKIT_CLIENT_SECRET` | [`AdminClient::from_env`] | the environment and its own management credentials |
//!
//! # Logging
//!
//! Requests, retries and refusals are logged with `tracing` (client id,
//! URL, status, attempt); secrets and tokens never are.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admin;
mod authorized;
mod env;
mod error;
mod http;
mod retry;
mod token;

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub use admin::{AdminClient, AdminClientBuilder};
pub use authorized::SendAuthorized;
pub use env::{
    ENV_CLIENT_AUDIENCE, ENV_CLIENT_ENVIRONMENT_URL, ENV_CLIENT_ID, ENV_CLIENT_SCOPES,
    ENV_CLIENT_SECRET, ENV_CLIENT_TOKEN_URL, ENV_SCALEKIT_CLIENT_ID, ENV_SCALEKIT_CLIENT_SECRET,
    ENV_SCALEKIT_ENVIRONMENT_URL, split_list,
};
pub use error::{ClientError, ServerError};
pub use retry::RetryPolicy;
pub use scopegate_wire::Secret;
pub use scopegate_wire::management::{
    ClientPage, ClientSecret, ClientUpdate, CreatedClientSecret, CreatedOrganizationClient,
    CustomClaim, NewOrganization, NewOrganizationClient, Organization, OrganizationClient,
    OrganizationEnvelope, OrganizationPage, region,
};
pub use token::{AccessToken, ClientAuth, TokenClient, TokenClientBuilder};
