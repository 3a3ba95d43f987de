//! [`MemoryRevocations`]: revocations held in one process.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt, ready};
use scopegate_wire::clock::unix_now;

use super::mirror::Mirror;
use super::rules::{DEFAULT_MAX_TOKEN_LIFETIME, Revocation};
use super::store::{RevocationError, RevocationStore, check_id};
use super::{RevocationCheck, Verdict};
use crate::claims::Claims;

/// Revocations held in this process's memory: a [`RevocationStore`] to
/// revoke through and a [`RevocationCheck`] for the authenticator, in one
/// handle. Cheap to clone: clones share the rules.
///
/// For one process (or tests). APIs served by several replicas share
/// their revocations through Redis instead (cargo feature `redis`,
/// `RedisRevocations`).
///
/// ```
/// use scopegate::{Authenticator, revocation::{MemoryRevocations, Revocation, RevocationMode}};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let revocations = MemoryRevocations::new();
/// let auth = Authenticator::builder("https://acme.scalekit.dev")
///     .revocation(revocations.clone(), RevocationMode::OptIn)
///     .build()?;
/// revocations.revoke_now(Revocation::token("tkn_123", 1_900_000_000))?;
/// # let _ = auth; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MemoryRevocations {
    mirror: Arc<Mirror>,
}

impl Default for MemoryRevocations {
    fn default() -> Self {
        MemoryRevocations::new()
    }
}

impl MemoryRevocations {
    /// An empty store, for tokens that live at most 24 hours
    /// ([`DEFAULT_MAX_TOKEN_LIFETIME`](crate::revocation::DEFAULT_MAX_TOKEN_LIFETIME)).
    pub fn new() -> Self {
        MemoryRevocations::with_max_token_lifetime(DEFAULT_MAX_TOKEN_LIFETIME)
    }

    /// An empty store for an issuer whose tokens live at most
    /// `max_token_lifetime` (`exp - iat`): how long a client or subject
    /// rule is kept. Set it to at least the issuer's longest lifetime.
    pub fn with_max_token_lifetime(max_token_lifetime: Duration) -> Self {
        MemoryRevocations {
            mirror: Arc::new(Mirror::in_sync(max_token_lifetime)),
        }
    }

    /// Revokes at once (what [`RevocationStore::revoke`] does, without a
    /// future).
    pub fn revoke_now(&self, revocation: Revocation) -> Result<(), RevocationError> {
        check_id(&revocation)?;
        self.mirror.apply(&revocation, unix_now());
        Ok(())
    }

    /// Forgets the rules that can no longer cover a valid token. Also done
    /// on every revocation.
    pub fn purge_expired(&self) {
        self.mirror.purge(unix_now());
    }

    /// How many rules are held.
    pub fn len(&self) -> usize {
        self.mirror.len()
    }

    /// Whether no rule is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RevocationStore for MemoryRevocations {
    fn revoke(&self, revocation: Revocation) -> BoxFuture<'_, Result<(), RevocationError>> {
        ready(self.revoke_now(revocation)).boxed()
    }
}

impl RevocationCheck for MemoryRevocations {
    fn check(&self, claims: &Claims) -> Verdict {
        self.mirror.verdict(claims)
    }
}
