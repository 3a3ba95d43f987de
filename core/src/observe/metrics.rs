//! The metrics of one issuer, through the [`metrics`](https://docs.rs/metrics)
//! facade (feature `metrics`; the application installs the exporter it
//! wants). Without the feature every method here is empty and inlined away.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `scopegate_decisions_total` | counter | `outcome`, `reason`, `issuer` |
//! | `scopegate_jwks_fetches_total` | counter | `outcome`, `issuer` |
//! | `scopegate_jwks_fetch_duration_seconds` | histogram | `issuer` |
//! | `scopegate_key_cache_lookups_total` | counter | `result` (`hit`, `miss`), `issuer` |
//! | `scopegate_token_cache_lookups_total` | counter | `result` (`hit`, `miss`), `issuer` |
//! | `scopegate_validation_duration_seconds` | histogram | `issuer` |
//!
//! Every label value comes from a fixed set (see the `reason` module) or
//! from the configured issuer, never from a request. Handles are registered
//! with the global recorder on first use and kept, so a counted event costs
//! one atomic load and the recorder's increment: install the recorder before
//! the first request.

use std::sync::Arc;

use crate::error::{AuthError, KeyFetchError};
use crate::observe::reason::Reason;

/// The metric names, as exported.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) mod names {
    pub(crate) const DECISIONS: &str = "scopegate_decisions_total";
    pub(crate) const JWKS_FETCHES: &str = "scopegate_jwks_fetches_total";
    pub(crate) const JWKS_FETCH_SECONDS: &str = "scopegate_jwks_fetch_duration_seconds";
    pub(crate) const KEY_CACHE: &str = "scopegate_key_cache_lookups_total";
    pub(crate) const TOKEN_CACHE: &str = "scopegate_token_cache_lookups_total";
    pub(crate) const VALIDATION_SECONDS: &str = "scopegate_validation_duration_seconds";
}

/// The metrics of one configured issuer, and its name for audit events.
///
/// The one place the `issuer` label is set: an authenticator that trusts
/// several issuers holds one of these per issuer.
#[derive(Clone)]
pub(crate) struct IssuerMetrics {
    issuer: Arc<str>,
    #[cfg(feature = "metrics")]
    handles: Arc<on::Handles>,
}

impl std::fmt::Debug for IssuerMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerMetrics")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl IssuerMetrics {
    /// The metrics of the configured `issuer` (the exact `iss` it is
    /// trusted for: a bounded label, set by the operator).
    pub(crate) fn new(issuer: &str) -> Self {
        IssuerMetrics {
            issuer: issuer.into(),
            #[cfg(feature = "metrics")]
            handles: Arc::default(),
        }
    }

    /// The configured issuer.
    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Counts a decision.
    #[inline]
    pub(crate) fn decision(&self, reason: Reason) {
        #[cfg(feature = "metrics")]
        self.handles.decision(&self.issuer, reason);
        #[cfg(not(feature = "metrics"))]
        let _ = reason;
    }

    /// Counts a lookup in the verified-token caches.
    #[inline]
    pub(crate) fn token_cache(&self, hit: bool) {
        self.lookup(Cache::Token, hit);
    }

    /// Counts a lookup of a key by id.
    #[inline]
    pub(crate) fn key_cache(&self, hit: bool) {
        self.lookup(Cache::Key, hit);
    }

    #[inline]
    fn lookup(&self, cache: Cache, hit: bool) {
        #[cfg(feature = "metrics")]
        self.handles.lookup(&self.issuer, cache, hit);
        #[cfg(not(feature = "metrics"))]
        let _ = (cache, hit);
    }

    /// Starts timing a full verification (signature and claims); the time
    /// is recorded when the returned guard drops.
    #[inline]
    pub(crate) fn time_validation(&self) -> ValidationTimer<'_> {
        ValidationTimer {
            #[cfg(feature = "metrics")]
            metrics: self,
            #[cfg(feature = "metrics")]
            started: std::time::Instant::now(),
            #[cfg(not(feature = "metrics"))]
            _metrics: std::marker::PhantomData,
        }
    }

    /// Starts timing a fetch of the key set; see
    /// [`fetch_finished`](Self::fetch_finished).
    #[inline]
    pub(crate) fn fetch_started(&self) -> FetchTimer {
        FetchTimer {
            #[cfg(feature = "metrics")]
            started: std::time::Instant::now(),
        }
    }

    /// Counts a fetch of the key set by outcome and records its duration.
    #[inline]
    pub(crate) fn fetch_finished(&self, timer: FetchTimer, error: Option<&KeyFetchError>) {
        #[cfg(feature = "metrics")]
        self.handles
            .fetch(&self.issuer, timer.started.elapsed(), error);
        #[cfg(not(feature = "metrics"))]
        let _ = (timer, error);
    }
}

/// The caches whose lookups are counted.
#[derive(Clone, Copy)]
enum Cache {
    Token,
    Key,
}

