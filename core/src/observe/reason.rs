//! The fixed labels of decisions and key fetches: every [`AuthError`] and
//! [`KeyFetchError`] variant mapped to one `&'static str`, so that metrics
//! and audit events name a bounded set of values and never carry text taken
//! from a request (a token, a `kid`, an issuer claimed by a token).
//!
//! A leaf module: `metrics` counts by these, `decision` reports them.

use crate::error::{AuthError, KeyFetchError, RequestError, TokenError};

/// Why a request was allowed or refused, as a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Allowed,
    MissingToken,
    TokenInUri,
    MultipleAuthorizationHeaders,
    NotVisibleAscii,
    EmptyBearer,
    MultipleCredentials,
    NotB64Token,
    TooLarge,
    TooFewParts,
    TooManyParts,
    NotBase64Url,
    InvalidHeader,
    PayloadNotObject,
    NoAlgorithm,
    Unsigned,
    AlgorithmNotAccepted,
    CriticalHeader,
    WrongType,
    NoKeyId,
    UnknownKey,
    KeyNotForAlgorithm,
    BadSignature,
    MissingClaim,
    WrongClaimType,
    WrongIssuer,
    Expired,
    NotYetValid,
    IssuedInFuture,
    AudienceMissing,
    AudienceNotAccepted,
    UntrustedIssuer,
    TenantNotAllowed,
    IssuerTenantMismatch,
    IssuerRequirementNotMet,
    Revoked,
    InsufficientScope,
    ClaimMismatch,
    TenantMismatch,
    KeysUnavailable,
    RevocationUnavailable,
    HandlerMisconfigured,
    Misconfigured,
}

impl Reason {
    /// How many reasons there are: the size of a table indexed by
    /// [`index`](Self::index).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) const COUNT: usize = Reason::Misconfigured as usize + 1;

    /// The reason of a decision: [`Reason::Allowed`] without a refusal.
    pub(crate) fn of(refusal: Option<&AuthError>) -> Reason {
        match refusal {
            None => Reason::Allowed,
            Some(AuthError::MissingToken) => Reason::MissingToken,
            Some(AuthError::InvalidRequest(reason)) => Reason::of_request(*reason),
            Some(AuthError::InvalidToken(reason)) => Reason::of_token(reason),
            Some(AuthError::InsufficientScope { .. }) => Reason::InsufficientScope,
            Some(AuthError::ClaimMismatch(_)) => Reason::ClaimMismatch,
            Some(AuthError::TenantMismatch(_)) => Reason::TenantMismatch,
            Some(AuthError::HandlerMisconfigured(_)) => Reason::HandlerMisconfigured,
            Some(AuthError::KeysUnavailable { .. }) => Reason::KeysUnavailable,
            Some(AuthError::RevocationUnavailable { .. }) => Reason::RevocationUnavailable,
            Some(AuthError::Misconfigured) => Reason::Misconfigured,
        }
    }

    fn of_request(reason: RequestError) -> Reason {
        match reason {
            RequestError::TokenInUri => Reason::TokenInUri,
            RequestError::MultipleAuthorizationHeaders => Reason::MultipleAuthorizationHeaders,
            RequestError::NotVisibleAscii => Reason::NotVisibleAscii,
            RequestError::EmptyBearer => Reason::EmptyBearer,
            RequestError::MultipleCredentials => Reason::MultipleCredentials,
            RequestError::NotB64Token => Reason::NotB64Token,
        }
    }

