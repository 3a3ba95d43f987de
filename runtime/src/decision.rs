//! One authorization decision per request, recorded in one place: counted
//! in the metrics (feature `metrics`) and reported as an audit event.
//!
//! Nothing is recorded when nothing observes decisions (no `metrics`
//! feature, and no subscriber for [`AUDIT_TARGET`] at `INFO`): see
//! `observed`.
//!
//! Every path that decides calls [`settle`]: the `#[require_scopes]`
//! extractor, the [`Claims`] extractor,
//! [`Authenticator::authenticate`](crate::Authenticator::authenticate) and
//! [`authorize`](crate::Authenticator::authorize), and the
//! [`ScopeGuard`](crate::ScopeGuard) middleware. A request can pass several
//! of them (a guard around a handler that also takes `Claims`), so the
//! request's extensions remember that its decision was recorded, and later
//! calls for the same request record nothing. A guard [`defer`]s: inside
//! it, a refusal is recorded at once and an acceptance is held until the
//! wrapped service has answered ([`close`]), so that a handler's refusal
//! behind an accepting guard is the one decision recorded.
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

use actix_web::{HttpMessage, HttpRequest};

use crate::claims::Claims;
use crate::errors::AuthError;
use crate::metrics::{IssuerMetrics, unattributed_decision};
use crate::reason::Reason;
use crate::requirement::Requirement;

/// The `tracing` target of audit events.
pub const AUDIT_TARGET: &str = "scopegate::audit";

/// In a request's extensions once its decision is recorded: later calls for
/// the request record nothing. Zero-sized, so that marking a request
/// allocates nothing.
struct Recorded;

/// In a request's extensions inside `depth` guards: an acceptance waits
/// for the guards to close.
struct Deferred {
    depth: u32,
    accepted: Held,
}

/// The acceptance held by the guards, if any. Should the wrapped service
/// fail without a response (so that no guard closes), it is recorded when
/// the request's extensions are dropped.
#[derive(Default)]
struct Held(Option<Accepted>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(accepted) = self.0.take() {
            accepted.record();
        }
    }
}

/// An acceptance held until the guards around a request close.
struct Accepted {
    metrics: IssuerMetrics,
    requirement: Option<Requirement>,
    claims: Claims,
}

impl Accepted {
    fn record(self) {
        record(
            Some(&self.metrics),
            self.requirement.as_ref(),
            Some(&self.claims),
            None,
        );
    }
}

/// Records the decision of a request, once per request: `claims` are the
/// verified claims if the token was valid, `refusal` the error answered if
/// the request is refused. `metrics` is `None` when no authenticator is
/// registered.
pub(crate) fn settle(
    req: &HttpRequest,
    metrics: Option<&IssuerMetrics>,
    requirement: Option<&Requirement>,
    claims: Option<&Claims>,
    refusal: Option<&AuthError>,
) {
    if !observed() {
        return;
    }
    {
        let mut extensions = req.extensions_mut();
        if extensions.contains::<Recorded>() {
            return;
        }
        if let Some(Deferred { accepted, .. }) = extensions.get_mut::<Deferred>() {
            if refusal.is_none() {
                // Keep the most precise acceptance: a handler's
                // requirement over a bare `Claims`.
                if let (Some(metrics), Some(claims)) = (metrics, claims)
                    && (accepted.0.is_none() || requirement.is_some())
                {
                    accepted.0 = Some(Accepted {
                        metrics: metrics.clone(),
                        requirement: requirement.copied(),
                        claims: claims.clone(),
                    });
                }
                return;
            }
            // The refusal is the decision: the acceptance held by a guard
            // is dropped unrecorded.
            accepted.0 = None;
        }
        extensions.insert(Recorded);
    }
    record(metrics, requirement, claims, refusal);
}

/// Checks the claims of a valid token with `check` (the scopes, or a
/// handler's whole requirement), records the decision, and returns it.
pub(crate) fn decide(
    req: &HttpRequest,
    metrics: Option<&IssuerMetrics>,
    requirement: &Requirement,
    answer: Result<Claims, AuthError>,
    check: impl FnOnce(&Claims) -> Result<(), AuthError>,
) -> Result<Claims, AuthError> {
    decide_for(req, metrics, Some(requirement), answer, check)
}

