//! One decision per request: a request can pass several checks (a guard
//! around a handler that also takes `Claims`), so a mark of no size kept
//! with the request by its adapter remembers that its decision was
//! recorded, and later checks of the same request record nothing. A guard
//! enters the request's [`GuardRecord`] ([`GuardEntry`]): inside it, a
//! refusal is recorded at once and an acceptance is held until the wrapped
//! service has answered, so that a handler's refusal behind an accepting
//! guard is the one decision recorded. What a decision records (metrics,
//! audit event) is `crate::observe`'s.

use crate::observe::decision::{Decision, observed};
use crate::pipeline::request::{Accepted, GuardRecord, Held, RequestView};

/// [`settle`], for a decision made by a guard when `guard` is `Some`: the
/// acceptance of a guard that did not enter is not recorded (see
/// [`GuardEntry`]); its refusal is.
pub(crate) fn settle_in(decision: Decision<'_>, req: &impl RequestView, guard: Option<GuardEntry>) {
    if decision.refusal.is_some() || guard.is_none_or(|entry| entry.0) {
        settle(decision, req);
    }
}

/// Records `decision` as `req`'s, once per request: nothing when the
/// request's decision is already recorded; an acceptance inside a guard is
/// held until the guard closes ([`GuardEntry::close`]).
pub(crate) fn settle(decision: Decision<'_>, req: &impl RequestView) {
    if !observed() || req.decision_recorded() {
        return;
    }
    let record_now = req.with_guard_record(|guards| {
        let Some(GuardRecord { accepted, .. }) = guards else {
            return true;
        };
        if decision.refusal.is_none() {
            // Keep the most precise acceptance: a handler's requirement
            // over a bare `Claims`.
            if let (Some(metrics), Some(claims)) = (decision.metrics, decision.claims)
                && (accepted.0.is_none() || decision.requirement.is_some())
            {
                accepted.0 = Some(Accepted {
                    metrics: metrics.clone(),
                    requirement: decision.requirement.copied(),
                    claims: claims.clone(),
                });
            }
            return false;
        }
        // The refusal is the decision: the acceptance held by a guard is
        // dropped unrecorded.
        accepted.0 = None;
        true
    });
    if record_now {
        req.mark_decision_recorded();
        decision.record();
    }
}

/// A guard's place in a request's decision, from [`GuardEntry::enter`]
/// until [`GuardEntry::close`]: inside it, a refusal is recorded at once
/// and an acceptance is held until the wrapped service has answered, so
/// that a handler's refusal behind an accepting guard is the one decision
/// recorded.
///
/// A guard that did not enter (nothing observed decisions as the request
/// reached it, or its decision was already recorded) records no
/// acceptance: it could not be held until the wrapped service answers,
/// and recorded at once it would stand for the request even if a handler
/// then refused it. Its refusal is its answer, and is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a guard that entered must close once the wrapped service answered"]
pub struct GuardEntry(pub(crate) bool);

impl GuardEntry {
    /// Enters a guard: acceptances of `req` wait for [`close`](Self::close).
    pub fn enter(req: &impl RequestView) -> Self {
        if !observed() || req.decision_recorded() {
            return GuardEntry(false);
        }
        req.with_guard_record(|guards| match guards {
            Some(record) => record.depth += 1,
            None => {
                *guards = Some(GuardRecord {
                    depth: 1,
                    accepted: Held::default(),
                });
            }
        });
        GuardEntry(true)
    }

    /// Leaves the guard once the wrapped service answered: the outermost
    /// guard records the acceptance held, unless a refusal was recorded
    /// meanwhile.
    pub fn close(self, req: &impl RequestView) {
        if !self.0 {
            return;
        }
        let accepted = req.with_guard_record(|guards| {
            let record = guards.as_mut()?;
            record.depth = record.depth.saturating_sub(1);
            if record.depth > 0 {
                return None;
            }
            let accepted = record.accepted.0.take();
            *guards = None;
            accepted
        });
        if let Some(accepted) = accepted {
            req.mark_decision_recorded();
            accepted.record();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Claims;
    use crate::error::AuthError;
    use crate::pipeline::request::testing::TestRequest;
    use crate::policy::requirement::Requirement;
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
        use crate::issuer::pattern::IssuerPattern;
        use crate::issuer::validation::{ClaimRules, check_claims};
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
        let req = TestRequest::default();
        // The guard enters with no subscriber.
        let entered = GuardEntry::enter(&req);
        assert_eq!(entered.0, cfg!(feature = "metrics"));
        let kept = Kept::default();
        let audit = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(kept.clone())
            .with_ansi(false)
            .finish();
        const GUARD: Requirement = Requirement::Scope("read:deployments");
        const HANDLER: Requirement = Requirement::Scope("deploy:applications");
        let claims = claims();
        tracing::subscriber::with_default(audit, || {
            // The guard accepts.
            let accepted = Decision {
                metrics: None,
                requirement: Some(&GUARD),
                claims: Some(&claims),
                refusal: None,
            };
            settle_in(accepted, &req, Some(entered));
            // The handler refuses.
            let refusal = AuthError::InsufficientScope {
                required: HANDLER.to_string(),
                scope: "deploy:applications".to_owned(),
            };
            let refused = Decision {
                metrics: None,
                requirement: Some(&HANDLER),
                claims: Some(&claims),
                refusal: Some(&refusal),
            };
            settle_in(refused, &req, None);
            entered.close(&req);
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
}
