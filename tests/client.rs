//! The client side over real HTTP against the embedded dev issuer: token
//! caching and refresh, shared fetches, retries with backoff (through a
//! fault-injecting proxy), no retry on refusals, `send_authorized` on 401,
//! and every admin call with good and bad input.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use common::{ORG, closed_port_url, http_client, register_client, serve};
use scopegate::Authenticator;
use scopegate::client::{
    AdminClient, ClientAuth, ClientError, ClientUpdate, NewOrganization, NewOrganizationClient,
    RetryPolicy, SendAuthorized, TokenClient, TokenClientBuilder,
};
use scopegate::dev::DevIssuer;

/// A quick retry policy, so that tests of failures stay short. The time
/// budget is far above what its attempts take: the tests count attempts,
/// and a loaded machine must not end them early.
fn quick_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(40))
        .max_backoff(Duration::from_millis(200))
        .max_elapsed(Duration::from_secs(30))
}

fn tokens(url: &str, (id, secret): &(String, String)) -> TokenClientBuilder {
    TokenClient::builder(id.clone(), secret.clone())
        .environment_url(url)
        .retry(quick_retry())
}

// ---------------------------------------------------------------------------
// A proxy in front of the issuer that injects faults.

#[derive(Default)]
struct Faults {
    /// The next this-many token requests get `503`.
    token_503: AtomicU32,
    /// The next this-many management requests get `401`.
    api_401: AtomicU32,
    token_hits: AtomicU32,
    api_hits: AtomicU32,
}

fn take_one(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

struct Proxy {
    upstream: String,
    faults: Arc<Faults>,
    http: reqwest::Client,
}

async fn forward(req: HttpRequest, body: web::Bytes, proxy: web::Data<Proxy>) -> HttpResponse {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let faults = &proxy.faults;
    if path.starts_with("/oauth/token") {
        faults.token_hits.fetch_add(1, Ordering::SeqCst);
        if take_one(&faults.token_503) {
            return HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"error": "temporarily_unavailable"}));
        }
    }
    if path.starts_with("/api/") {
        faults.api_hits.fetch_add(1, Ordering::SeqCst);
        if take_one(&faults.api_401) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
                .json(
                    serde_json::json!({"error": "invalid_token", "error_description": "revoked"}),
                );
        }
    }
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    let mut upstream = proxy
        .http
        .request(method, format!("{}{path}", proxy.upstream))
        .body(body.to_vec());
    for name in ["authorization", "content-type", "accept"] {
        if let Some(value) = req.headers().get(name) {
            upstream = upstream.header(name, value.as_bytes());
        }
    }
    let response = upstream.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.bytes().await.unwrap();
    let mut answer = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if let Some(content_type) = content_type {
        answer.insert_header((header::CONTENT_TYPE, content_type));
    }
    answer.body(bytes.to_vec())
}

/// Starts the proxy; returns its URL.
fn spawn_proxy(upstream: &str, faults: Arc<Faults>) -> String {
    let proxy = web::Data::new(Proxy {
        upstream: upstream.to_owned(),
        faults,
        http: http_client(),
    });
    serve(move |cfg| {
        cfg.app_data(proxy.clone())
            .default_service(web::to(forward));
    })
}

/// A dev issuer behind the fault-injecting proxy, with one client
/// registered (scope `read:deployments`).
struct Behind {
    /// Kept alive for the test's duration.
    issuer: DevIssuer,
    creds: (String, String),
    faults: Arc<Faults>,
    /// The proxy's URL: the environment URL the clients are given.
    proxy: String,
}

/// Starts a [`Behind`]; `expiry` is the client's token lifetime in seconds.
async fn behind_proxy(expiry: Option<u64>) -> Behind {
    let issuer = DevIssuer::start().await.unwrap();
    let creds = register_client(&issuer, &["read:deployments"], expiry);
    let faults = Arc::new(Faults::default());
    let proxy = spawn_proxy(issuer.url(), faults.clone());
    Behind {
        issuer,
        creds,
        faults,
        proxy,
    }
}

// ---------------------------------------------------------------------------
// Token client.

