//! Observing decisions: one decision per request (`decision`), counted in
//! the metrics (`metrics`, feature `metrics`) under a fixed label
//! (`reason`), and reported as an audit event.

pub(crate) mod decision;
pub(crate) mod metrics;
pub(crate) mod reason;
