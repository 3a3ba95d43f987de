//! Every error of the runtime, as data: why a request is refused
//! ([`AuthError`], with [`RequestError`] and [`TokenError`] saying exactly
//! which rule failed), why an [`Authenticator`](crate::Authenticator) could
//! not be built ([`ConfigError`]), and why the issuer's keys could not be
//! fetched ([`KeyFetchError`]).
//!
//! The reasons are enums to match on, in the style of jsonwebtoken's
//! `ErrorKind`; their `Display` is the `error_description` sent to the
//! client (RFC 6750 §3). How an [`AuthError`] is rendered as an HTTP response
//! is in the `response` module.

pub(crate) mod challenge;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use reqwest::{StatusCode, Url};
use scopegate_wire::url_policy::UrlPolicyError;

pub use crate::jose::error::{RevokedBy, TokenError, TokenPart};
use crate::jose::jwk::JwkError;
use crate::policy::claim_requirement::{ClaimMismatch, ClaimRequirementError};
use crate::policy::tenant::{MisconfiguredHandler, TenantMismatch};

/// Why a request was not authorized.
///
/// Every variant maps to one status code and one `WWW-Authenticate` challenge
/// (RFC 6750 §3). The text of a variant is the `error_description` sent to the
/// client: it helps a developer fix their client and never contains the token,
/// a key or a secret.
///
/// ```
/// use scopegate::{AuthError, TokenError};
///
/// fn explain(error: &AuthError) -> &'static str {
///     match error {
///         AuthError::InvalidToken(TokenError::Expired { .. }) => "fetch a new token",
///         AuthError::InvalidToken(TokenError::WrongIssuer { .. }) => "check the issuer",
///         AuthError::InsufficientScope { .. } => "ask for more scopes",
///         _ => "see the error description",
///     }
/// }
/// assert_eq!(
///     explain(&AuthError::InvalidToken(TokenError::Expired { ago_secs: 40 })),
///     "fetch a new token"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no bearer token. `401`, `WWW-Authenticate: Bearer`
    /// without an error code (RFC 6750 §3.1).
    #[error("the request has no bearer token; send `Authorization: Bearer <token>`")]
    MissingToken,
    /// The request is malformed: a broken `Authorization` header, or more than
    /// one credential. `400 invalid_request`.
    #[error("{0}")]
    InvalidRequest(RequestError),
    /// The token is malformed, badly signed, expired, for another issuer or
    /// audience, signed by an unknown key, not an access token of its
    /// provider preset, or revoked. `401 invalid_token`.
    #[error("{0}")]
    InvalidToken(TokenError),
    /// The token is valid but lacks a required scope. `403 insufficient_scope`.
    #[error("the token lacks a required scope: needs {required}")]
    InsufficientScope {
        /// The requirement, as written on the handler (e.g. `any(a:b, c:d)`).
        required: String,
        /// The scopes that would satisfy it, space separated, for the
        /// `scope` attribute of the challenge.
        scope: String,
    },
    /// No signing key could be obtained from the issuer, so no decision can
    /// be made. `503` with `Retry-After`. Why the keys could not be fetched
    /// is logged, and kept by
    /// [`Authenticator::last_key_fetch_error`](crate::Authenticator::last_key_fetch_error).
    #[error("the issuer's signing keys are not available yet; retry later")]
    KeysUnavailable {
        /// How long the client should wait before retrying.
        retry_after: Duration,
    },
    /// Whether the token was revoked cannot be checked: the revocation
    /// mirror has lost its store for longer than it may serve alone (see
    /// [`RevocationCheck`](crate::RevocationCheck)). `503` with
    /// `Retry-After`, only for handlers whose revocation is checked.
    #[error("whether the token was revoked cannot be checked right now; retry later")]
    RevocationUnavailable {
        /// How long the client should wait before retrying.
        retry_after: Duration,
    },
    /// The server is misconfigured: no `Authenticator` was registered as app
    /// data. `500`. The error is logged; in debug builds the response also
    /// says what to add (`App::new().app_data(authenticator)`), in release
    /// builds only that authorization is not configured.
    #[error("{}", MISCONFIGURED)]
    Misconfigured,
    /// The token is valid but fails a claim requirement: one of its
    /// issuer's ([`Issuer::require`](crate::Issuer::require)) or the
    /// authenticator's
    /// ([`AuthenticatorBuilder::require`](crate::AuthenticatorBuilder::require)),
    /// checked before the scopes, or one of the handler's (`claim(..)` in
    /// `#[require_scopes]`), checked after them.
    /// `403 insufficient_scope`, without a `scope` attribute: no scope would
    /// help. The description names the claim and how it is tested, not the
    /// values accepted (a list of tenant ids or group names is not the
    /// caller's to read); the `ClaimMismatch` has them all.
    #[error("{}", .0.public_description())]
    ClaimMismatch(ClaimMismatch),
    /// The token is valid and has the scopes, but is for another tenant than
    /// the path names (`tenant(..)` in `#[require_scopes]`), or for none.
    /// `403 insufficient_scope`, without a `scope` attribute.
    #[error("{0}")]
    TenantMismatch(TenantMismatch),
    /// The handler's authorization settings do not fit the route it is
    /// served on (a tenant binding names a path parameter the route does not
    /// have). `500`; logged once per handler; the response names the handler
    /// only in debug builds.
    #[error("{}", misconfigured_handler(.0))]
    HandlerMisconfigured(MisconfiguredHandler),
}

