//! `actix_web::HttpRequest` as the pipeline reads it ([`RequestView`]):
//! headers, query and the router's path parameters, with the claims and the
//! decision kept in the request's extensions; and the [`Authenticator`]
//! registered on the app.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpMessage, HttpRequest, web};

use crate::adapter::{GuardRecord, RequestView};
use crate::{AuthError, Authenticator, Claims};

impl RequestView for HttpRequest {
    fn authorization(&self) -> impl Iterator<Item = &[u8]> {
        self.headers()
            .get_all(AUTHORIZATION)
            .map(|value| value.as_bytes())
    }

    fn query(&self) -> &str {
        self.query_string()
    }

    fn path_params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.match_info().iter()
    }

    fn path(&self) -> &str {
        HttpRequest::path(self)
    }

    fn kept_claims(&self) -> Option<Claims> {
        self.extensions().get::<Claims>().cloned()
    }

    fn keep_claims(&self, claims: Claims) {
        self.extensions_mut().insert(claims);
    }

    fn decision_recorded(&self) -> bool {
        self.extensions().contains::<Recorded>()
    }

    fn mark_decision_recorded(&self) {
        self.extensions_mut().insert(Recorded);
    }

    fn with_guard_record<T>(&self, f: impl FnOnce(&mut Option<GuardRecord>) -> T) -> T {
        let mut extensions = self.extensions_mut();
        let mut record = extensions.remove::<GuardRecord>();
        let answer = f(&mut record);
        if let Some(record) = record {
            extensions.insert(record);
        }
        answer
    }
}

/// In a request's extensions once its decision is recorded. Of no size,
/// so that marking a request allocates nothing.
struct Recorded;

impl Authenticator {
    /// The authenticator registered on the app serving `req`, as
    /// `app_data(Authenticator)` or `app_data(web::Data<Authenticator>)`.
    pub fn from_request(req: &HttpRequest) -> Result<&Authenticator, AuthError> {
        req.app_data::<Authenticator>()
            .or_else(|| req.app_data::<web::Data<Authenticator>>().map(|data| data.get_ref()))
            .ok_or_else(|| {
                tracing::error!(
                    path = req.path(),
                    "no scopegate Authenticator is registered: add `.app_data(authenticator)` to the App"
                );
                AuthError::Misconfigured
            })
    }
}
