//! [`ProtectedResource`] as an actix-web middleware: it serves the RFC 9728
//! metadata document at its well-known path and names the document in
//! every `Bearer` challenge of the responses it wraps (RFC 9728 §5.1).

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use futures_util::future::LocalBoxFuture;

use crate::AuthError;
use crate::resource_metadata::ProtectedResource;

/// The middleware's view of a [`ProtectedResource`].
trait Amend {
    fn typed_challenge(&self, error: &actix_web::Error) -> Option<HeaderValue>;
    fn amend<B>(
        &self,
        response: HttpResponse<B>,
        error: Option<&actix_web::Error>,
    ) -> HttpResponse<B>;
    fn document_response(&self) -> HttpResponse;
}

impl Amend for ProtectedResource {
    /// `error`'s challenge with `resource_metadata` set: built from the
    /// typed parameters of a scopegate refusal; `None` for an error that is
    /// not one, or has no challenge.
    fn typed_challenge(&self, error: &actix_web::Error) -> Option<HeaderValue> {
        let mut challenge = error.as_error::<AuthError>()?.bearer_challenge()?;
        challenge.resource_metadata = Some(self.metadata_url().to_owned());
        HeaderValue::from_str(&challenge.to_string()).ok()
    }

    /// `response` with its challenge naming the metadata: typed when the
    /// response is a scopegate refusal (`error` is the error it renders),
    /// amended as text otherwise.
    fn amend<B>(
        &self,
        mut response: HttpResponse<B>,
        error: Option<&actix_web::Error>,
    ) -> HttpResponse<B> {
        let Some(current) = response.headers().get(header::WWW_AUTHENTICATE) else {
            return response;
        };
        let typed = error
            .or_else(|| response.error())
            .and_then(|error| self.typed_challenge(error));
        let amended = typed.or_else(|| {
            current
                .to_str()
                .ok()
                .and_then(|value| self.amend_challenge(value))
                .and_then(|value| HeaderValue::from_str(&value).ok())
        });
        if let Some(value) = amended {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }

    fn document_response(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(self.document_body().to_owned())
    }
}

impl<S, B> Transform<S, ServiceRequest> for ProtectedResource
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = actix_web::Error;
    type Transform = ProtectedResourceService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ProtectedResourceService {
            service: Rc::new(service),
            metadata: self.clone(),
        }))
    }
}

/// The service a [`ProtectedResource`] wraps around the app.
pub struct ProtectedResourceService<S> {
    service: Rc<S>,
    metadata: ProtectedResource,
}

impl<S, B> Service<ServiceRequest> for ProtectedResourceService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let metadata = self.metadata.clone();
        if req.path() == metadata.metadata_path()
            && (req.method() == Method::GET || req.method() == Method::HEAD)
        {
            let response = metadata.document_response();
            return Box::pin(async move { Ok(req.into_response(response).map_into_right_body()) });
        }
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            match service.call(req).await {
                Ok(response) => {
                    let (request, response) = response.into_parts();
                    Ok(
                        ServiceResponse::new(request, metadata.amend(response, None))
                            .map_into_left_body(),
                    )
                }
                // An error from a middleware further in: rendered later, by
                // actix-web; wrapped so that its challenge is amended then.
                Err(error) => Err(Amended {
                    error,
                    metadata: metadata.clone(),
                }
                .into()),
            }
        })
    }
}

/// An error of the wrapped service, whose response gets the same
/// `resource_metadata` as any other.
struct Amended {
    error: actix_web::Error,
    metadata: ProtectedResource,
}

impl std::fmt::Debug for Amended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.error, f)
    }
}

impl std::fmt::Display for Amended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl actix_web::ResponseError for Amended {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.metadata
            .amend(self.error.error_response(), Some(&self.error))
    }
}