#[actix_web::test]
async fn a_token_is_fetched_once_and_reused() {
    let issuer = DevIssuer::start().await.unwrap();
    let creds = register_client(&issuer, &["deploy:applications", "read:deployments"], None);
    let client = tokens(issuer.url(), &creds).build().unwrap();
    let before = issuer.token_requests();

    let first = client.token().await.unwrap();
    for _ in 0..10 {
        let again = client.token().await.unwrap();
        assert!(again.same(&first));
    }
    assert_eq!(issuer.token_requests() - before, 1);
    assert_eq!(client.token_requests(), 1);
    assert_eq!(first.lifetime(), Duration::from_secs(3600));
    assert_eq!(first.scope(), Some("deploy:applications read:deployments"));

    // A real token of the issuer, for this client.
    let auth = issuer.authenticator().build().unwrap();
    let claims = auth.validate(first.as_str()).await.unwrap();
    assert_eq!(claims.client_id(), Some(creds.0.as_str()));

    // Neither the secret nor the token shows in Debug output.
    let debug = format!("{client:?} {first:?}");
    assert!(!debug.contains(&creds.1), "{debug}");
    assert!(!debug.contains(first.as_str()), "{debug}");

    // Clones share the token.
    let clone = client.clone();
    assert!(clone.token().await.unwrap().same(&first));
    assert_eq!(issuer.token_requests() - before, 1);

    // invalidate() makes the next call fetch.
    client.invalidate();
    assert!(!client.token().await.unwrap().same(&first));
    assert_eq!(issuer.token_requests() - before, 2);
}

#[actix_web::test]
async fn requested_scopes_narrow_the_token_and_basic_auth_works() {
    let issuer = DevIssuer::start().await.unwrap();
    let creds = register_client(&issuer, &["deploy:applications", "read:deployments"], None);
    let client = tokens(issuer.url(), &creds)
        .scope("read:deployments")
        .client_auth(ClientAuth::Basic)
        .build()
        .unwrap();
    let token = client.token().await.unwrap();
    assert_eq!(token.scope(), Some("read:deployments"));
    let claims = issuer
        .authenticator()
        .build()
        .unwrap()
        .validate(token.as_str())
        .await
        .unwrap();
    assert_eq!(claims.scopes(), ["read:deployments"]);
}

#[actix_web::test]
async fn a_token_is_replaced_before_it_expires() {
    let issuer = DevIssuer::start().await.unwrap();
    // A 4 s token: the margin is max(30 s, 10 %) capped at half the
    // lifetime, so it is replaced after 2 s, while still valid.
    let creds = register_client(&issuer, &["read:deployments"], Some(4));
    let client = tokens(issuer.url(), &creds).build().unwrap();
    let before = issuer.token_requests();

    let first = client.token().await.unwrap();
    assert_eq!(first.lifetime(), Duration::from_secs(4));
    assert_eq!(issuer.token_requests() - before, 1);
    // The schedule the client keeps: replaced 2 s before it expires. (When
    // it is handed out from the cache is unit-tested in the client crate,
    // to the millisecond.)
    assert_eq!(
        first.expires_at() - first.refresh_at(),
        Duration::from_secs(2)
    );

    // From the refresh point on (waited for exactly), the next call
    // replaces it: one more token request.
    tokio::time::sleep_until(first.refresh_at().into()).await;
    let second = client.token().await.unwrap();
    assert!(!second.same(&first), "the token was not replaced");
    assert_ne!(second.as_str(), first.as_str());
    assert_eq!(issuer.token_requests() - before, 2);
    assert_eq!(client.token_requests(), 2);
    // The replacement was obtained after the first one, and has a whole
    // lifetime of its own.
    assert!(second.refresh_at() > first.refresh_at());
    assert_eq!(second.lifetime(), Duration::from_secs(4));
}

#[actix_web::test]
async fn concurrent_callers_share_one_fetch() {
    let Behind {
        issuer: _issuer,
        creds,
        faults,
        proxy,
    } = behind_proxy(None).await;
    let client = tokens(&proxy, &creds).build().unwrap();

    // Slow the first fetch down (two 503s, then success) so that every
    // caller arrives while it is under way.
    faults.token_503.store(2, Ordering::SeqCst);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..25 {
        let client = client.clone();
        tasks.spawn(async move { client.token().await });
    }
    let mut got = Vec::new();
    while let Some(result) = tasks.join_next().await {
        got.push(result.unwrap().unwrap());
    }
    assert_eq!(got.len(), 25);
    assert!(got.iter().all(|t| t.same(&got[0])));
    // One fetch: two 503s and the good answer.
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 3);
    assert_eq!(client.token_requests(), 3);
}

#[actix_web::test]
async fn a_flaky_issuer_is_retried_with_backoff() {
    let Behind {
        issuer: _issuer,
        creds,
        faults,
        proxy,
    } = behind_proxy(None).await;

    // Three 503s, then success: four requests, with backoff between them.
    faults.token_503.store(3, Ordering::SeqCst);
    let client = tokens(&proxy, &creds)
        .retry(
            RetryPolicy::default()
                .max_attempts(5)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_secs(1))
                // A guard: the four requests take well under a second.
                .max_elapsed(Duration::from_secs(30)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let token = client.token().await.unwrap();
    let elapsed = started.elapsed();
    // Four requests, all counted by the client and seen by the proxy.
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 4);
    assert_eq!(client.token_requests(), 4);
    // It did back off: the delays are drawn in [50,100] + [100,200] +
    // [200,400] ms, so at least 350 ms passed.
    assert!(elapsed >= Duration::from_millis(350), "{elapsed:?}");
    assert!(!token.as_str().is_empty());

    // More failures than attempts: the last answer, typed.
    let client = tokens(&proxy, &creds).build().unwrap();
    faults.token_503.store(100, Ordering::SeqCst);
    faults.token_hits.store(0, Ordering::SeqCst);
    let error = client.token().await.unwrap_err();
    let ClientError::Unavailable(server) = &error else {
        panic!("expected Unavailable, got {error:?}");
    };
    assert_eq!(server.status, 503);
    assert_eq!(server.error.as_deref(), Some("temporarily_unavailable"));
    assert_eq!(server.attempts, 4);
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 4);
    assert!(error.is_transient());
}