/// The description of [`AuthError::HandlerMisconfigured`]: what is wrong in
/// debug builds, nothing about the server's setup in release builds.
fn misconfigured_handler(error: &MisconfiguredHandler) -> String {
    if cfg!(debug_assertions) {
        format!(
            "authorization is misconfigured for this endpoint: {error} (this hint is only shown in debug builds)"
        )
    } else {
        "authorization is misconfigured for this endpoint".to_owned()
    }
}

/// The description of [`AuthError::Misconfigured`]: the fix in debug builds,
/// nothing about the server's setup in release builds.
#[cfg(debug_assertions)]
const MISCONFIGURED: &str = "authorization is not configured on this server: no scopegate \
    Authenticator is registered as app data; add `App::new().app_data(authenticator)` \
    (this hint is only shown in debug builds)";
#[cfg(not(debug_assertions))]
const MISCONFIGURED: &str = "authorization is not configured on this server";

impl From<TokenError> for AuthError {
    fn from(reason: TokenError) -> Self {
        AuthError::InvalidToken(reason)
    }
}

impl From<RequestError> for AuthError {
    fn from(reason: RequestError) -> Self {
        AuthError::InvalidRequest(reason)
    }
}

/// Why a request is malformed (`400 invalid_request`, RFC 6750 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// An `access_token` query parameter (RFC 6750 §2.3, which scopegate
    /// never reads).
    #[error("access tokens are not accepted in the URI; send `Authorization: Bearer <token>`")]
    TokenInUri,
    /// Two or more `Authorization` headers.
    #[error("the request has more than one Authorization header")]
    MultipleAuthorizationHeaders,
    /// The `Authorization` header holds bytes other than visible ASCII,
    /// spaces and tabs.
    #[error("the Authorization header holds characters that are not visible ASCII")]
    NotVisibleAscii,
    /// `Authorization: Bearer` with nothing after the scheme.
    #[error("the Authorization header names the Bearer scheme but carries no token")]
    EmptyBearer,
    /// More than one credential in the header (separated by spaces, commas
    /// or tabs).
    #[error(
        "the Authorization header carries more than one credential; send exactly one bearer token"
    )]
    MultipleCredentials,
    /// The token is not a `b64token` (RFC 6750 §2.1).
    #[error("the bearer token holds characters outside the b64token syntax of RFC 6750")]
    NotB64Token,
}

