//! Claim requirements written on an issuer (`Issuer::require`) and on the
//! whole authenticator (`AuthenticatorBuilder::require`), over real HTTP
//! with two issuers and their own JWKS endpoints: a valid token that fails
//! one is `403 insufficient_scope` naming the claim and never the accepted
//! values, on every kind of endpoint (the `Claims` extractor, a
//! `#[require_scopes]` handler, `Authenticator::validate`), from the cache
//! too; an issuer's requirement binds that issuer's tokens only; and a
//! requirement that can never be met is refused when the authenticator is
//! built.

mod common;

use actix_web::{HttpResponse, get};
use common::issuers::{JwksServer, call, mint, now};
use common::jose::{TestKey, jwks};
use scopegate::{
    AuthError, Authenticator, ConfigError, Issuer,
    error::ClaimMismatchKind,
    policy::{ClaimRequirement, ClaimTest, ClaimValue},
    require_scopes,
};
use serde_json::{Value, json};

const SECRET_CLIENT: &str = "m2morg_allowed_7f3a";

/// `GET /deploy`: needs `deploy:applications`.
#[get("/deploy")]
#[require_scopes("deploy:applications")]
async fn deploy() -> HttpResponse {
    HttpResponse::Ok().body("deployed")
}

/// `GET <api>/deploy` with `token`: status, challenge and body.
async fn call_deploy(api: &str, token: &str) -> (u16, String, Value) {
    common::issuers::answer(
        common::http_client()
            .get(format!("{api}/deploy"))
            .bearer_auth(token),
    )
    .await
}

/// Two issuers: A's tokens must come from one client, every token must be
/// a client-credentials token. Served on `/me` (`Claims`) and `/deploy`.
struct Setup {
    auth: Authenticator,
    api: String,
    iss_a: String,
    iss_b: String,
    key_a: TestKey,
    key_b: TestKey,
    _servers: (JwksServer, JwksServer),
}

fn setup() -> Setup {
    let (key_a, key_b) = (TestKey::generate("a-1"), TestKey::generate("b-1"));
    let server_a = JwksServer::start(vec![("/keys".into(), jwks(&[&key_a]))]);
    let server_b = JwksServer::start(vec![("/b/keys".into(), jwks(&[&key_b]))]);
    let (iss_a, iss_b) = (server_a.base.clone(), format!("{}/b", server_b.base));
    let one_client = ClaimRequirement::new(
        "client_id",
        ClaimTest::OneOf(vec![ClaimValue::str(SECRET_CLIENT)].into()),
    );
    let machine = ClaimRequirement::new(
        "gty",
        ClaimTest::Equals(ClaimValue::str("client-credentials")),
    );
    let auth = Authenticator::builder(Issuer::new(&iss_a).require(one_client))
        .trust(Issuer::new(&iss_b))
        .require(machine)
        .build()
        .expect("the authenticator builds");
    let served = auth.clone();
    let api = common::serve(move |cfg| {
        cfg.app_data(served.clone())
            .service(common::issuers::me)
            .service(deploy);
    });
    Setup {
        auth,
        api,
        iss_a,
        iss_b,
        key_a,
        key_b,
        _servers: (server_a, server_b),
    }
}

impl Setup {
    fn token(&self, of_a: bool, client: &str, gty: Option<&str>) -> String {
        let (key, iss) = if of_a {
            (&self.key_a, &self.iss_a)
        } else {
            (&self.key_b, &self.iss_b)
        };
        let mut claims = json!({
            "iss": iss, "sub": client, "client_id": client,
            "scopes": ["deploy:applications"], "iat": now(), "exp": now() + 600,
        });
        if let Some(gty) = gty {
            claims["gty"] = json!(gty);
        }
        mint(key, json!({"alg": "RS256", "kid": key.kid}), claims)
    }
}

/// Asserts the `403` of a failed claim requirement naming `claim`, and
/// that no accepted value shows.
fn assert_claim_refusal(status: u16, challenge: &str, body: &Value, claim: &str) {
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "insufficient_scope", "{body}");
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(&format!("`{claim}`")), "{description}");
    assert!(!description.contains(SECRET_CLIENT), "{description}");
    assert!(!challenge.contains(SECRET_CLIENT), "{challenge}");
    assert!(!challenge.contains("client-credentials"), "{challenge}");
    assert!(
        challenge.starts_with(r#"Bearer error="insufficient_scope""#)
            && !challenge.contains("scope=\""),
        "no scope would help: {challenge}"
    );
}