#[actix_web::test]
async fn retries_are_bounded_in_total_time() {
    let Behind {
        issuer: _issuer,
        creds,
        faults,
        proxy,
    } = behind_proxy(None).await;
    faults.token_503.store(1000, Ordering::SeqCst);
    let client = tokens(&proxy, &creds)
        .retry(
            RetryPolicy::default()
                .max_attempts(1000)
                .initial_backoff(Duration::from_millis(200))
                .max_backoff(Duration::from_millis(400))
                .max_elapsed(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.token().await.unwrap_err();
    let elapsed = started.elapsed();
    let hits = faults.token_hits.load(Ordering::SeqCst);
    // The time budget, not the 1000 attempts, ended it. The delays are at
    // least 100 ms (the first) and 200 ms (the others) and must all fit in
    // the 1 s budget: 100 + 4 x 200 = 900 ms, so at most 6 requests.
    assert!((1..=6).contains(&hits), "{hits} requests");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.server_error().unwrap().attempts, hits);
    assert_eq!(client.token_requests(), u64::from(hits));
    // ... and it did not give up early: it stops only when the next delay
    // (400 ms at most) would end past the budget, so after 600 ms at least.
    assert!(
        elapsed >= Duration::from_millis(600),
        "gave up after {elapsed:?}"
    );
}

#[actix_web::test]
async fn connection_errors_and_silent_servers_are_retried_then_reported() {
    let creds = ("m2m_1".to_owned(), "secret".to_owned());
    let refused = closed_port_url();
    let client = tokens(&refused, &creds)
        .retry(quick_retry().max_attempts(3))
        .build()
        .unwrap();
    let error = client.token().await.unwrap_err();
    let ClientError::Network { attempts, url, .. } = &error else {
        panic!("expected Network, got {error:?}");
    };
    assert_eq!(*attempts, 3);
    assert!(url.ends_with("/oauth/token"), "{url}");
    assert!(error.is_transient());
    assert!(!error.to_string().contains("secret"), "{error}");

    // A server that accepts the connection and never answers: each attempt
    // times out after its 300 ms, and the attempts stay bounded at 2.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let client = tokens(&url, &creds)
        .timeout(Duration::from_millis(300))
        .retry(quick_retry().max_attempts(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.token().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(error.to_string().contains("timed out"), "{error}");
    let ClientError::Network { attempts, .. } = &error else {
        panic!("expected Network, got {error:?}");
    };
    assert_eq!(*attempts, 2);
    assert_eq!(client.token_requests(), 2);
    // The connections the silent server got (waiting in its backlog): one
    // per attempt, none reused.
    silent.set_nonblocking(true).unwrap();
    let connections = std::iter::from_fn(|| silent.accept().ok()).count();
    assert_eq!(connections, 2);
    // Each attempt waited its whole timeout.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
}

#[actix_web::test]
async fn refused_credentials_are_reported_and_never_retried() {
    let issuer = DevIssuer::start().await.unwrap();
    let (id, _) = register_client(&issuer, &["read:deployments"], None);
    let before = issuer.token_requests();
    let client = tokens(issuer.url(), &(id.clone(), "wrong-secret".to_owned()))
        .build()
        .unwrap();
    let error = client.token().await.unwrap_err();
    let ClientError::Rejected(server) = &error else {
        panic!("expected Rejected, got {error:?}");
    };
    assert_eq!(server.status, 401);
    assert_eq!(server.error.as_deref(), Some("invalid_client"));
    assert!(
        server
            .description
            .as_deref()
            .unwrap()
            .contains("authentication failed")
    );
    assert_eq!(
        issuer.token_requests() - before,
        1,
        "a 401 must not be retried"
    );
    assert!(!error.is_transient());
    assert!(!format!("{error} {error:?}").contains("wrong-secret"));

    // A scope the client does not have: 400 invalid_scope, one request.
    let creds = register_client(&issuer, &["read:deployments"], None);
    let before = issuer.token_requests();
    let client = tokens(issuer.url(), &creds)
        .scope("deploy:applications")
        .build()
        .unwrap();
    let error = client.token().await.unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error.server_error().unwrap().error.as_deref(),
        Some("invalid_scope")
    );
    assert_eq!(issuer.token_requests() - before, 1);
}

#[actix_web::test]
async fn a_failed_refresh_keeps_the_valid_token() {
    let Behind {
        issuer: _issuer,
        creds,
        faults,
        proxy,
    } = behind_proxy(Some(8)).await;
    // Seconds, not fractions of one: the step that must fall inside the
    // cooldown (and inside the old token's last 4 s) is one call, and a
    // loaded machine may pause the test between two statements.
    let cooldown = Duration::from_secs(3);
    let client = tokens(&proxy, &creds)
        .retry(quick_retry().max_attempts(2))
        .failure_cooldown(cooldown)
        .build()
        .unwrap();
    let first = client.token().await.unwrap();
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 1);

    // From the refresh point (4 s before its expiry) the issuer fails: the
    // old token, still valid, is returned after the two attempts.
    faults.token_503.store(1000, Ordering::SeqCst);
    tokio::time::sleep_until(first.refresh_at().into()).await;
    let during = client.token().await.unwrap();
    let failed = Instant::now();
    assert!(during.same(&first));
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 3);
    // Within the cooldown, no new attempt.
    assert!(client.token().await.unwrap().same(&first));
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 3);

    // After the cooldown (waited for in full), the issuer is back: a new
    // token, with one request.
    faults.token_503.store(0, Ordering::SeqCst);
    tokio::time::sleep_until((failed + cooldown).into()).await;
    let after = client.token().await.unwrap();
    assert!(!after.same(&first));
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 4);
}

