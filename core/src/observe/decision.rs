//! One authorization decision per request, recorded in one place: counted
//! in the metrics (feature `metrics`) and reported as an audit event.
//!
//! Nothing is recorded when nothing observes decisions (no `metrics`
//! feature, and no subscriber for [`AUDIT_TARGET`] at `INFO`): see
//! `observed`.
//!
//! Every decision is made by the pipeline (`crate::pipeline`), which
//! records it here ([`Decision::record`]) once per request (its
//! `record` module keeps which request was recorded).
//!
//! # Audit events
//!
//! Each decision is one `tracing` event at `INFO` on the target
//! [`AUDIT_TARGET`] (`scopegate::audit`), with the fields `outcome`
//! (`allowed` or the status answered), `reason` (a fixed snake-case label),
//! `issuer` (the configured issuer), `client_id` and `oid` (only from a
//! verified token; empty otherwise) and `requirement` (the requirement
//! checked, empty when only a valid token was asked for). The token, a
//! secret or key material is never a field.

use crate::claims::Claims;
use crate::error::AuthError;
use crate::observe::metrics::{IssuerMetrics, unattributed_decision};
use crate::observe::reason::Reason;
use crate::policy::requirement::Requirement;

/// The `tracing` target of audit events.
pub const AUDIT_TARGET: &str = "scopegate::audit";

/// One decision: under which issuer's metrics it counts (`None` when no
/// authenticator could be found), what was required (`None` when only a
/// valid token was asked for), the claims of a valid token, and the
/// refusal answered, if the request is refused.
#[derive(Clone, Copy)]
pub(crate) struct Decision<'a> {
    pub(crate) metrics: Option<&'a IssuerMetrics>,
    pub(crate) requirement: Option<&'a Requirement>,
    pub(crate) claims: Option<&'a Claims>,
    pub(crate) refusal: Option<&'a AuthError>,
}

impl Decision<'_> {
    /// Counts the decision and emits its audit event.
    pub(crate) fn record(self) {
        let reason = Reason::of(self.refusal);
        match (self.metrics, self.refusal) {
            (Some(metrics), _) => metrics.decision(reason),
            (None, Some(refusal)) => unattributed_decision(refusal),
            (None, None) => {}
        }
        tracing::info!(
            target: AUDIT_TARGET,
            outcome = reason.outcome(),
            reason = reason.label(),
            issuer = self.metrics.map_or("", IssuerMetrics::issuer),
            client_id = self.claims.and_then(Claims::client_id).unwrap_or(""),
            oid = self.claims.and_then(Claims::oid).unwrap_or(""),
            requirement = %OrEmpty(self.requirement),
            "authorization decision"
        );
    }
}

/// Whether anything observes decisions: the `metrics` feature, or a
/// `tracing` subscriber that takes audit events. When nothing does, a
/// decision is not recorded at all, so that it costs nothing, not even the
/// request's mark (measured: ~320 instructions of a 16 000-instruction
/// handler request, see docs/performance.md). A subscriber installed while
/// a request is in flight is seen from the next decision on, except a
/// guard's acceptance when the guard was entered before it
/// (see the pipeline's `GuardEntry`).
#[inline]
pub(crate) fn observed() -> bool {
    cfg!(feature = "metrics") || tracing::enabled!(target: AUDIT_TARGET, tracing::Level::INFO)
}

/// A requirement's `Display`, or nothing.
struct OrEmpty<'a>(Option<&'a Requirement>);

impl std::fmt::Display for OrEmpty<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(requirement) => requirement.fmt(f),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decisions are observed by the `metrics` feature, or by a subscriber
    /// that takes `INFO` on the audit target; not by one that does not.
    #[test]
    fn decisions_are_observed_by_metrics_or_an_audit_subscriber() {
        let metrics = cfg!(feature = "metrics");
        assert_eq!(observed(), metrics, "no subscriber");
        let audit = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(audit, || assert!(observed(), "an INFO subscriber"));
        let quiet = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(quiet, || {
            assert_eq!(observed(), metrics, "a WARN subscriber");
        });
    }
}