#[actix_web::test]
async fn issuer_and_authenticator_requirements_answer_403_on_every_endpoint() {
    let s = setup();
    let (deploy_api, me_api) = (s.api.as_str(), s.api.as_str());

    // Meets both: served everywhere.
    let good = s.token(true, SECRET_CLIENT, Some("client-credentials"));
    assert_eq!(call(me_api, &good).await.0, 200);
    assert_eq!(call_deploy(deploy_api, &good).await.0, 200);
    assert!(s.auth.validate(&good).await.is_ok());

    // A's token of another client: A's requirement; twice, the second
    // answer from the verified-token cache.
    let other_client = s.token(true, "m2morg_other", Some("client-credentials"));
    for _ in 0..2 {
        let (status, challenge, body) = call_deploy(deploy_api, &other_client).await;
        assert_claim_refusal(status, &challenge, &body, "client_id");
        let (status, body) = call(me_api, &other_client).await;
        assert_eq!(
            (status, &body["error"]),
            (403, &json!("insufficient_scope"))
        );
    }
    match s.auth.validate(&other_client).await {
        Err(AuthError::ClaimMismatch(mismatch)) => {
            assert_eq!(mismatch.requirement.claim, "client_id");
            assert_eq!(mismatch.kind, ClaimMismatchKind::Different);
        }
        other => panic!("expected a claim mismatch, got {other:?}"),
    }

    // No `gty`: the authenticator's requirement, for A's tokens and B's.
    for of_a in [true, false] {
        let user_token = s.token(of_a, SECRET_CLIENT, None);
        let (status, challenge, body) = call_deploy(deploy_api, &user_token).await;
        assert_claim_refusal(status, &challenge, &body, "gty");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap_or_default()
                .contains("has no `gty` claim"),
            "{body}"
        );
        let wrong = s.token(of_a, SECRET_CLIENT, Some("password"));
        let (status, challenge, body) = call_deploy(deploy_api, &wrong).await;
        assert_claim_refusal(status, &challenge, &body, "gty");
    }

    // A's requirement does not bind B: any client of B is served.
    let b_token = s.token(false, "m2morg_other", Some("client-credentials"));
    assert_eq!(call_deploy(deploy_api, &b_token).await.0, 200);
    assert_eq!(call(me_api, &b_token).await.0, 200);
}

/// A token failing a requirement and lacking the handler's scope: the
/// requirement, checked first once the token is valid, is the answer.
#[actix_web::test]
async fn a_requirement_is_checked_before_the_handlers_scopes() {
    let s = setup();
    let deploy_api = s.api.as_str();
    let mut claims = json!({
        "iss": s.iss_b, "sub": "c", "client_id": "c", "scopes": ["read:deployments"],
        "iat": now(), "exp": now() + 600,
    });
    claims["gty"] = json!("password");
    let token = mint(
        &s.key_b,
        json!({"alg": "RS256", "kid": s.key_b.kid}),
        claims,
    );
    let (status, challenge, body) = call_deploy(deploy_api, &token).await;
    assert_claim_refusal(status, &challenge, &body, "gty");
}

/// An invalid token is `401` whatever the requirements say.
#[actix_web::test]
async fn an_invalid_token_is_401_before_any_requirement() {
    let s = setup();
    let deploy_api = s.api.as_str();
    let forged = mint(
        &TestKey::generate("a-1"),
        json!({"alg": "RS256", "kid": "a-1"}),
        json!({"iss": s.iss_a, "sub": "x", "exp": now() + 600}),
    );
    let (status, challenge, body) = call_deploy(deploy_api, &forged).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
}

/// A requirement that can never be met is a build error, on an issuer or
/// on the authenticator.
#[test]
fn a_requirement_that_can_never_be_met_is_refused_at_build_time() {
    let never = ClaimRequirement::new("exp", ClaimTest::Equals(ClaimValue::str("tomorrow")));
    let on_builder = Authenticator::builder("https://acme.scalekit.dev")
        .require(never.clone())
        .build();
    let on_issuer =
        Authenticator::builder(Issuer::new("https://acme.scalekit.dev").require(never)).build();
    for built in [on_builder, on_issuer] {
        match built {
            Err(error @ ConfigError::ClaimRequirement { .. }) => {
                assert!(error.to_string().contains("can never be met"), "{error}");
            }
            other => panic!("expected a claim requirement error, got {other:?}"),
        }
    }
}
