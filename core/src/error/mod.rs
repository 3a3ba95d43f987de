//! The reasons behind scopegate's two errors, as data to match on: why a
//! request is refused ([`AuthError`], at the crate root,
//! with [`RequestError`], [`TokenError`], [`ClaimMismatch`],
//! [`TenantMismatch`] saying exactly which rule failed) and why an
//! [`Authenticator`](crate::Authenticator) could not be built
//! ([`ConfigError`], at the root too, with
//! [`EnvValueError`], [`TenantTemplateError`], [`ClaimRequirementError`],
//! [`JwkError`]); why the issuer's keys could not be fetched
//! ([`KeyFetchError`]); and a refusal's `WWW-Authenticate` challenge as
//! typed parameters ([`Challenge`]).
//!
//! The reasons are enums in the style of jsonwebtoken's `ErrorKind`; their
//! `Display` is the `error_description` sent to the client (RFC 6750 §3).
//! What an [`AuthError`] is on the wire (status, code,
//! challenge) is defined next to it, once for every framework; the
//! revocation and metadata modules keep their own errors
//! ([`RevocationError`](crate::revocation::RevocationError),
//! [`MetadataError`](crate::resource_metadata::MetadataError)).

pub(crate) mod auth;
pub(crate) mod challenge;
pub(crate) mod config;
mod wire;

pub(crate) use self::auth::AuthError;
pub(crate) use self::config::ConfigError;

pub use self::challenge::Challenge;
pub use crate::claims::ClaimError;
pub use crate::jose::error::{RevokedBy, TokenError, TokenPart};
pub use crate::jose::jwk::{JwkError, UnsupportedAlgorithm};
pub use crate::policy::claim_requirement::{
    ClaimMismatch, ClaimMismatchKind, ClaimRequirementError,
};
pub use crate::policy::tenant::{
    MisconfigurationKind, MisconfiguredHandler, TenantMismatch, TenantMismatchKind,
};
pub use scopegate_wire::url_policy::UrlPolicyError;
use std::sync::Arc;

use reqwest::{StatusCode, Url};

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