/// Why an [`Authenticator`](crate::Authenticator) could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is unset or empty.
    #[error("the environment variable {0} is not set")]
    MissingEnv(&'static str),
    /// A URL setting is not a usable URL.
    #[error("{field} is not a usable URL: {reason}")]
    InvalidUrl {
        /// Which setting.
        field: &'static str,
        /// What is wrong with it.
        #[source]
        reason: UrlPolicyError,
    },
    /// The JWKS document given to
    /// [`jwks_document`](crate::AuthenticatorBuilder::jwks_document) holds no
    /// usable key.
    #[error("the JWKS document is not usable: {0}")]
    InvalidJwks(#[source] JwkError),
    /// The algorithm allow-list is empty.
    #[error("the algorithm allow-list is empty; allow at least RS256")]
    NoAlgorithms,
    /// A numeric setting is out of range.
    #[error("{setting} {limit}")]
    OutOfRange {
        /// The builder method of the setting (`leeway`, `refetch_cooldown`...).
        setting: &'static str,
        /// The rule it breaks, in words (`is at most 5 minutes`).
        limit: &'static str,
    },
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// Two environment variables ask for settings that exclude each other
    /// (a JWKS URL and discovery; a provider preset and another issuer).
    #[error("the environment variables {first} and {second} conflict: set only one of them")]
    ConflictingEnv {
        /// The first variable.
        first: &'static str,
        /// The variable that contradicts it.
        second: &'static str,
    },
    /// An environment variable is set to a value that cannot be read.
    #[error("the environment variable {name} is not usable: {reason}")]
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// What is wrong with its value.
        #[source]
        reason: EnvValueError,
    },
    /// `SCOPEGATE_PRESET` names a provider preset, and a variable that
    /// preset needs is unset (its domain, its tenant, the audience...).
    #[error("SCOPEGATE_PRESET={preset} needs the environment variable {name}")]
    PresetNeedsEnv {
        /// The preset, as `SCOPEGATE_PRESET` spells it (`auth0`).
        preset: &'static str,
        /// The variable it needs.
        name: &'static str,
    },
    /// A variable that only one provider preset reads is set, but
    /// `SCOPEGATE_PRESET` names another preset, or none.
    #[error(
        "the environment variable {name} is read only with SCOPEGATE_PRESET={preset}; set that preset or unset {name}"
    )]
    PresetForeignEnv {
        /// The variable.
        name: &'static str,
        /// The preset that reads it.
        preset: &'static str,
    },
    /// Two trusted issuers have the same `iss` (or a multi-tenant template
    /// matches another entry's `iss`): a token could not tell which to use.
    #[error("the issuer `{issuer}` is trusted twice; give each issuer one entry")]
    DuplicateIssuer {
        /// The issuer, or the template, given twice.
        issuer: String,
    },
    /// A multi-tenant issuer's template or tenant settings are unusable.
    #[error("the multi-tenant issuer `{template}` is not usable: {reason}")]
    TenantTemplate {
        /// The template as given.
        template: String,
        /// What is wrong with it.
        reason: TenantTemplateError,
    },
    /// An issuer reads granted scopes from no claim at all.
    #[error("the issuer `{issuer}` has an empty list of scope sources; name at least one claim")]
    NoScopeSources {
        /// The issuer (or template).
        issuer: String,
    },
    /// A claim requirement of an issuer ([`Issuer::require`](crate::Issuer::require),
    /// or of every issuer:
    /// [`AuthenticatorBuilder::require`](crate::AuthenticatorBuilder::require))
    /// can never be met as written.
    #[error("a claim requirement of the issuer `{issuer}` can never be met: {reason}")]
    ClaimRequirement {
        /// The issuer (or template).
        issuer: String,
        /// What is wrong with it.
        #[source]
        reason: ClaimRequirementError,
    },
    /// The scope prefix of an issuer ([`Issuer::scope_prefix`](crate::Issuer::scope_prefix))
    /// is empty or holds a character no scope can hold (RFC 6749 §3.3), so
    /// it could never begin a granted scope.
    #[error(
        "the scope prefix `{prefix}` of the issuer `{issuer}` is not usable: it must be one or more visible ASCII characters other than `\"` and `\\`"
    )]
    InvalidScopePrefix {
        /// The issuer (or template).
        issuer: String,
        /// The prefix, cut to 64 printable characters.
        prefix: String,
    },
}