/// [`decide`], for a `requirement` that may be none (the [`Claims`]
/// extractor, `Authenticator::authenticate`): a refusal by `check` is
/// recorded with the claims of the valid token.
pub(crate) fn decide_for(
    req: &HttpRequest,
    metrics: Option<&IssuerMetrics>,
    requirement: Option<&Requirement>,
    answer: Result<Claims, AuthError>,
    check: impl FnOnce(&Claims) -> Result<(), AuthError>,
) -> Result<Claims, AuthError> {
    decide_with(req, metrics, requirement, answer, check, true)
}

/// [`decide_for`], recording an acceptance only if `record_acceptance`.
fn decide_with(
    req: &HttpRequest,
    metrics: Option<&IssuerMetrics>,
    requirement: Option<&Requirement>,
    answer: Result<Claims, AuthError>,
    check: impl FnOnce(&Claims) -> Result<(), AuthError>,
    record_acceptance: bool,
) -> Result<Claims, AuthError> {
    let claims = match answer {
        Ok(claims) => claims,
        Err(error) => {
            settle(req, metrics, requirement, None, Some(&error));
            return Err(error);
        }
    };
    let checked = check(&claims);
    if record_acceptance || checked.is_err() {
        settle(
            req,
            metrics,
            requirement,
            Some(&claims),
            checked.as_ref().err(),
        );
    }
    checked.map(|()| claims)
}

/// [`decide`] for a guard that `entered` the request with [`defer`]. When
/// it did not (nothing observed decisions as the request reached it), its
/// acceptance is not recorded: it could not be held until the wrapped
/// service answers, and recorded at once it would stand for the request
/// even if a handler then refused it. A refusal is the guard's answer,
/// and is recorded.
pub(crate) fn decide_in_guard(
    entered: Entered,
    req: &HttpRequest,
    metrics: Option<&IssuerMetrics>,
    requirement: &Requirement,
    answer: Result<Claims, AuthError>,
    check: impl FnOnce(&Claims) -> Result<(), AuthError>,
) -> Result<Claims, AuthError> {
    decide_with(req, metrics, Some(requirement), answer, check, entered.0)
}

/// Whether a guard entered a request's decision with [`defer`]: only then
/// does it [`close`] it, and record its acceptance
/// ([`decide_in_guard`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub(crate) struct Entered(bool);

impl Entered {
    /// Whether the guard entered (and must [`close`]).
    pub(crate) fn entered(self) -> bool {
        self.0
    }
}

/// Enters a guard: acceptances of `req` wait for [`close`]. Not entered
/// when nothing observes decisions, or the request's decision is already
/// recorded.
pub(crate) fn defer(req: &HttpRequest) -> Entered {
    if !observed() {
        return Entered(false);
    }
    let mut extensions = req.extensions_mut();
    if extensions.contains::<Recorded>() {
        return Entered(false);
    }
    match extensions.get_mut::<Deferred>() {
        Some(Deferred { depth, .. }) => *depth += 1,
        None => {
            extensions.insert(Deferred {
                depth: 1,
                accepted: Held::default(),
            });
        }
    }
    Entered(true)
}

/// Leaves a guard once the wrapped service answered: the outermost guard
/// records the acceptance held, unless a refusal was recorded meanwhile.
pub(crate) fn close(req: &HttpRequest) {
    let accepted = {
        let mut extensions = req.extensions_mut();
        let Some(Deferred { depth, accepted }) = extensions.get_mut::<Deferred>() else {
            return;
        };
        *depth = depth.saturating_sub(1);
        if *depth > 0 {
            return;
        }
        let accepted = accepted.0.take();
        extensions.remove::<Deferred>();
        if accepted.is_some() {
            extensions.insert(Recorded);
        }
        accepted
    };
    if let Some(accepted) = accepted {
        accepted.record();
    }
}

