//! The request pipeline: the one place where a request is decided.
//!
//! | stage | what happens | refusal |
//! |---|---|---|
//! | extract | the bearer token from the request's one `Authorization` header (`bearer`) | `401` none, `400` malformed |
//! | verify | the verified-token caches, or the signature with the issuer's keys and the claims with its rules | `401` invalid, `503` no keys |
//! | decide | the checks of [`Ask`], in [the order below](Ask#the-order-of-the-checks) | `401` revoked, `403`, `500` |
//! | respond | the adapter renders the [`AuthError`]'s status, challenge and body | |
//! | record | one decision per request: metrics and audit event (`observe`) | |
//!
//! An adapter reads the request through [`RequestView`], asks
//! [`Authenticator::token_now`] for an answer that needs no waiting (a
//! cache hit, or a request refused on sight), falls back on
//! [`Authenticator::token_by_verifying`] only when the token must be
//! verified, then hands the answer to [`Authenticator::decide`]. The fast
//! path (a cache hit or a refusal) therefore needs no future at all.

pub(crate) mod bearer;
pub(crate) mod record;
pub(crate) mod request;

use scopegate_wire::clock::unix_now;

use crate::authenticator::Authenticator;
use crate::claims::Claims;
use crate::error::AuthError;
use crate::observe::decision::Decision;
use crate::pipeline::bearer::bearer_token;
use crate::pipeline::record::{GuardEntry, settle, settle_in};
use crate::pipeline::request::RequestView;
use crate::policy::HandlerPolicy;
use crate::policy::requirement::Requirement;
use crate::policy::tenant::{MisconfigurationKind, MisconfiguredHandler, TenantRefusal};

/// What a request is asked to satisfy.
///
/// # The order of the checks
///
/// Once the token is valid, [`Authenticator::decide`] checks, in this
/// order, the first failure being the answer:
///
/// 1. revocation, where it is checked (`401`): for every request with
///    [`RevocationMode::EveryHandler`](crate::revocation::RevocationMode), else only
///    where the handler asked for it (`check_revocation`);
/// 2. the claim requirements of the token's issuer and of the
///    authenticator ([`Issuer::require`](crate::Issuer::require),
///    [`AuthenticatorBuilder::require`](crate::AuthenticatorBuilder::require)):
///    `403`;
/// 3. the scopes (`403`, with the scopes to ask for);
/// 4. the handler's claim requirements (`403`);
/// 5. the handler's tenant binding (`403`, or `500` for a route without
///    the path parameter).
///
/// A revoked token is not a valid token, whatever else it lacks; a token
/// its issuer's rules refuse does not get to learn which scopes would do.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    requirement: Option<&'a Requirement>,
    policy: &'a HandlerPolicy,
    guard: Option<GuardEntry>,
}

impl<'a> Ask<'a> {
    /// A valid token, nothing more (the `Claims` extractor,
    /// [`Authenticator::authenticate`]).
    pub const fn token() -> Self {
        Ask {
            requirement: None,
            policy: &HandlerPolicy::NONE,
            guard: None,
        }
    }

    /// Scopes (`Authenticator::authorize`).
    pub const fn scopes(requirement: &'a Requirement) -> Self {
        Ask {
            requirement: Some(requirement),
            policy: &HandlerPolicy::NONE,
            guard: None,
        }
    }

    /// A handler's whole requirement: scopes, and its policy (claims,
    /// tenant, revocation).
    pub const fn handler(requirement: &'a Requirement, policy: &'a HandlerPolicy) -> Self {
        Ask {
            requirement: Some(requirement),
            policy,
            guard: None,
        }
    }

    /// The same requirement, checked by a guard that `entered` the
    /// request's decision: its acceptance is held until the guard closes.
    pub const fn in_guard(self, entered: GuardEntry) -> Self {
        Ask {
            guard: Some(entered),
            ..self
        }
    }

    /// What was required, for the decision's record.
    pub fn requirement(&self) -> Option<&'a Requirement> {
        self.requirement
    }
}

