//! Why a bearer token is not valid ([`TokenError`], `401 invalid_token`),
//! which part of it is at fault ([`TokenPart`]), and which revocation
//! covers a revoked one ([`RevokedBy`]).

use std::fmt;

use crate::jose::jwk::Algorithm;
use crate::policy::claim_requirement::ClaimMismatch;

/// One of the three parts of a compact JWS (RFC 7515 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenPart {
    /// The JOSE header.
    Header,
    /// The claims.
    Payload,
    /// The signature.
    Signature,
}

impl TokenPart {
    /// `header`, `payload` or `signature`.
    pub fn name(self) -> &'static str {
        match self {
            TokenPart::Header => "header",
            TokenPart::Payload => "payload",
            TokenPart::Signature => "signature",
        }
    }
}

impl fmt::Display for TokenPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a bearer token is not valid (`401 invalid_token`, RFC 6750 §3.1).
///
/// Strings taken from the token (an algorithm name, an issuer, a key id) are
/// shortened and made printable before they are stored here; the token
/// itself never is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is longer than the server accepts.
    #[error("the token is {len} bytes long, more than the {max} this server accepts")]
    TooLarge {
        /// The token's length in bytes.
        len: usize,
        /// The most this server accepts (`max_token_bytes`).
        max: usize,
    },
    /// Fewer than three dot-separated parts: not a compact JWS.
    #[error("the token is not a JWT: expected three dot-separated parts")]
    TooFewParts,
    /// More than three parts: a JWE (encrypted token) or garbage.
    #[error("the token has more than three parts; encrypted tokens (JWE) are not accepted")]
    TooManyParts,
    /// A part is not base64url without padding.
    #[error("the token {0} is not base64url without padding")]
    NotBase64Url(TokenPart),
    /// The header is not a JSON object of JOSE header members of the right
    /// types.
    #[error("the token header is not a valid JOSE header")]
    InvalidHeader,
    /// The payload is not a JSON object.
    #[error("the token payload is not a JSON object")]
    PayloadNotObject,
    /// The header has no `alg`.
    #[error("the token header has no `alg`")]
    NoAlgorithm,
    /// `alg: none` (any case): an unsigned token.
    #[error("unsigned tokens (`alg: none`) are never accepted")]
    Unsigned,
    /// The `alg` is not in the server's allow-list (or not an algorithm at
    /// all).
    #[error(
        "tokens signed with `{alg}` are not accepted here (accepted: {})",
        AlgorithmList(accepted)
    )]
    AlgorithmNotAccepted {
        /// The token's `alg`, shortened and made printable.
        alg: String,
        /// The algorithms this server accepts.
        accepted: Vec<Algorithm>,
    },
    /// The header marks extensions as critical (`crit`, RFC 7515 §4.1.11);
    /// scopegate understands none.
    #[error(
        "the token header marks extensions as critical (`crit`), which this server does not support"
    )]
    CriticalHeader,
    /// The `typ` is not an access token type (`JWT`, `at+jwt`).
    #[error("the token `typ` is not an access token type (expected `JWT` or `at+jwt`)")]
    WrongType,
    /// The header has no (or an empty) `kid`.
    #[error("the token header has no `kid` (key id)")]
    NoKeyId,
    /// The issuer does not publish a key with the token's `kid`.
    #[error("the token is signed with key `{kid}`, which the issuer does not publish")]
    UnknownKey {
        /// The `kid`, shortened and made printable.
        kid: String,
    },
    /// The key named by `kid` is not published for the token's `alg`.
    #[error("key `{kid}` is not published for `{alg}`")]
    KeyNotForAlgorithm {
        /// The `kid`, shortened and made printable.
        kid: String,
        /// The token's algorithm.
        alg: Algorithm,
    },
    /// The signature does not verify with the issuer's key.
    #[error("the token signature does not verify")]
    BadSignature,
    /// A claim the server requires is absent (`iss`, `exp`).
    #[error("the token has no `{claim}` ({}) claim", claim_meaning(claim))]
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type.
    #[error("the `{claim}` claim must be {expected}")]
    WrongClaimType {
        /// The claim's name.
        claim: &'static str,
        /// What it must be, in words (e.g. `a string`).
        expected: &'static str,
    },
    /// `iss` is not the issuer this server trusts.
    #[error(
        "the token was issued by `{issuer}`, not by the issuer this server trusts (`{expected}`)"
    )]
    WrongIssuer {
        /// The token's `iss`, shortened and made printable.
        issuer: String,
        /// The issuer this server trusts.
        expected: String,
    },
    /// The token has expired (`exp`, with the leeway).
    #[error("the token expired {ago_secs} s ago")]
    Expired {
        /// Seconds since `exp`.
        ago_secs: i64,
    },
    /// The token is not valid yet (`nbf`, with the leeway).
    #[error("the token is not valid for another {in_secs} s (`nbf`)")]
    NotYetValid {
        /// Seconds until `nbf`.
        in_secs: i64,
    },
    /// `iat` is in the future, beyond the leeway.
    #[error("the token claims to be issued in the future (`iat`)")]
    IssuedInFuture,
    /// The server requires an audience and the token has no `aud`.
    #[error("the token has no `aud` (audience) claim, and this server requires one")]
    AudienceMissing,
    /// The token was revoked (RFC 7009) before it expired.
    #[error("the token has been revoked")]
    Revoked(RevokedBy),
    /// None of the token's audiences is one this server accepts.
    #[error(
        "the token is for another audience; this server accepts {}",
        accepted.join(", ")
    )]
    AudienceNotAccepted {
        /// The audiences this server accepts.
        accepted: Vec<String>,
    },
    /// An authenticator that trusts several issuers does not trust the
    /// token's `iss`. Decided before any key is fetched.
    #[error("the token was issued by `{issuer}`, an issuer this server does not trust")]
    UntrustedIssuer {
        /// The token's `iss`, shortened and made printable.
        issuer: String,
    },
    /// The token's `iss` has the form of a trusted multi-tenant issuer, but
    /// names a tenant that is not on its allow-list.
    #[error("the token was issued for tenant `{tenant}`, which this server does not accept")]
    TenantNotAllowed {
        /// The tenant named in `iss`, shortened and made printable.
        tenant: String,
    },
    /// The tenant claim (Microsoft Entra ID's `tid`) of a token from a
    /// multi-tenant issuer is absent or differs from the tenant in `iss`.
    #[error("the token's `{claim}` claim does not name the tenant of its issuer (`iss`)")]
    IssuerTenantMismatch {
        /// The tenant claim.
        claim: &'static str,
    },
    /// The token fails a check its provider preset makes of every access
    /// token (Amazon Cognito's `token_use == "access"`, Microsoft Entra
    /// ID's `ver == "2.0"`): it is not an access token of that issuer.
    /// Requirements added with [`Issuer::require`](crate::Issuer::require)
    /// are [`AuthError::ClaimMismatch`](crate::AuthError::ClaimMismatch) instead (`403`).
    #[error("{0}")]
    RequirementNotMet(ClaimMismatch),
}

/// Which revocation covers a revoked token. Only for matching and logs:
/// the description sent to the client is the same for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevokedBy {
    /// The token itself, by its `jti`.
    Token,
    /// Every token of its `client_id` issued before a time.
    Client,
    /// Every token of its `sub` issued before a time.
    Subject,
}

fn claim_meaning(claim: &str) -> &'static str {
    match claim {
        "iss" => "issuer",
        "exp" => "expiry",
        "aud" => "audience",
        "nbf" => "not before",
        "iat" => "issued at",
        "sub" => "subject",
        "jti" => "token id",
        _ => "required",
    }
}

/// `RS256, PS256`.
struct AlgorithmList<'a>(&'a [Algorithm]);

impl fmt::Display for AlgorithmList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, alg) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(alg.name())?;
        }
        Ok(())
    }
}
