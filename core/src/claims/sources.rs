//! Where a token's granted scopes and its client id are read from:
//! [`ScopeSource`] and [`ClientIdClaim`], set per trusted issuer. A leaf
//! module: the validator and the settings read it, it reads nothing.

use std::fmt;

/// A claim that carries granted scopes, in the shape a provider writes it.
///
/// Each trusted issuer reads a list of these (by default `scopes` then
/// `scope`, Scalekit's and RFC 9068's). A configured source holding the
/// wrong JSON type makes the token invalid; when several configured
/// sources are present, a scope is granted only if every present source
/// lists it (see [`Claims`](crate::Claims#granted-scopes)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScopeSource {
    /// `scope`: one string of space-separated scopes (RFC 9068 §2.2.3,
    /// RFC 8693 §4.2; Auth0, Keycloak, Amazon Cognito).
    Scope,
    /// `scopes`: an array of strings (Scalekit).
    Scopes,
    /// `scp`: a space-separated string (Microsoft Entra ID delegated
    /// permissions) or an array of strings (Okta).
    Scp,
    /// `roles`: an array of strings (Microsoft Entra ID application
    /// permissions, granted to a client-credentials caller).
    Roles,
    /// `permissions`: an array of strings (Auth0 with role-based access
    /// control and "Add Permissions in the Access Token").
    Permissions,
}

impl ScopeSource {
    /// The claim's name.
    pub const fn claim(self) -> &'static str {
        match self {
            ScopeSource::Scope => "scope",
            ScopeSource::Scopes => "scopes",
            ScopeSource::Scp => "scp",
            ScopeSource::Roles => "roles",
            ScopeSource::Permissions => "permissions",
        }
    }

    /// What the claim must be, in words, for
    /// [`TokenError::WrongClaimType`](crate::error::TokenError::WrongClaimType).
    pub(crate) const fn expected(self) -> &'static str {
        match self {
            ScopeSource::Scope => "a space-separated string",
            ScopeSource::Scp => "a space-separated string or an array of strings",
            ScopeSource::Scopes | ScopeSource::Roles | ScopeSource::Permissions => {
                "an array of strings"
            }
        }
    }

    /// Today's sources, and the default of every issuer: Scalekit's
    /// `scopes` array, then the RFC 9068 `scope` string.
    pub const DEFAULT: [ScopeSource; 2] = [ScopeSource::Scopes, ScopeSource::Scope];
}

impl fmt::Display for ScopeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.claim())
    }
}

/// A claim that names the OAuth client a token was issued to, read by
/// [`Claims::client_id`](crate::Claims::client_id): the first configured
/// one present in the token wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientIdClaim {
    /// `client_id` (RFC 9068 §2.2; Scalekit, Amazon Cognito, Keycloak
    /// service accounts, Auth0's RFC 9068 profile).
    ClientId,
    /// `azp`, the authorized party (Auth0's default profile, Microsoft
    /// Entra ID v2.0 tokens, Keycloak).
    Azp,
    /// `cid` (Okta).
    Cid,
    /// `appid` (Microsoft Entra ID v1.0 tokens).
    Appid,
}

impl ClientIdClaim {
    /// The claim's name.
    pub const fn claim(self) -> &'static str {
        match self {
            ClientIdClaim::ClientId => "client_id",
            ClientIdClaim::Azp => "azp",
            ClientIdClaim::Cid => "cid",
            ClientIdClaim::Appid => "appid",
        }
    }

    /// The default of every issuer: `client_id` only.
    pub const DEFAULT: [ClientIdClaim; 1] = [ClientIdClaim::ClientId];
}

impl fmt::Display for ClientIdClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.claim())
    }
}