impl Authenticator {
    /// What can be said of `req`'s token without waiting for the issuer's
    /// keys: `Some` with the claims (kept in the request by an earlier
    /// check, or in a verified-token cache) or with the error of a request
    /// or token refused on sight; `None` when the token must be verified
    /// ([`token_by_verifying`](Self::token_by_verifying)). The first stages
    /// of the pipeline (see [`Ask`]).
    pub fn token_now(&self, req: &impl RequestView) -> Option<Result<Claims, AuthError>> {
        if let Some(claims) = self.kept_in_request(req) {
            return Some(Ok(claims));
        }
        let now = unix_now();
        let answer = match self.front_hit_for_request(req, now) {
            Some(answer) => answer,
            None => {
                let token = match bearer_token(req, self.max_token_bytes()) {
                    Ok(token) => token,
                    Err(error) => return Some(Err(error)),
                };
                self.validate_now(token, now)?
            }
        };
        Some(self.keep_in_request(req, answer))
    }

    /// The front cache's answer for a request whose one `Authorization`
    /// header is exactly `Bearer ` (the scheme in any case) followed by a
    /// token this thread verified, so that the header's bytes are compared
    /// once, with the token's, and not scanned by the parser: a token that
    /// was verified passed the parser's checks, and with that exact prefix
    /// the header would too. Anything else (another shape of header, a
    /// query string that could carry `access_token`) is left to the parser.
    fn front_hit_for_request(
        &self,
        req: &impl RequestView,
        now: i64,
    ) -> Option<Result<Claims, AuthError>> {
        if !req.query().is_empty() {
            return None;
        }
        let mut values = req.authorization();
        let bytes = values.next()?;
        if values.next().is_some() {
            return None;
        }
        let (scheme, token) = bytes.split_at_checked(7)?;
        if !scheme.eq_ignore_ascii_case(b"bearer ") {
            return None;
        }
        self.front_hit(token, now)
    }

    /// The claims kept in the request, if this authenticator verified
    /// them: not those another authenticator kept (a guard and a handler
    /// that find different authenticators), whose issuers and requirements
    /// are not this one's. The verifier's identity travels in the claims,
    /// so that telling them apart costs no second entry in the request.
    fn kept_in_request(&self, req: &impl RequestView) -> Option<Claims> {
        req.kept_claims()
            .filter(|claims| claims.data().verified_by == self.identity())
    }

    /// Keeps the claims of a valid token in the request when they meet the
    /// claim requirements ([`admit`](Self::admit)), and logs a refusal. The
    /// claims of a valid token are returned either way: the pipeline
    /// decides, revocation first, then [`admit`](Self::admit).
    fn keep_in_request(
        &self,
        req: &impl RequestView,
        answer: Result<Claims, AuthError>,
    ) -> Result<Claims, AuthError> {
        match answer {
            Ok(claims) => {
                if self.admit(&claims).is_ok() {
                    req.keep_claims(claims.clone());
                }
                Ok(claims)
            }
            Err(error) => {
                tracing::debug!(error = %error, path = req.path(), "bearer token refused");
                Err(error)
            }
        }
    }

    /// Validates the bearer token of `req`, once per request: the claims
    /// are kept in the request, where later calls (and the [`Claims`]
    /// extractor) find them. `req` is any framework's request its adapter
    /// reads (`actix_web::HttpRequest` with the feature `actix`).
    ///
    /// With [`RevocationMode::EveryHandler`](crate::revocation::RevocationMode), a
    /// revoked token is refused (`401`), as in the [`Claims`] extractor. A
    /// valid token that fails a claim requirement
    /// ([`Issuer::require`](crate::Issuer::require),
    /// [`AuthenticatorBuilder::require`](crate::AuthenticatorBuilder::require)) is [`AuthError::ClaimMismatch`].
    pub async fn authenticate(&self, req: &impl RequestView) -> Result<Claims, AuthError> {
        self.decide_request(req, Ask::token()).await
    }

    /// Authenticates `req` and checks that its token satisfies `requirement`:
    /// with [`RevocationMode::EveryHandler`](crate::revocation::RevocationMode), that it
    /// is not revoked; that it meets the claim requirements; then the scopes.
    pub async fn authorize(
        &self,
        req: &impl RequestView,
        requirement: &Requirement,
    ) -> Result<Claims, AuthError> {
        self.decide_request(req, Ask::scopes(requirement)).await
    }

    /// The whole pipeline for `req`: [`token_now`](Self::token_now), else
    /// [`token_by_verifying`](Self::token_by_verifying), then
    /// [`decide`](Self::decide).
    pub async fn decide_request(
        &self,
        req: &impl RequestView,
        ask: Ask<'_>,
    ) -> Result<Claims, AuthError> {
        let token = match self.token_now(req) {
            Some(answer) => answer,
            None => self.token_by_verifying(req).await,
        };
        self.decide(req, ask, token)
    }