    fn of_token(reason: &TokenError) -> Reason {
        match reason {
            TokenError::TooLarge { .. } => Reason::TooLarge,
            TokenError::TooFewParts => Reason::TooFewParts,
            TokenError::TooManyParts => Reason::TooManyParts,
            TokenError::NotBase64Url(_) => Reason::NotBase64Url,
            TokenError::InvalidHeader => Reason::InvalidHeader,
            TokenError::PayloadNotObject => Reason::PayloadNotObject,
            TokenError::NoAlgorithm => Reason::NoAlgorithm,
            TokenError::Unsigned => Reason::Unsigned,
            TokenError::AlgorithmNotAccepted { .. } => Reason::AlgorithmNotAccepted,
            TokenError::CriticalHeader => Reason::CriticalHeader,
            TokenError::WrongType => Reason::WrongType,
            TokenError::NoKeyId => Reason::NoKeyId,
            TokenError::UnknownKey { .. } => Reason::UnknownKey,
            TokenError::KeyNotForAlgorithm { .. } => Reason::KeyNotForAlgorithm,
            TokenError::BadSignature => Reason::BadSignature,
            TokenError::MissingClaim { .. } => Reason::MissingClaim,
            TokenError::WrongClaimType { .. } => Reason::WrongClaimType,
            TokenError::WrongIssuer { .. } => Reason::WrongIssuer,
            TokenError::Expired { .. } => Reason::Expired,
            TokenError::NotYetValid { .. } => Reason::NotYetValid,
            TokenError::IssuedInFuture => Reason::IssuedInFuture,
            TokenError::AudienceMissing => Reason::AudienceMissing,
            TokenError::AudienceNotAccepted { .. } => Reason::AudienceNotAccepted,
            TokenError::UntrustedIssuer { .. } => Reason::UntrustedIssuer,
            TokenError::TenantNotAllowed { .. } => Reason::TenantNotAllowed,
            TokenError::IssuerTenantMismatch { .. } => Reason::IssuerTenantMismatch,
            TokenError::RequirementNotMet(_) => Reason::IssuerRequirementNotMet,
            TokenError::Revoked(_) => Reason::Revoked,
        }
    }

    /// The position of this reason in a table of [`COUNT`](Self::COUNT).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The decision's outcome: `allowed`, or the status code answered.
    pub(crate) fn outcome(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::TokenInUri
            | Reason::MultipleAuthorizationHeaders
            | Reason::NotVisibleAscii
            | Reason::EmptyBearer
            | Reason::MultipleCredentials
            | Reason::NotB64Token => "400",
            Reason::InsufficientScope | Reason::ClaimMismatch | Reason::TenantMismatch => "403",
            Reason::KeysUnavailable | Reason::RevocationUnavailable => "503",
            Reason::Misconfigured | Reason::HandlerMisconfigured => "500",
            _ => "401",
        }
    }

    /// The reason, in snake case.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::MissingToken => "missing_token",
            Reason::TokenInUri => "token_in_uri",
            Reason::MultipleAuthorizationHeaders => "multiple_authorization_headers",
            Reason::NotVisibleAscii => "not_visible_ascii",
            Reason::EmptyBearer => "empty_bearer",
            Reason::MultipleCredentials => "multiple_credentials",
            Reason::NotB64Token => "not_b64token",
            Reason::TooLarge => "too_large",
            Reason::TooFewParts => "too_few_parts",
            Reason::TooManyParts => "too_many_parts",
            Reason::NotBase64Url => "not_base64url",
            Reason::InvalidHeader => "invalid_header",
            Reason::PayloadNotObject => "payload_not_object",
            Reason::NoAlgorithm => "no_algorithm",
            Reason::Unsigned => "unsigned",
            Reason::AlgorithmNotAccepted => "algorithm_not_accepted",
            Reason::CriticalHeader => "critical_header",
            Reason::WrongType => "wrong_type",
            Reason::NoKeyId => "no_key_id",
            Reason::UnknownKey => "unknown_key",
            Reason::KeyNotForAlgorithm => "key_not_for_algorithm",
            Reason::BadSignature => "bad_signature",
            Reason::MissingClaim => "missing_claim",
            Reason::WrongClaimType => "wrong_claim_type",
            Reason::WrongIssuer => "wrong_issuer",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::IssuedInFuture => "issued_in_future",
            Reason::AudienceMissing => "audience_missing",
            Reason::AudienceNotAccepted => "audience_not_accepted",
            Reason::UntrustedIssuer => "untrusted_issuer",
            Reason::TenantNotAllowed => "tenant_not_allowed",
            Reason::IssuerTenantMismatch => "issuer_tenant_mismatch",
            Reason::IssuerRequirementNotMet => "issuer_requirement_not_met",
            Reason::Revoked => "revoked",
            Reason::InsufficientScope => "insufficient_scope",
            Reason::ClaimMismatch => "claim_mismatch",
            Reason::TenantMismatch => "tenant_mismatch",
            Reason::KeysUnavailable => "keys_unavailable",
            Reason::RevocationUnavailable => "revocation_unavailable",
            Reason::HandlerMisconfigured => "handler_misconfigured",
            Reason::Misconfigured => "misconfigured",
        }
    }
}

