//! The writing side of revocation: [`RevocationStore`], which an
//! authorization server (or an admin tool) publishes [`Revocation`]s to,
//! and its error.

use futures_util::future::BoxFuture;

use super::rules::{InvalidIssuer, Revocation, check_issuer};

/// Where revocations are published, for every replica's mirror to pick up.
///
/// Implemented by [`MemoryRevocations`](crate::revocation::MemoryRevocations) (one
/// process) and, with the cargo feature `redis`, by `RedisRevocations`
/// (every replica that shares the Redis server). The dev issuer of
/// `scopegate-dev` publishes to one from its RFC 7009 revocation endpoint.
pub trait RevocationStore: Send + Sync + 'static {
    /// Publishes `revocation`. Once this returns `Ok`, the store holds it
    /// until it expires; the mirrors of other processes pick it up within
    /// their propagation delay (see the store's docs).
    fn revoke(&self, revocation: Revocation) -> BoxFuture<'_, Result<(), RevocationError>>;
}

/// Why a revocation could not be published, or a store not started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The revocation names an empty `jti`, `client_id` or `sub`.
    #[error("a revocation must name a non-empty id")]
    EmptyId,
    /// The issuer a revocation is scoped to
    /// ([`Revocation::issued_by`]) can be no token's `iss`, so the rule
    /// would silently cover nothing.
    #[error("a revocation's issuer {0}")]
    InvalidIssuer(InvalidIssuer),
    /// The store's backend failed (Redis unreachable, refused the command).
    #[error("the revocation store failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store's URL is not usable.
    #[error("the revocation store's URL is not usable: {0}")]
    InvalidUrl(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A setting of the store is out of range.
    #[error("{setting} {limit}")]
    InvalidSetting {
        /// The builder method of the setting.
        setting: &'static str,
        /// The rule it breaks, in words.
        limit: &'static str,
    },
    /// The store did not complete its first full sync in time.
    #[error("the revocation store was not synchronised within {secs} s")]
    NotSynchronised {
        /// How long was waited, in seconds.
        secs: u64,
    },
}

/// Refuses a revocation with an empty id, or scoped to an issuer that no
/// token can carry.
pub(crate) fn check_id(revocation: &Revocation) -> Result<(), RevocationError> {
    if revocation.id().is_empty() {
        return Err(RevocationError::EmptyId);
    }
    if let Some(issuer) = revocation.issuer() {
        check_issuer(issuer).map_err(RevocationError::InvalidIssuer)?;
    }
    Ok(())
}