// ---------------------------------------------------------------------------
// send_authorized.

struct Api {
    auth: Authenticator,
    /// Tokens refused with 401 whatever they are (the first one seen, or all).
    refuse_first: bool,
    refuse_all: bool,
    first: Mutex<Option<String>>,
    hits: AtomicU32,
}

async fn whoami(req: HttpRequest, api: web::Data<Api>) -> HttpResponse {
    api.hits.fetch_add(1, Ordering::SeqCst);
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned();
    let refused = api.refuse_all || {
        let mut first = api.first.lock().unwrap();
        let first = first.get_or_insert_with(|| token.clone());
        api.refuse_first && *first == token
    };
    if refused {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
            .finish();
    }
    match api.auth.validate(&token).await {
        Ok(claims) => HttpResponse::Ok().body(claims.client_id().unwrap_or("").to_owned()),
        Err(error) => actix_web::ResponseError::error_response(&error),
    }
}

fn spawn_api(api: Api) -> (String, web::Data<Api>) {
    let api = web::Data::new(api);
    let data = api.clone();
    let url = serve(move |cfg| {
        cfg.app_data(data.clone())
            .route("/whoami", web::get().to(whoami))
            .route("/whoami", web::post().to(whoami));
    });
    (url, api)
}

#[actix_web::test]
async fn a_401_renews_the_token_and_retries_once() {
    let issuer = DevIssuer::start().await.unwrap();
    let creds = register_client(&issuer, &["read:deployments"], None);
    let client = tokens(issuer.url(), &creds).build().unwrap();
    let (url, api) = spawn_api(Api {
        auth: issuer.authenticator().build().unwrap(),
        refuse_first: true,
        refuse_all: false,
        first: Mutex::new(None),
        hits: AtomicU32::new(0),
    });
    let http = http_client();
    let before = issuer.token_requests();

    let response = http
        .post(format!("{url}/whoami"))
        .body("{\"service\":\"inventory\"}")
        .send_authorized(&client)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), creds.0);
    assert_eq!(api.hits.load(Ordering::SeqCst), 2);
    assert_eq!(issuer.token_requests() - before, 2);

    // The renewed token is cached: the next call needs no token request.
    let response = http
        .get(format!("{url}/whoami"))
        .send_authorized(&client)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(api.hits.load(Ordering::SeqCst), 3);
    assert_eq!(issuer.token_requests() - before, 2);
}

#[actix_web::test]
async fn a_second_401_is_returned_not_retried_again() {
    let issuer = DevIssuer::start().await.unwrap();
    let creds = register_client(&issuer, &["read:deployments"], None);
    let client = tokens(issuer.url(), &creds).build().unwrap();
    let (url, api) = spawn_api(Api {
        auth: issuer.authenticator().build().unwrap(),
        refuse_first: false,
        refuse_all: true,
        first: Mutex::new(None),
        hits: AtomicU32::new(0),
    });
    let before = issuer.token_requests();
    let response = http_client()
        .get(format!("{url}/whoami"))
        .send_authorized(&client)
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(api.hits.load(Ordering::SeqCst), 2, "one retry, no more");
    assert_eq!(issuer.token_requests() - before, 2);
}

// ---------------------------------------------------------------------------
// Admin client.

