//! [`RequestView`]: what the pipeline reads of an HTTP request, and where
//! it keeps what it learned for the rest of that request. Each web
//! framework's adapter implements it over its own request type; nothing
//! else in the pipeline knows a framework.

use crate::claims::Claims;
use crate::observe::decision::Decision;
use crate::observe::metrics::IssuerMetrics;
use crate::policy::requirement::Requirement;

/// What the pipeline reads of a request, as an adapter hands it over.
///
/// The pipeline needs little: the `Authorization` header values (to find
/// the bearer token, RFC 6750 §2.1), the query string (a token sent there,
/// which RFC 6750 §2.3 discourages, is refused), the path parameters the
/// router matched (for a tenant binding), and a place in the request to
/// keep the claims of a verified token and the request's decision, so that
/// a guard and a handler behind it validate the token once and record one
/// decision.
///
/// The actix-web adapter implements it for `actix_web::HttpRequest`.
pub trait RequestView {
    /// Every `Authorization` header value of the request, in order, as the
    /// bytes received.
    fn authorization(&self) -> impl Iterator<Item = &[u8]>;

    /// The request URI's query string, empty when there is none.
    fn query(&self) -> &str;

    /// The path parameters the router matched: each name, and its value
    /// as the router hands it over (still percent-encoded where the router
    /// leaves it so; the pipeline decodes it as a path extractor would).
    fn path_params(&self) -> impl Iterator<Item = (&str, &str)>;

    /// The request's path, for logs.
    fn path(&self) -> &str;

    /// The claims an earlier check of this request kept, if any.
    fn kept_claims(&self) -> Option<Claims>;

    /// Keeps the claims of a verified token for the later checks of this
    /// request.
    fn keep_claims(&self, claims: Claims);

    /// Whether this request's decision is recorded: later checks of the
    /// request record nothing.
    fn decision_recorded(&self) -> bool;

    /// Marks this request's decision as recorded. A mark of no size, kept
    /// with the request: the one cost of recording on every request.
    fn mark_decision_recorded(&self);

    /// Runs `f` on the [`GuardRecord`] of this request, `None` until a
    /// guard enters; whatever `f` leaves there is kept with the request
    /// (and dropped with it). Only the guards' path comes here.
    fn with_guard_record<T>(&self, f: impl FnOnce(&mut Option<GuardRecord>) -> T) -> T;
}

/// What the guards around a request hold of its decision, kept with the
/// request by its adapter ([`RequestView::with_guard_record`]): how many
/// guards it is inside, and the acceptance that waits for them to close.
/// Dropped with the request, it records the acceptance it still holds
/// (a wrapped service that failed without a response).
pub struct GuardRecord {
    pub(crate) depth: u32,
    pub(crate) accepted: Held,
}

impl std::fmt::Debug for GuardRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardRecord")
            .field("depth", &self.depth)
            .field("holds_acceptance", &self.accepted.0.is_some())
            .finish()
    }
}

/// The acceptance held by the guards, if any. Should the wrapped service
/// fail without a response (so that no guard closes), it is recorded when
/// the request (and its record) is dropped.
#[derive(Default)]
pub(crate) struct Held(pub(crate) Option<Accepted>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(accepted) = self.0.take() {
            accepted.record();
        }
    }
}

/// An acceptance held until the guards around a request close.
pub(crate) struct Accepted {
    pub(crate) metrics: IssuerMetrics,
    pub(crate) requirement: Option<Requirement>,
    pub(crate) claims: Claims,
}

impl Accepted {
    pub(crate) fn record(self) {
        Decision {
            metrics: Some(&self.metrics),
            requirement: self.requirement.as_ref(),
            claims: Some(&self.claims),
            refusal: None,
        }
        .record();
    }
}

/// A request for the pipeline's own unit tests, with no framework.
#[cfg(test)]
pub(crate) mod testing {
    use std::cell::RefCell;

    use std::cell::Cell;

    use super::{GuardRecord, RequestView};
    use crate::claims::Claims;

    /// Headers, query and path parameters as given; claims and decision
    /// kept in cells, as an adapter keeps them in the request.
    #[derive(Default)]
    pub(crate) struct TestRequest {
        pub(crate) authorization: Vec<Vec<u8>>,
        pub(crate) query: String,
        pub(crate) params: Vec<(String, String)>,
        pub(crate) kept: RefCell<Option<Claims>>,
        pub(crate) recorded: Cell<bool>,
        pub(crate) guards: RefCell<Option<GuardRecord>>,
    }

    impl TestRequest {
        /// A request with one `Authorization` header of these bytes.
        pub(crate) fn with_authorization(value: &[u8]) -> Self {
            TestRequest {
                authorization: vec![value.to_vec()],
                ..TestRequest::default()
            }
        }
    }

    impl RequestView for TestRequest {
        fn authorization(&self) -> impl Iterator<Item = &[u8]> {
            self.authorization.iter().map(Vec::as_slice)
        }

        fn query(&self) -> &str {
            &self.query
        }

        fn path_params(&self) -> impl Iterator<Item = (&str, &str)> {
            self.params
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
        }

        fn path(&self) -> &str {
            "/test"
        }

        fn kept_claims(&self) -> Option<Claims> {
            self.kept.borrow().clone()
        }

        fn keep_claims(&self, claims: Claims) {
            *self.kept.borrow_mut() = Some(claims);
        }

        fn decision_recorded(&self) -> bool {
            self.recorded.get()
        }

        fn mark_decision_recorded(&self) {
            self.recorded.set(true);
        }

        fn with_guard_record<T>(&self, f: impl FnOnce(&mut Option<GuardRecord>) -> T) -> T {
            f(&mut self.guards.borrow_mut())
        }
    }
}
