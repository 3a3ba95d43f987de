//! [`Mirror`]: the rules a process checks tokens against, and whether they
//! may still be trusted. The in-memory store is a mirror that is always in
//! sync; the Redis store feeds one from pub/sub and full resyncs, and marks
//! it out of sync while Redis cannot be reached.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Verdict;
use super::rules::{Revocation, RuleSet};
use crate::claims::Claims;

/// While in sync, the value of `fail_closed_at`.
const IN_SYNC: i64 = i64::MAX;

/// The local rules and their health. (Without the feature `redis`, only
/// the in-memory store uses it, and never out of sync.)
#[derive(Debug)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) struct Mirror {
    rules: RwLock<RuleSet>,
    max_token_lifetime: i64,
    /// Milliseconds since the Unix epoch from which checks fail closed;
    /// [`IN_SYNC`] while the rules are known to be current.
    fail_closed_at: AtomicI64,
    /// How long a mirror out of sync keeps serving.
    grace: Duration,
    /// The `Retry-After` of a check that fails closed.
    retry_after: Duration,
}

fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg_attr(not(feature = "redis"), allow(dead_code))]
impl Mirror {
    /// A mirror in sync from the start (the in-memory store).
    pub(crate) fn in_sync(max_token_lifetime: Duration) -> Self {
        Mirror::new(
            max_token_lifetime,
            Duration::ZERO,
            Duration::from_secs(1),
            IN_SYNC,
        )
    }

    /// A mirror that fails closed until its first full sync.
    pub(crate) fn unsynced(
        max_token_lifetime: Duration,
        grace: Duration,
        retry_after: Duration,
    ) -> Self {
        Mirror::new(max_token_lifetime, grace, retry_after, 0)
    }

    fn new(
        max_token_lifetime: Duration,
        grace: Duration,
        retry_after: Duration,
        fail_closed_at: i64,
    ) -> Self {
        Mirror {
            rules: RwLock::new(RuleSet::default()),
            max_token_lifetime: i64::try_from(max_token_lifetime.as_secs()).unwrap_or(i64::MAX),
            fail_closed_at: AtomicI64::new(fail_closed_at),
            grace,
            retry_after,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, RuleSet> {
        // Every write leaves the set consistent: a panic elsewhere does not
        // make it unusable.
        self.rules.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, RuleSet> {
        self.rules.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The verdict on a token with these claims. Allocates nothing; reads
    /// the clock only while out of sync.
    pub(crate) fn verdict(&self, claims: &Claims) -> Verdict {
        let fail_closed_at = self.fail_closed_at.load(Ordering::Acquire);
        if fail_closed_at != IN_SYNC && unix_millis() >= fail_closed_at {
            return Verdict::Unavailable {
                retry_after: self.retry_after,
            };
        }
        if let Some(by) = self.read().covering(claims) {
            return Verdict::Revoked(by);
        }
        if claims.jti().is_none() {
            return Verdict::NoTokenId;
        }
        Verdict::Valid
    }

    /// The issuer's longest token lifetime, in seconds.
    pub(crate) fn max_token_lifetime(&self) -> i64 {
        self.max_token_lifetime
    }

    /// Adds one rule (and forgets the expired ones).
    pub(crate) fn apply(&self, rule: &Revocation, now: i64) {
        let mut rules = self.write();
        rules.purge(now);
        rules.apply(rule, self.max_token_lifetime, now);
    }

    /// Adds many rules at once (a full resync).
    pub(crate) fn apply_all<'a>(&self, all: impl IntoIterator<Item = &'a Revocation>, now: i64) {
        let mut rules = self.write();
        rules.purge(now);
        for rule in all {
            rules.apply(rule, self.max_token_lifetime, now);
        }
    }

    /// Forgets the expired rules.
    pub(crate) fn purge(&self, now: i64) {
        self.write().purge(now);
    }

    /// How many rules are held.
    pub(crate) fn len(&self) -> usize {
        self.read().len()
    }

    /// The rules are current: checks trust them again.
    pub(crate) fn mark_in_sync(&self) {
        self.fail_closed_at.store(IN_SYNC, Ordering::Release);
    }

    /// The store was lost: checks keep trusting the rules for the grace
    /// time from now, then fail closed. A mirror already out of sync keeps
    /// its first deadline.
    pub(crate) fn mark_out_of_sync(&self) {
        let deadline = unix_millis().saturating_add(millis(self.grace));
        let _ = self.fail_closed_at.compare_exchange(
            IN_SYNC,
            deadline,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// Whether checks trust the rules now.
    pub(crate) fn is_in_sync(&self) -> bool {
        self.fail_closed_at.load(Ordering::Acquire) == IN_SYNC
    }
}