fn admin(issuer: &DevIssuer) -> AdminClient {
    let (id, secret) = issuer.admin_credentials();
    AdminClient::new(issuer.url(), id, secret).unwrap()
}

#[actix_web::test]
async fn create_get_list_update_delete() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin(&issuer);

    // Create: the deployment client of Scalekit's API example.
    let created = admin
        .create_organization_client(
            ORG,
            &NewOrganizationClient::new("GitHub Actions Deployment Service")
                .description("Deploys to production via GitHub Actions")
                .scopes(["deploy:applications", "read:deployments"])
                .audience("deployment-api.acmecorp.com")
                .custom_claim("github_repository", "acmecorp/inventory-service")
                .expiry(600),
        )
        .await
        .unwrap();
    let client = &created.client;
    assert!(
        client.client_id.starts_with("m2morg_"),
        "{}",
        client.client_id
    );
    assert_eq!(client.organization_id, ORG);
    assert_eq!(client.scopes, ["deploy:applications", "read:deployments"]);
    assert_eq!(client.audience, ["deployment-api.acmecorp.com"]);
    assert_eq!(client.custom_claims[0].key, "github_repository");
    assert_eq!(client.expiry, Some(600));
    assert_eq!(client.secrets.len(), 1);
    assert!(
        created
            .plain_secret
            .expose()
            .ends_with(&client.secrets[0].secret_suffix)
    );
    assert!(!format!("{created:?}").contains(created.plain_secret.expose()));

    // The new credentials work, and the token carries the registration.
    let tokens = TokenClient::new(
        issuer.url(),
        client.client_id.clone(),
        created.plain_secret.clone(),
    )
    .unwrap();
    let token = tokens.token().await.unwrap();
    let claims = issuer
        .authenticator()
        .audience("deployment-api.acmecorp.com")
        .build()
        .unwrap()
        .validate(token.as_str())
        .await
        .unwrap();
    assert_eq!(
        claims.get::<String>("github_repository").unwrap(),
        "acmecorp/inventory-service"
    );
    assert_eq!(token.lifetime(), Duration::from_secs(600));

    // Get.
    let got = admin
        .get_organization_client(ORG, &client.client_id)
        .await
        .unwrap();
    assert_eq!(
        (
            &got.client_id,
            &got.name,
            &got.scopes,
            &got.audience,
            got.expiry
        ),
        (
            &client.client_id,
            &client.name,
            &client.scopes,
            &client.audience,
            client.expiry
        )
    );
    // The secret was used just now.
    assert!(got.secrets[0].last_used_time.is_some());

    // Update.
    let updated = admin
        .update_organization_client(
            ORG,
            &client.client_id,
            &ClientUpdate::new()
                .name("Deploy bot")
                .scopes(["read:deployments"]),
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Deploy bot");
    assert_eq!(updated.scopes, ["read:deployments"]);
    assert_eq!(updated.audience, client.audience);

    // Delete: gone, and its secret no longer gets tokens.
    admin
        .delete_organization_client(ORG, &client.client_id)
        .await
        .unwrap();
    let error = admin
        .get_organization_client(ORG, &client.client_id)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Api(e) if e.status == 404),
        "{error:?}"
    );
    tokens.invalidate();
    let error = tokens.token().await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Rejected(e) if e.status == 401),
        "{error:?}"
    );
}

#[actix_web::test]
async fn list_pages_through_the_clients() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin(&issuer);
    let org = "org_paging";
    let mut ids = Vec::new();
    for n in 0..5 {
        let created = admin
            .create_organization_client(
                org,
                &NewOrganizationClient::new(format!("client {n}")).scope("read:deployments"),
            )
            .await
            .unwrap();
        ids.push(created.client.client_id);
    }

    let first = admin
        .list_organization_clients(org, Some(2), None)
        .await
        .unwrap();
    assert_eq!(first.clients.len(), 2);
    assert_eq!(first.total_size, 5);
    assert_eq!(first.prev_page_token, None);
    let next = first.next_page_token.clone().expect("a next page");
    let second = admin
        .list_organization_clients(org, Some(2), Some(&next))
        .await
        .unwrap();
    assert_eq!(second.clients.len(), 2);
    assert!(second.prev_page_token.is_some());

    let all = admin
        .list_all_organization_clients(org, Some(2))
        .await
        .unwrap();
    let listed: Vec<_> = all.iter().map(|c| c.client_id.clone()).collect();
    assert_eq!(listed.len(), 5);
    for id in &ids {
        assert!(listed.contains(id), "{id} not listed");
    }

    // The last page has no next page token.
    let last = admin
        .list_organization_clients(org, Some(2), second.next_page_token.as_deref())
        .await
        .unwrap();
    assert_eq!(last.clients.len(), 1);
    assert_eq!(last.next_page_token, None);

    // An organization without clients lists as an empty page.
    let empty = admin
        .list_organization_clients("org_unknown", None, None)
        .await
        .unwrap();
    assert!(empty.clients.is_empty());
    assert_eq!(empty.next_page_token, None);

    // Bad input: refused before sending, or by the server, typed.
    assert!(matches!(
        admin.list_organization_clients(org, Some(0), None).await,
        Err(ClientError::InvalidInput(_))
    ));
    let error = admin
        .list_organization_clients(org, Some(2), Some("not-a-page-token"))
        .await
        .unwrap_err();
    let ClientError::Api(server) = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(server.status, 400);
    assert_eq!(server.field.as_deref(), Some("page_token"));
}