/// Why the value of an environment variable is not usable
/// ([`ConfigError::InvalidEnv`]). The values shown are cut to 32
/// printable characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvValueError {
    /// Not one of the spellings of a boolean.
    #[error("`{0}` is not a boolean (true or false, 1 or 0, yes or no, on or off)")]
    NotBoolean(String),
    /// `SCOPEGATE_PRESET` names no preset.
    #[error(
        "`{0}` is not a provider preset; use scalekit, auth0, entra-id, okta, keycloak or cognito"
    )]
    UnknownPreset(String),
    /// Not a host name (a domain, with or without `https://`, no path).
    #[error("`{0}` is not a host name (a domain, with or without https://, and no path)")]
    NotHost(String),
    /// Not one path segment of a URL (an id, a realm, a region...).
    #[error(
        "`{0}` is not one path segment (no `/`, `?`, `#`, `%`, `@`, whitespace, and not `.` or `..`)"
    )]
    NotPathSegment(String),
    /// `*` (or `any`) as the Microsoft Entra ID tenant without the opt-in.
    #[error(
        "`*` accepts a token of every Microsoft Entra ID tenant; set SCOPEGATE_ENTRA_ANY_TENANT=true to allow that"
    )]
    AnyTenantNeedsOptIn,
    /// `*` (or `any`) in a list of Microsoft Entra ID tenants.
    #[error("`*` (every tenant) cannot be listed with tenant ids")]
    AnyTenantInList,
}

/// Why a multi-tenant issuer template is not usable
/// ([`ConfigError::TenantTemplate`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TenantTemplateError {
    /// The template has no `{name}` placeholder for the tenant.
    #[error("it has no placeholder for the tenant, such as `{{tenantid}}`")]
    NoPlaceholder,
    /// The template has more than one placeholder, or stray braces.
    #[error("it has more than one placeholder, or a stray brace")]
    SeveralPlaceholders,
    /// The placeholder is not one whole path segment after the host
    /// (`https://login.microsoftonline.com/{tenantid}/v2.0`).
    #[error("the placeholder must be a whole path segment after the host")]
    NotAPathSegment,
    /// No claim to check the tenant against was named
    /// ([`Issuer::tenant_claim`](crate::Issuer::tenant_claim)).
    #[error(
        "no tenant claim is named (Microsoft Entra ID: `tid`): the token's tenant could not be checked"
    )]
    NoTenantClaim,
    /// Neither an allow-list of tenants nor "any tenant" was chosen, or the
    /// allow-list is empty.
    #[error("no tenant is allowed: list the tenants, or opt in to any tenant")]
    NoTenants,
    /// The issuer has no key source shared by its tenants: a multi-tenant
    /// issuer needs [`Issuer::jwks_url`](crate::Issuer::jwks_url) or
    /// [`Issuer::jwks_document`](crate::Issuer::jwks_document) (its keys
    /// cannot be found from the template).
    #[error("a multi-tenant issuer needs one shared key source: set its JWKS URL or document")]
    NoSharedKeys,
    /// A tenant of the allow-list could never appear in an `iss`.
    #[error("the tenant `{0}` is not one path segment of letters, digits, `-` or `_`")]
    InvalidTenant(String),
}

/// Which document a key fetch was reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyDocument {
    /// The JWKS (RFC 7517 §5).
    Jwks,
    /// The OIDC discovery document (`.well-known/openid-configuration`).
    Discovery,
}

