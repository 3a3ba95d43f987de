//! [`ConfigError`]: why an [`Authenticator`](crate::Authenticator) could
//! not be built.

use scopegate_wire::url_policy::UrlPolicyError;

use super::{EnvValueError, TenantTemplateError};
use crate::jose::jwk::JwkError;
use crate::policy::claim_requirement::ClaimRequirementError;

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