/// How a fetch of the issuer's keys ended, as a metric label: `ok`, or why
/// it failed.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) fn fetch_outcome(result: Option<&KeyFetchError>) -> (usize, &'static str) {
    match result {
        None => (0, "ok"),
        Some(KeyFetchError::Request { .. }) => (1, "request_failed"),
        Some(KeyFetchError::Status { .. }) => (2, "error_status"),
        Some(KeyFetchError::TooLarge { .. }) => (3, "too_large"),
        Some(KeyFetchError::InvalidDiscovery(_)) => (4, "invalid_discovery"),
        Some(KeyFetchError::DiscoveryIssuerMismatch { .. }) => (5, "discovery_issuer_mismatch"),
        Some(KeyFetchError::InvalidJwksUri(_)) => (6, "invalid_jwks_uri"),
        Some(KeyFetchError::InvalidJwks(_)) => (7, "invalid_jwks"),
        Some(KeyFetchError::NoHttpClient(_)) => (8, "no_http_client"),
    }
}

/// How many values [`fetch_outcome`] has.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) const FETCH_OUTCOMES: usize = 9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_label_and_a_known_outcome() {
        let all = ALL;
        let mut labels: Vec<_> = all.iter().map(|r| r.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Reason::COUNT);
        for (i, reason) in all.iter().enumerate() {
            assert_eq!(reason.index(), i);
            assert!(["allowed", "400", "401", "403", "500", "503"].contains(&reason.outcome()));
        }
        assert_eq!(Reason::of(None).outcome(), "allowed");
        assert_eq!(Reason::of(Some(&AuthError::MissingToken)).outcome(), "401");
        assert_eq!(
            Reason::of(Some(&RequestError::EmptyBearer.into())).label(),
            "empty_bearer"
        );
        assert_eq!(
            Reason::of(Some(&RequestError::EmptyBearer.into())).outcome(),
            "400"
        );
        assert_eq!(
            Reason::of(Some(&TokenError::Expired { ago_secs: 3 }.into())).label(),
            "expired"
        );
        assert_eq!(Reason::of(Some(&AuthError::Misconfigured)).outcome(), "500");
    }

    const ALL: [Reason; Reason::COUNT] = [
        Reason::Allowed,
        Reason::MissingToken,
        Reason::TokenInUri,
        Reason::MultipleAuthorizationHeaders,
        Reason::NotVisibleAscii,
        Reason::EmptyBearer,
        Reason::MultipleCredentials,
        Reason::NotB64Token,
        Reason::TooLarge,
        Reason::TooFewParts,
        Reason::TooManyParts,
        Reason::NotBase64Url,
        Reason::InvalidHeader,
        Reason::PayloadNotObject,
        Reason::NoAlgorithm,
        Reason::Unsigned,
        Reason::AlgorithmNotAccepted,
        Reason::CriticalHeader,
        Reason::WrongType,
        Reason::NoKeyId,
        Reason::UnknownKey,
        Reason::KeyNotForAlgorithm,
        Reason::BadSignature,
        Reason::MissingClaim,
        Reason::WrongClaimType,
        Reason::WrongIssuer,
        Reason::Expired,
        Reason::NotYetValid,
        Reason::IssuedInFuture,
        Reason::AudienceMissing,
        Reason::AudienceNotAccepted,
        Reason::UntrustedIssuer,
        Reason::TenantNotAllowed,
        Reason::IssuerTenantMismatch,
        Reason::IssuerRequirementNotMet,
        Reason::Revoked,
        Reason::InsufficientScope,
        Reason::ClaimMismatch,
        Reason::TenantMismatch,
        Reason::KeysUnavailable,
        Reason::RevocationUnavailable,
        Reason::HandlerMisconfigured,
        Reason::Misconfigured,
    ];
}