/// Whether anything observes decisions: the `metrics` feature, or a
/// `tracing` subscriber that takes audit events. When nothing does, a
/// decision is not recorded at all, so that it costs nothing, not even the
/// request's mark (measured: ~320 instructions of a 16 000-instruction
/// handler request, see docs/performance.md). A subscriber installed while
/// a request is in flight is seen from the next decision on, except a
/// guard's acceptance when the guard was entered before it
/// ([`decide_in_guard`]).
#[inline]
fn observed() -> bool {
    cfg!(feature = "metrics") || tracing::enabled!(target: AUDIT_TARGET, tracing::Level::INFO)
}

/// Counts the decision and emits its audit event.
fn record(
    metrics: Option<&IssuerMetrics>,
    requirement: Option<&Requirement>,
    claims: Option<&Claims>,
    refusal: Option<&AuthError>,
) {
    let reason = Reason::of(refusal);
    match (metrics, refusal) {
        (Some(metrics), _) => metrics.decision(reason),
        (None, Some(refusal)) => unattributed_decision(refusal),
        (None, None) => {}
    }
    tracing::info!(
        target: AUDIT_TARGET,
        outcome = reason.outcome(),
        reason = reason.label(),
        issuer = metrics.map_or("", IssuerMetrics::issuer),
        client_id = claims.and_then(Claims::client_id).unwrap_or(""),
        oid = claims.and_then(Claims::oid).unwrap_or(""),
        requirement = %OrEmpty(requirement),
        "authorization decision"
    );
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
    use tracing_subscriber::fmt::MakeWriter;

    /// A writer that keeps what it is given, for the audit events.
    #[derive(Clone, Default)]
    struct Kept(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Kept {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Kept {
        type Writer = Kept;
        fn make_writer(&'a self) -> Kept {
            self.clone()
        }
    }

    /// The claims of a valid token that has no scope.
    fn claims() -> Claims {
        use crate::issuer_pattern::IssuerPattern;
        use crate::validation::{ClaimRules, check_claims};
        let issuer = IssuerPattern::Exact("https://issuer.example".into());
        let label = std::sync::Arc::from("https://issuer.example");
        let rules = ClaimRules::basic(&issuer, &label, &[], 30, 1_000_000);
        let raw = serde_json::from_value(serde_json::json!({
            "iss": "https://issuer.example", "sub": "m2m", "exp": 1_003_600,
        }))
        .unwrap();
        Claims::from_data(check_claims(raw, &rules).unwrap())
    }

    /// A guard that a request reached while nothing observed decisions, and
    /// that accepts it once a subscriber appeared, does not record an
    /// acceptance that would stand for the request: the handler behind it
    /// refuses, and that refusal is the one decision recorded.
    #[test]
    fn a_guard_entered_unobserved_leaves_the_decision_to_the_handler() {
        let req = actix_web::test::TestRequest::default().to_http_request();
        // The guard enters with no subscriber.
        let entered = defer(&req);
        assert_eq!(entered.entered(), cfg!(feature = "metrics"));
        let kept = Kept::default();
        let audit = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(kept.clone())
            .with_ansi(false)
            .finish();
        const GUARD: Requirement = Requirement::Scope("read:deployments");
        const HANDLER: Requirement = Requirement::Scope("deploy:applications");
        tracing::subscriber::with_default(audit, || {
            // The guard accepts: its requirement is checked by `check`.
            let accepted = decide_in_guard(entered, &req, None, &GUARD, Ok(claims()), |_| Ok(()));
            assert!(accepted.is_ok());
            // The handler refuses.
            let refused = decide(&req, None, &HANDLER, Ok(claims()), |_| {
                Err(AuthError::InsufficientScope {
                    required: HANDLER.to_string(),
                    scope: "deploy:applications".to_owned(),
                })
            });
            assert!(refused.is_err());
            if entered.entered() {
                close(&req);
            }
        });
        let events = String::from_utf8_lossy(&kept.0.lock().unwrap()).into_owned();
        let decisions: Vec<&str> = events
            .lines()
            .filter(|line| line.contains("authorization decision"))
            .collect();
        assert_eq!(decisions.len(), 1, "{events}");
        assert!(decisions[0].contains("403"), "{events}");
        assert!(!decisions[0].contains("allowed"), "{events}");
        assert!(decisions[0].contains("deploy:applications"), "{events}");
    }

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
