//! [`ScopeGuard`]: `#[require_scopes]` for a whole `web::scope` or
//! `web::resource`, as a middleware built by `require_scopes_guard!`.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

use crate::Authenticator;
use crate::adapter::{Ask, GuardEntry, refuse_unattributed};
use crate::policy::{HandlerPolicy, Requirement};

/// A middleware that refuses every request whose bearer token does not
/// satisfy its requirement, before any handler or extractor of the wrapped
/// service runs (so an unauthorized request's body is never read).
///
/// Build it with `scopegate::require_scopes_guard!`, which takes the same
/// syntax as `#[require_scopes]`, checks it (and the scope catalog) at
/// compile time, and lists the guard in the route inventory:
///
/// ```ignore
/// web::scope("/admin")
///     .wrap(scopegate::require_scopes_guard!("admin:users"))
///     .service(list_users)
/// ```
///
/// It takes the attribute's `claim(..)`, `tenant(..)` and
/// `check_revocation` too, checked in the same order as on a handler; a
/// `tenant(..)` binds a parameter of the guarded scope's own path, so one
/// guard isolates every route under `/orgs/{org_id}`:
///
/// ```ignore
/// web::scope("/orgs/{org_id}")
///     .wrap(scopegate::require_scopes_guard!("read:deployments", tenant(org_id)))
///     .service(list_apps)
/// ```
///
/// It composes with `#[require_scopes]` on the handlers inside: both
/// requirements must hold, and the token is validated once (the claims
/// are kept in the request's extensions, where the handler's extractor
/// finds them). A refusal is the same RFC 6750 response a handler's would
/// be.
#[derive(Debug, Clone, Copy)]
pub struct ScopeGuard {
    requirement: Requirement,
    policy: HandlerPolicy,
}

impl ScopeGuard {
    /// What `require_scopes_guard!` expands to. Not a public API: the
    /// macro checks the scopes; this does not.
    #[doc(hidden)]
    pub const fn __new(requirement: Requirement) -> Self {
        ScopeGuard {
            requirement,
            policy: HandlerPolicy::NONE,
        }
    }

    /// The same guard with a policy (claims, tenant, revocation), as
    /// `require_scopes_guard!` writes it. Not a public API.
    #[doc(hidden)]
    pub const fn __with_policy(self, policy: HandlerPolicy) -> Self {
        ScopeGuard { policy, ..self }
    }

    /// What the guard requires.
    pub fn requirement(&self) -> &Requirement {
        &self.requirement
    }
}

impl<S, B> Transform<S, ServiceRequest> for ScopeGuard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ScopeGuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ScopeGuardService {
            service: Rc::new(service),
            requirement: self.requirement,
            policy: self.policy,
        }))
    }
}

/// The service a [`ScopeGuard`] wraps around its scope.
pub struct ScopeGuardService<S> {
    service: Rc<S>,
    requirement: Requirement,
    policy: HandlerPolicy,
}

impl<S, B> Service<ServiceRequest> for ScopeGuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let requirement = self.requirement;
        let policy = self.policy;
        Box::pin(async move {
            let entered = GuardEntry::enter(req.request());
            let ask = Ask::handler(&requirement, &policy).in_guard(entered);
            let checked = match Authenticator::from_request(req.request()) {
                Ok(auth) => auth.clone().decide_request(req.request(), ask).await,
                Err(error) => {
                    refuse_unattributed(req.request(), ask, &error);
                    Err(error)
                }
            };
            match checked {
                Ok(_) => {
                    let response = service.call(req).await?;
                    entered.close(response.request());
                    Ok(response.map_into_left_body())
                }
                Err(error) => Ok(req.error_response(error).map_into_right_body()),
            }
        })
    }
}