#[actix_web::test]
async fn secrets_are_added_and_removed() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin(&issuer);
    let created = admin
        .create_organization_client(
            ORG,
            &NewOrganizationClient::new("rotating").scope("read:deployments"),
        )
        .await
        .unwrap();
    let id = created.client.client_id.clone();
    let old_secret_id = created.client.secrets[0].id.clone();

    let added = admin
        .add_organization_client_secret(ORG, &id)
        .await
        .unwrap();
    assert!(added.secret.id.starts_with("sks_"));
    assert_ne!(added.secret.id, old_secret_id);
    assert_ne!(added.plain_secret.expose(), created.plain_secret.expose());
    let new_tokens =
        TokenClient::new(issuer.url(), id.clone(), added.plain_secret.clone()).unwrap();
    new_tokens.token().await.unwrap();

    admin
        .remove_organization_client_secret(ORG, &id, &old_secret_id)
        .await
        .unwrap();
    let old_tokens =
        TokenClient::new(issuer.url(), id.clone(), created.plain_secret.clone()).unwrap();
    assert!(matches!(
        old_tokens.token().await,
        Err(ClientError::Rejected(_))
    ));
    let client = admin.get_organization_client(ORG, &id).await.unwrap();
    assert_eq!(client.secrets.len(), 1);
    assert_eq!(client.secrets[0].id, added.secret.id);

    // Unknown secret, unknown client: 404.
    let error = admin
        .remove_organization_client_secret(ORG, &id, "sks_0")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    let error = admin
        .add_organization_client_secret(ORG, "m2morg_0")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert!(matches!(
        admin.remove_organization_client_secret(ORG, &id, "").await,
        Err(ClientError::InvalidInput(_))
    ));
}

#[actix_web::test]
async fn bad_input_is_refused_before_any_request() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin(&issuer);
    let before = issuer.token_requests();

    let error = admin
        .create_organization_client(
            ORG,
            &NewOrganizationClient::new("bad").scopes(["deploy:applications", "Deploy:Apps"]),
        )
        .await
        .unwrap_err();
    let ClientError::InvalidScope { scope, .. } = &error else {
        panic!("expected InvalidScope, got {error:?}");
    };
    assert_eq!(scope, "Deploy:Apps");
    assert!(error.to_string().contains("lowercase"), "{error}");
    for scope in ["deploy", "a:b:c", "deploy:*", ""] {
        assert!(matches!(
            admin
                .create_organization_client(ORG, &NewOrganizationClient::new("bad").scope(scope))
                .await,
            Err(ClientError::InvalidScope { .. })
        ));
    }
    assert!(matches!(
        admin
            .create_organization_client(ORG, &NewOrganizationClient::new("  "))
            .await,
        Err(ClientError::InvalidInput(_))
    ));
    assert!(matches!(
        admin
            .create_organization_client("", &NewOrganizationClient::new("x"))
            .await,
        Err(ClientError::InvalidInput(_))
    ));
    assert!(matches!(
        admin.get_organization_client(ORG, "..").await,
        Err(ClientError::InvalidInput(_))
    ));
    assert!(matches!(
        admin
            .update_organization_client(ORG, "m2morg_1", &ClientUpdate::new())
            .await,
        Err(ClientError::InvalidInput(_))
    ));
    assert!(matches!(
        admin
            .update_organization_client(ORG, "m2morg_1", &ClientUpdate::new().scopes(["x"]))
            .await,
        Err(ClientError::InvalidScope { .. })
    ));
    assert!(matches!(
        admin.delete_organization_client(ORG, "").await,
        Err(ClientError::InvalidInput(_))
    ));
    // Nothing reached the issuer, not even a token request.
    assert_eq!(issuer.token_requests(), before);
}

