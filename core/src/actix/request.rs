//! `actix_web::HttpRequest` as the pipeline reads it ([`RequestView`]):
//! headers, query and the router's path parameters, with the claims and the
//! decision kept in the request's extensions; and the [`Authenticator`]
//! registered on the app.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpMessage, HttpRequest, web};

use crate::adapter::{DecisionRecord, RequestView};
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

    fn with_decision<T>(&self, f: impl FnOnce(&mut DecisionRecord) -> T) -> T {
        let mut extensions = self.extensions_mut();
        if let Some(record) = extensions.get_mut::<DecisionRecord>() {
            return f(record);
        }
        let mut record = DecisionRecord::default();
        let answer = f(&mut record);
        extensions.insert(record);
        answer
    }
}

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