/// Counts a decision made without any issuer: no authenticator is
/// registered (`500`).
#[inline]
pub(crate) fn unattributed_decision(refusal: &AuthError) {
    #[cfg(feature = "metrics")]
    {
        let reason = Reason::of(Some(refusal));
        on::describe();
        ::metrics::counter!(
            names::DECISIONS,
            "outcome" => reason.outcome(),
            "reason" => reason.label(),
            "issuer" => "",
        )
        .increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = refusal;
}

/// Times a full verification; records it when dropped.
pub(crate) struct ValidationTimer<'a> {
    #[cfg(feature = "metrics")]
    metrics: &'a IssuerMetrics,
    #[cfg(feature = "metrics")]
    started: std::time::Instant,
    #[cfg(not(feature = "metrics"))]
    _metrics: std::marker::PhantomData<&'a ()>,
}

#[cfg(feature = "metrics")]
impl Drop for ValidationTimer<'_> {
    fn drop(&mut self) {
        self.metrics
            .handles
            .validation(&self.metrics.issuer, self.started.elapsed());
    }
}

/// When a fetch of the key set started.
pub(crate) struct FetchTimer {
    #[cfg(feature = "metrics")]
    started: std::time::Instant,
}

#[cfg(feature = "metrics")]
mod on {
    use std::sync::{Once, OnceLock};
    use std::time::Duration;

    use ::metrics::{Counter, Histogram, Unit, counter, histogram};

    use super::{Cache, names};
    use crate::error::KeyFetchError;
    use crate::observe::reason::{FETCH_OUTCOMES, Reason, fetch_outcome};

    /// The registered handles, each filled on first use.
    pub(super) struct Handles {
        decisions: [OnceLock<Counter>; Reason::COUNT],
        token_cache: [OnceLock<Counter>; 2],
        key_cache: [OnceLock<Counter>; 2],
        fetches: [OnceLock<Counter>; FETCH_OUTCOMES],
        fetch_seconds: OnceLock<Histogram>,
        validation_seconds: OnceLock<Histogram>,
    }

    impl Default for Handles {
        fn default() -> Self {
            Handles {
                decisions: [const { OnceLock::new() }; Reason::COUNT],
                token_cache: [const { OnceLock::new() }; 2],
                key_cache: [const { OnceLock::new() }; 2],
                fetches: [const { OnceLock::new() }; FETCH_OUTCOMES],
                fetch_seconds: OnceLock::new(),
                validation_seconds: OnceLock::new(),
            }
        }
    }

    /// Describes every metric to the recorder, once per process.
    pub(super) fn describe() {
        static DESCRIBED: Once = Once::new();
        DESCRIBED.call_once(|| {
            ::metrics::describe_counter!(
                names::DECISIONS,
                "Authorization decisions, by outcome (allowed or the status answered) and reason"
            );
            ::metrics::describe_counter!(
                names::JWKS_FETCHES,
                "Fetches of the issuer's key set, by outcome"
            );
            ::metrics::describe_histogram!(
                names::JWKS_FETCH_SECONDS,
                Unit::Seconds,
                "How long a fetch of the issuer's key set took"
            );
            ::metrics::describe_counter!(
                names::KEY_CACHE,
                "Lookups of a signing key by id in the key cache, by result"
            );
            ::metrics::describe_counter!(
                names::TOKEN_CACHE,
                "Lookups of a bearer token in the verified-token caches, by result"
            );
            ::metrics::describe_histogram!(
                names::VALIDATION_SECONDS,
                Unit::Seconds,
                "How long the full verification of a token (signature and claims) took"
            );
        });
    }

    impl Handles {
        pub(super) fn decision(&self, issuer: &str, reason: Reason) {
            self.decisions[reason.index()]
                .get_or_init(|| {
                    describe();
                    counter!(
                        names::DECISIONS,
                        "outcome" => reason.outcome(),
                        "reason" => reason.label(),
                        "issuer" => issuer.to_owned(),
                    )
                })
                .increment(1);
        }

        pub(super) fn lookup(&self, issuer: &str, cache: Cache, hit: bool) {
            let (cells, name) = match cache {
                Cache::Token => (&self.token_cache, names::TOKEN_CACHE),
                Cache::Key => (&self.key_cache, names::KEY_CACHE),
            };
            cells[usize::from(hit)]
                .get_or_init(|| {
                    describe();
                    let result = if hit { "hit" } else { "miss" };
                    counter!(name, "result" => result, "issuer" => issuer.to_owned())
                })
                .increment(1);
        }

        pub(super) fn fetch(&self, issuer: &str, took: Duration, error: Option<&KeyFetchError>) {
            let (index, outcome) = fetch_outcome(error);
            self.fetches[index]
                .get_or_init(|| {
                    describe();
                    counter!(names::JWKS_FETCHES, "outcome" => outcome, "issuer" => issuer.to_owned())
                })
                .increment(1);
            self.fetch_seconds
                .get_or_init(
                    || histogram!(names::JWKS_FETCH_SECONDS, "issuer" => issuer.to_owned()),
                )
                .record(took.as_secs_f64());
        }

        pub(super) fn validation(&self, issuer: &str, took: Duration) {
            self.validation_seconds
                .get_or_init(|| {
                    describe();
                    histogram!(names::VALIDATION_SECONDS, "issuer" => issuer.to_owned())
                })
                .record(took.as_secs_f64());
        }
    }
}