#[actix_web::test]
async fn server_side_refusals_come_back_typed() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin(&issuer);

    // A reserved custom claim: 400 with the field at fault.
    let error = admin
        .create_organization_client(
            ORG,
            &NewOrganizationClient::new("x")
                .scope("read:deployments")
                .custom_claim("iss", "https://evil.example"),
        )
        .await
        .unwrap_err();
    let ClientError::Api(server) = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(server.status, 400);
    assert_eq!(server.error.as_deref(), Some("invalid_request"));
    assert!(
        server
            .field
            .as_deref()
            .unwrap()
            .starts_with("custom_claims")
    );
    assert!(server.description.is_some());

    // Unknown client: 404 on get, update, delete.
    for error in [
        admin
            .get_organization_client(ORG, "m2morg_404")
            .await
            .unwrap_err(),
        admin
            .update_organization_client(ORG, "m2morg_404", &ClientUpdate::new().name("x"))
            .await
            .unwrap_err(),
        admin
            .delete_organization_client(ORG, "m2morg_404")
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(&error, ClientError::Api(e) if e.status == 404),
            "{error:?}"
        );
        assert!(!error.is_transient());
    }

    // An expiry out of range: 400 naming `expiry`.
    let error = admin
        .create_organization_client(ORG, &NewOrganizationClient::new("x").expiry(0))
        .await
        .unwrap_err();
    assert_eq!(
        error.server_error().unwrap().field.as_deref(),
        Some("expiry")
    );
}

#[actix_web::test]
async fn wrong_admin_credentials_are_a_rejected_token_request() {
    let issuer = DevIssuer::start().await.unwrap();
    let (id, _) = issuer.admin_credentials();
    let admin = AdminClient::new(issuer.url(), id, "wrong").unwrap();
    let before = issuer.token_requests();
    let error = admin
        .list_organization_clients(ORG, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Rejected(e) if e.status == 401),
        "{error:?}"
    );
    assert_eq!(issuer.token_requests() - before, 1);

    // A valid token of a client that is not the management client: 403.
    let creds = register_client(&issuer, &["read:deployments"], None);
    let tokens = tokens(issuer.url(), &creds).build().unwrap();
    let admin = AdminClient::builder(issuer.url(), tokens).build().unwrap();
    let error = admin
        .list_organization_clients(ORG, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Api(e) if e.status == 403),
        "{error:?}"
    );
}

#[actix_web::test]
async fn the_admin_client_renews_its_token_on_401_and_retries_reads() {
    let issuer = DevIssuer::start().await.unwrap();
    let faults = Arc::new(Faults::default());
    let proxy = spawn_proxy(issuer.url(), faults.clone());
    let (id, secret) = issuer.admin_credentials();
    let tokens = TokenClient::builder(id, secret)
        .environment_url(&proxy)
        .retry(quick_retry())
        .build()
        .unwrap();
    let admin = AdminClient::builder(&proxy, tokens.clone())
        .retry(quick_retry())
        .build()
        .unwrap();

    // 401 once: a new token, and the call is sent again.
    faults.api_401.store(1, Ordering::SeqCst);
    let created = admin
        .create_organization_client(ORG, &NewOrganizationClient::new("x").scope("a:b"))
        .await
        .unwrap();
    assert_eq!(faults.api_hits.load(Ordering::SeqCst), 2);
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 2);

    // 401 twice: the second one is the answer.
    faults.api_401.store(2, Ordering::SeqCst);
    let error = admin
        .get_organization_client(ORG, &created.client.client_id)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Api(e) if e.status == 401),
        "{error:?}"
    );
    assert_eq!(faults.api_hits.load(Ordering::SeqCst), 4);
    assert_eq!(faults.token_hits.load(Ordering::SeqCst), 3);

    // A token endpoint failing for a while does not stop a read.
    tokens.invalidate();
    faults.token_503.store(2, Ordering::SeqCst);
    let got = admin
        .get_organization_client(ORG, &created.client.client_id)
        .await
        .unwrap();
    assert_eq!(got.client_id, created.client.client_id);
}

#[actix_web::test]
async fn a_token_client_from_a_lookup() {
    let issuer = DevIssuer::start().await.unwrap();
    let (id, secret) = register_client(&issuer, &["read:deployments"], None);
    let url = issuer.url().to_owned();
    let client = TokenClient::builder_from_lookup(|name| match name {
        "SCOPEGATE_CLIENT_ENVIRONMENT_URL" => Some(url.clone()),
        "SCOPEGATE_CLIENT_ID" => Some(id.clone()),
        "SCOPEGATE_CLIENT_SECRET" => Some(secret.clone()),
        "SCOPEGATE_CLIENT_SCOPES" => Some("read:deployments".into()),
        _ => None,
    })
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(client.token_url(), issuer.token_url());
    assert_eq!(
        client.token().await.unwrap().scope(),
        Some("read:deployments")
    );
}

// ---------------------------------------------------------------------------
// Organizations.