    /// The token of `req` verified with its issuer's keys (which may be
    /// fetched): what [`token_now`](Self::token_now) could not say.
    pub async fn token_by_verifying(&self, req: &impl RequestView) -> Result<Claims, AuthError> {
        let token = bearer_token(req, self.max_token_bytes())?;
        let answer = self.verify(token, unix_now()).await;
        self.keep_in_request(req, answer)
    }

    /// Decides `req`: the checks of `ask` (in the order [`Ask`] states) on
    /// the claims of a valid token, or the refusal of an invalid one; the
    /// decision is recorded once for the request. Returns the claims of an
    /// accepted request.
    pub fn decide(
        &self,
        req: &impl RequestView,
        ask: Ask<'_>,
        token: Result<Claims, AuthError>,
    ) -> Result<Claims, AuthError> {
        let mut decision = Decision {
            metrics: Some(self.metrics_for(token.as_ref().ok())),
            requirement: ask.requirement,
            claims: None,
            refusal: None,
        };
        let claims = match token {
            Ok(claims) => claims,
            Err(error) => {
                decision.refusal = Some(&error);
                settle(decision, req);
                return Err(error);
            }
        };
        let checked = self.check(req, &ask, &claims);
        decision.claims = Some(&claims);
        decision.refusal = checked.as_ref().err();
        settle_in(decision, req, ask.guard);
        checked.map(|()| claims)
    }

    /// The checks of a valid token, in the order [`Ask`] states.
    fn check(
        &self,
        req: &impl RequestView,
        ask: &Ask<'_>,
        claims: &Claims,
    ) -> Result<(), AuthError> {
        let policy = ask.policy;
        self.check_revocation_for(claims, policy.check_revocation)?;
        self.admit(claims)?;
        if let Some(requirement) = ask.requirement {
            check_scopes(claims, requirement)?;
        }
        for claim in policy.claims {
            claim.check(claims).map_err(|mismatch| {
                tracing::debug!(handler = policy.handler, "refused: {mismatch}");
                AuthError::ClaimMismatch(mismatch)
            })?;
        }
        if let Some(tenant) = &policy.tenant {
            match tenant.check(req.path_params(), claims) {
                Ok(()) => {}
                Err(TenantRefusal::Mismatch(mismatch)) => {
                    return Err(AuthError::TenantMismatch(mismatch));
                }
                Err(TenantRefusal::NoPathParameter) => {
                    let error = MisconfiguredHandler {
                        handler: policy.handler,
                        reason: MisconfigurationKind::NoPathParameter {
                            param: tenant.param,
                        },
                    };
                    crate::policy::log_once(&error);
                    return Err(AuthError::HandlerMisconfigured(error));
                }
            }
        }
        Ok(())
    }
}

/// Records the refusal of a request that no authenticator could decide
/// (none is registered): counted without an issuer.
pub fn refuse_unattributed(req: &impl RequestView, ask: Ask<'_>, error: &AuthError) {
    let decision = Decision {
        metrics: None,
        requirement: ask.requirement,
        claims: None,
        refusal: Some(error),
    };
    settle(decision, req);
}

impl Requirement {
    /// Checks the scopes of `claims` against this requirement: the scope
    /// check of the pipeline, for a hand-written check on claims already
    /// validated ([`Authenticator::validate`]). A refusal is
    /// [`AuthError::InsufficientScope`], naming the scopes to ask for.
    pub fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        check_scopes(claims, self)
    }
}

/// Checks `claims` against `requirement`. When refused, the scopes to ask
/// for are named as the token's issuer knows them: with its
/// [scope prefix](crate::Issuer::scope_prefix), if it has one.
pub(crate) fn check_scopes(claims: &Claims, requirement: &Requirement) -> Result<(), AuthError> {
    if requirement.is_satisfied_by(claims.scopes()) {
        return Ok(());
    }
    let wanted = requirement.scopes_to_request(claims.scopes());
    let scope = match claims.scope_prefix() {
        None => wanted.join(" "),
        Some(prefix) => wanted
            .iter()
            .map(|scope| format!("{prefix}{scope}"))
            .collect::<Vec<_>>()
            .join(" "),
    };
    Err(AuthError::InsufficientScope {
        required: requirement.to_string(),
        scope,
    })
}