/// Why the issuer's keys could not be fetched. Logged (`tracing::warn`)
/// when it happens, and kept by
/// [`Authenticator::last_key_fetch_error`](crate::Authenticator::last_key_fetch_error).
/// The cached keys, if any, stay in use.
///
/// Cheap to clone: the underlying errors are shared.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFetchError {
    /// The request failed: the issuer could not be reached, the connection
    /// broke, or the fetch timed out.
    #[error("request to {url} failed: {source}")]
    Request {
        /// The URL asked.
        url: Url,
        /// What reqwest said (without the URL).
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// The issuer answered with a status other than success.
    #[error("{url} answered {status}{}", status_hint(*status, *document))]
    Status {
        /// The URL asked.
        url: Url,
        /// The status it answered.
        status: StatusCode,
        /// What was being fetched.
        document: KeyDocument,
    },
    /// The response is larger than `max_jwks_bytes`.
    #[error("{url} sent a body over the {max} byte cap")]
    TooLarge {
        /// The URL asked.
        url: Url,
        /// The cap, in bytes.
        max: usize,
    },
    /// The discovery document is not JSON with `issuer` and `jwks_uri`.
    #[error("the discovery document is not valid: {0}")]
    InvalidDiscovery(#[source] Arc<serde_json::Error>),
    /// The discovery document names another issuer (OIDC Discovery §4.3).
    #[error("the discovery document names issuer `{found}`, not the configured `{expected}`")]
    DiscoveryIssuerMismatch {
        /// The issuer the document names, shortened and made printable.
        found: String,
        /// The configured issuer.
        expected: String,
    },
    /// The discovery document's `jwks_uri` is not a URL.
    #[error("jwks_uri is not a URL: {0}")]
    InvalidJwksUri(#[source] url::ParseError),
    /// The JWKS is not a key set, or holds no usable key.
    #[error("the JWKS is not usable: {0}")]
    InvalidJwks(#[source] JwkError),
    /// No HTTP client was configured (never happens with the builder).
    #[error("no HTTP client to fetch {0} with")]
    NoHttpClient(Url),
}

impl KeyFetchError {
    /// Whether the issuer (or the URL) is at fault in a way that retrying
    /// will not fix: a `4xx`, a bad document, no usable key. `false` for
    /// network failures and `5xx`, which may pass.
    pub fn is_permanent(&self) -> bool {
        match self {
            KeyFetchError::Request { .. } => false,
            KeyFetchError::Status { status, .. } => status.is_client_error(),
            _ => true,
        }
    }
}

fn status_hint(status: StatusCode, document: KeyDocument) -> &'static str {
    match (status.is_client_error(), document) {
        (true, KeyDocument::Jwks) => {
            "; no key set is published at this URL. If the issuer does not serve its \
             keys at <issuer>/keys, find them with OIDC discovery (`.discover()`) or give \
             the JWKS URL (`.jwks_url(..)`)"
        }
        (true, KeyDocument::Discovery) => {
            "; the issuer publishes no OIDC discovery document there. Give the JWKS URL \
             (`.jwks_url(..)`)"
        }
        (false, _) if status.is_server_error() => {
            "; the issuer is failing, the last good keys are kept"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::jwk::Algorithm;

    #[test]
    fn reasons_read_as_before() {
        // The text on the wire is fixed: clients and tests read it.
        for (reason, text) in [
            (
                TokenError::TooLarge {
                    len: 9000,
                    max: 8192,
                },
                "the token is 9000 bytes long, more than the 8192 this server accepts",
            ),
            (
                TokenError::NotBase64Url(TokenPart::Signature),
                "the token signature is not base64url without padding",
            ),
            (
                TokenError::AlgorithmNotAccepted {
                    alg: "HS256".into(),
                    accepted: vec![Algorithm::RS256, Algorithm::PS256],
                },
                "tokens signed with `HS256` are not accepted here (accepted: RS256, PS256)",
            ),
            (
                TokenError::MissingClaim { claim: "iss" },
                "the token has no `iss` (issuer) claim",
            ),
            (
                TokenError::MissingClaim { claim: "exp" },
                "the token has no `exp` (expiry) claim",
            ),
            (
                TokenError::WrongClaimType {
                    claim: "aud",
                    expected: "a string or an array of strings",
                },
                "the `aud` claim must be a string or an array of strings",
            ),
            (
                TokenError::AudienceNotAccepted {
                    accepted: vec!["a".into(), "b".into()],
                },
                "the token is for another audience; this server accepts a, b",
            ),
            (
                TokenError::Expired { ago_secs: 12 },
                "the token expired 12 s ago",
            ),
        ] {
            assert_eq!(reason.to_string(), text);
            assert_eq!(AuthError::from(reason).to_string(), text);
        }
        assert_eq!(
            AuthError::from(RequestError::EmptyBearer).to_string(),
            "the Authorization header names the Bearer scheme but carries no token"
        );
    }

    #[test]
    fn a_4xx_from_the_jwks_url_suggests_discovery() {
        let url = Url::parse("https://issuer.test/keys").unwrap();
        let not_found = KeyFetchError::Status {
            url: url.clone(),
            status: StatusCode::NOT_FOUND,
            document: KeyDocument::Jwks,
        };
        let text = not_found.to_string();
        assert!(text.starts_with("https://issuer.test/keys answered 404 Not Found"));
        assert!(text.contains("`.discover()`") && text.contains("`.jwks_url(..)`"));
        assert!(not_found.is_permanent());
        let down = KeyFetchError::Status {
            url,
            status: StatusCode::SERVICE_UNAVAILABLE,
            document: KeyDocument::Jwks,
        };
        assert!(!down.to_string().contains("discover"));
        assert!(!down.is_permanent());
    }
}