#[actix_web::test]
async fn organizations_are_created_read_and_listed() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin(&issuer);

    // Create and read back: Scalekit's example organization.
    let created = admin
        .create_organization(
            &NewOrganization::new("Looney Corp")
                .external_id("my_unique_id")
                .region_code("US")
                .metadata("plan", "enterprise"),
        )
        .await
        .unwrap();
    assert!(created.id.starts_with("org_"), "{}", created.id);
    assert_eq!(created.display_name, "Looney Corp");
    assert_eq!(created.external_id.as_deref(), Some("my_unique_id"));
    assert_eq!(created.region_code.as_deref(), Some("US"));
    assert_eq!(created.metadata["plan"], "enterprise");
    assert!(created.create_time.is_some());
    let got = admin.get_organization(&created.id).await.unwrap();
    assert_eq!(got, created);

    // Registering a client under an unknown id creates that organization.
    admin
        .create_organization_client(
            "org_implicit",
            &NewOrganizationClient::new("CI").scope("read:deployments"),
        )
        .await
        .unwrap();
    let implicit = admin.get_organization("org_implicit").await.unwrap();
    assert_eq!(implicit.display_name, "org_implicit");
    assert_eq!((implicit.external_id, implicit.region_code), (None, None));

    // More than a page: walk next_page_token to the end.
    let mut expected = vec![created.id.clone(), "org_implicit".to_owned()];
    for n in 0..5 {
        let org = admin
            .create_organization(&NewOrganization::new(format!("Org {n}")))
            .await
            .unwrap();
        expected.push(org.id);
    }
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = admin
            .list_organizations(Some(3), token.as_deref())
            .await
            .unwrap();
        pages += 1;
        assert_eq!(page.total_size, 7);
        assert!(page.organizations.len() <= 3);
        assert_eq!(page.prev_page_token.is_some(), pages > 1);
        listed.extend(page.organizations.into_iter().map(|o| o.id));
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(listed, expected, "every organization once, oldest first");

    let all = admin.list_all_organizations(Some(2)).await.unwrap();
    let all: Vec<_> = all.into_iter().map(|o| o.id).collect();
    assert_eq!(all, expected);
    let default_pages = admin.list_all_organizations(None).await.unwrap();
    assert_eq!(default_pages.len(), 7);
}

#[actix_web::test]
async fn organization_refusals_come_back_typed() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin(&issuer);

    // Refused before any request.
    let before = issuer.token_requests();
    for error in [
        admin
            .create_organization(&NewOrganization::new("  "))
            .await
            .unwrap_err(),
        admin.get_organization("").await.unwrap_err(),
        admin.get_organization("..").await.unwrap_err(),
        admin.list_organizations(Some(0), None).await.unwrap_err(),
    ] {
        assert!(matches!(error, ClientError::InvalidInput(_)), "{error:?}");
    }
    assert_eq!(issuer.token_requests(), before);

    // A taken external id: 409, naming the field.
    let new = NewOrganization::new("A").external_id("ext-1");
    admin.create_organization(&new).await.unwrap();
    let error = admin.create_organization(&new).await.unwrap_err();
    let ClientError::Api(server) = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(server.status, 409);
    assert_eq!(server.error.as_deref(), Some("conflict"));
    assert_eq!(server.field.as_deref(), Some("external_id"));
    assert_eq!(server.attempts, 1, "a refusal is not retried");

    // A region the server does not know: 400, naming the field.
    let error = admin
        .create_organization(&NewOrganization::new("A").region_code("MARS"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Api(e) if e.status == 400 && e.field.as_deref() == Some("region_code")),
        "{error:?}"
    );

    // Unknown organization: 404. A bad page token: 400.
    let error = admin.get_organization("org_404").await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Api(e) if e.status == 404),
        "{error:?}"
    );
    let error = admin
        .list_organizations(None, Some("not-a-page-token"))
        .await
        .unwrap_err();
    assert_eq!(
        error.server_error().and_then(|e| e.field.as_deref()),
        Some("page_token")
    );
}

/// A management API answering organizations bare (not wrapped in
/// `{"organization": ...}`), as some deployments do.
#[actix_web::test]
async fn bare_organizations_are_read_too() {
    let base = serve(|cfg| {
        cfg.route(
            "/oauth/token",
            web::post().to(|| async {
                HttpResponse::Ok().json(serde_json::json!({
                    "access_token": "t", "token_type": "Bearer", "expires_in": 3600
                }))
            }),
        )
        .route(
            "/api/v1/organizations",
            web::post().to(|| async {
                HttpResponse::Created().json(serde_json::json!({
                    "id": "org_1", "display_name": "Looney Corp", "external_id": "",
                    "region_code": "REGION_CODE_UNSPECIFIED", "metadata": null
                }))
            }),
        );
    });
    let admin = AdminClient::new(&base, "skc_1", "secret").unwrap();
    let org = admin
        .create_organization(&NewOrganization::new("Looney Corp"))
        .await
        .unwrap();
    assert_eq!(org.id, "org_1");
    assert_eq!((org.external_id, org.region_code), (None, None));
    assert!(org.metadata.is_empty());
}
