//! The main example: a protected deployment API.
//!
//! ```text
//! cargo run --features dev,client --example deploy_api                  # serve on 127.0.0.1:8080
//! cargo run --features dev,client --example deploy_api -- --self-check  # run the whole flow, exit 0 if all is as expected
//! cargo run --features dev,client --example deploy_api -- --addr 127.0.0.1:9000
//! ```
//!
//! * `POST /deploy` needs `deploy:applications`
//! * `GET /deployments` needs `read:deployments`
//! * everything under `/admin` needs `admin:deployments` (a guard on the
//!   whole scope), and `POST /admin/purge` also `deploy:applications`
//! * `GET /health` is open
//! * `GET /metrics`: scopegate's metrics in the Prometheus text format
//!   (decisions, key fetches, cache hits, validation time), through
//!   `metrics-exporter-prometheus`; an operator would keep this endpoint
//!   off the public listener
//! * `GET /.well-known/oauth-protected-resource`: RFC 9728 metadata (and
//!   every `401`/`403` challenge names it in `resource_metadata`)
//! * `GET /openapi.json` (with `--features utoipa`): the OpenAPI document,
//!   each operation's security and the OAuth 2.0 scheme generated from the
//!   same `#[require_scopes]` and the scope catalog
//!
//! Every scope is declared once, with its description, in
//! `examples/deploy_api.catalog`; a scope the catalog does not declare does
//! not compile. At startup the example prints the route inventory.
//!
//! With `SCALEKIT_ENVIRONMENT_URL` set, tokens come from that Scalekit
//! environment (and `SCOPEGATE_AUDIENCE`, if set, is checked). Otherwise the
//! example starts scopegate's embedded dev issuer on loopback, registers a
//! demo organization with two API clients, and prints their credentials and
//! `curl` lines to try.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::OnceLock;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, Responder, get, post, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use scopegate::dev::{DevIssuer, NewOrganizationClient};
use scopegate::{
    Authenticator, Claims, policy::ScopeCatalog, require_scopes, require_scopes_guard,
    resource_metadata::ProtectedResource, scope_catalog,
};

const AUDIENCE: &str = "deployment-api.local";
const ORG: &str = "org_demo";

/// The scopes the API declares, with their descriptions (for OpenAPI and
/// the RFC 9728 metadata).
pub(crate) const CATALOG: ScopeCatalog = scope_catalog!("deploy_api.catalog");

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct Deploy {
    service: String,
}

/// Deploy a service.
#[require_scopes(catalog = "deploy_api.catalog", "deploy:applications")]
#[utoipa::path(request_body = Deploy, responses((status = 200, description = "deploying")))]
#[post("/deploy")]
async fn deploy(claims: Claims, body: web::Json<Deploy>) -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({
        "status": "deploying",
        "service": body.service,
        "requested_by": claims.client_id(),
        "organization": claims.oid(),
    }))
}

/// List the deployments.
#[require_scopes(catalog = "deploy_api.catalog", "read:deployments")]
#[utoipa::path(responses((status = 200, description = "the deployments")))]
#[get("/deployments")]
async fn deployments() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!([
        {"service": "inventory-service", "version": "1.4.2"},
        {"service": "billing-service", "version": "2.0.0"},
    ]))
}

/// Purge old deployments; under `/admin`, whose guard also requires
/// `admin:deployments`.
#[require_scopes(catalog = "deploy_api.catalog", "deploy:applications")]
#[post("/purge")]
async fn purge() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({"purged": 0}))
}

#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// The OpenAPI document (feature `utoipa`).
#[cfg(feature = "utoipa")]
mod openapi_doc {
    use utoipa::{Modify, OpenApi};

    #[derive(OpenApi)]
    #[openapi(
        info(title = "Deployment API", version = "1.0.0"),
        paths(super::deploy, super::deployments)
    )]
    struct ApiDoc;

    /// The document, with the OAuth 2.0 client-credentials scheme whose
    /// token URL is `token_url` and whose scopes are the catalog's.
    pub(super) fn document(token_url: &str) -> serde_json::Value {
        let mut doc = ApiDoc::openapi();
        scopegate::openapi::OAuth2ClientCredentials::new(token_url)
            .catalog(&super::CATALOG)
            .modify(&mut doc);
        serde_json::to_value(doc).unwrap_or_default()
    }
}

/// The routes, for `App::configure`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(deploy)
        .service(deployments)
        .service(health)
        .service(
            web::scope("/admin")
                .wrap(require_scopes_guard!(
                    catalog = "deploy_api.catalog",
                    "admin:deployments"
                ))
                .service(purge),
        );
}

/// A running API.
pub(crate) struct Running {
    /// `http://127.0.0.1:PORT`, also its RFC 9728 resource identifier.
    pub url: String,
    /// Stops it.
    pub handle: ServerHandle,
    /// Its task.
    pub task: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
}

/// Serves the API on `addr` with `auth`; `token_url` is the token endpoint
/// the OpenAPI document names.
pub(crate) fn start(
    auth: &Authenticator,
    addr: SocketAddr,
    token_url: &str,
) -> Result<Running, Box<dyn std::error::Error>> {
    let prometheus = prometheus();
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let metadata = ProtectedResource::builder(url.clone())
        .authorization_server(auth.issuer())
        .catalog(&CATALOG)
        .resource_name("Deployment API")
        .build()?;
    #[cfg(feature = "utoipa")]
    let openapi = web::Data::new(openapi_doc::document(token_url));
    #[cfg(not(feature = "utoipa"))]
    let _ = token_url;
    let server = HttpServer::new({
        let auth = auth.clone();
        move || {
            let prometheus = prometheus.clone();
            let app = App::new()
                .wrap(metadata.clone())
                .app_data(auth.clone())
                .configure(routes)
                .route(
                    "/metrics",
                    web::get().to(move || {
                        let text = prometheus.render();
                        async move {
                            HttpResponse::Ok()
                                .content_type("text/plain; version=0.0.4")
                                .body(text)
                        }
                    }),
                );
            #[cfg(feature = "utoipa")]
            let app = app.app_data(openapi.clone()).route(
                "/openapi.json",
                web::get().to(|doc: web::Data<serde_json::Value>| async move {
                    HttpResponse::Ok().json(doc.get_ref())
                }),
            );
            app
        }
    })
    .workers(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let task = actix_web::rt::spawn(server);
    Ok(Running { url, handle, task })
}

/// The process's Prometheus recorder, installed on first use (the `metrics`
/// facade has one recorder per process). Should another recorder already
/// be installed, a handle that renders nothing.
fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .install_recorder()
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle())
        })
        .clone()
}

struct Options {
    addr: SocketAddr,
    self_check: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
        self_check: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--self-check" => options.self_check = true,
            "--addr" => {
                let value = args
                    .next()
                    .ok_or("--addr needs a value, e.g. --addr 127.0.0.1:8080")?;
                options.addr = value.parse().map_err(|e| format!("--addr {value}: {e}"))?;
            }
            "-h" | "--help" => {
                return Err("usage: deploy_api [--addr IP:PORT] [--self-check]".into());
            }
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    if options.self_check {
        options.addr.set_port(0);
    }
    Ok(options)
}

/// Credentials of one demo API client.
struct DemoClient {
    name: &'static str,
    client_id: String,
    secret: String,
}

/// Starts the embedded issuer and registers the demo organization's clients.
async fn start_dev_issuer() -> Result<(DevIssuer, Vec<DemoClient>), Box<dyn std::error::Error>> {
    let issuer = DevIssuer::start().await?;
    let mut clients = Vec::new();
    for (name, scopes) in [
        ("deployer", vec!["deploy:applications", "read:deployments"]),
        ("reader", vec!["read:deployments"]),
    ] {
        let created = issuer.create_client(
            ORG,
            NewOrganizationClient::new(format!("Demo {name}"))
                .description(format!("The {name} of the demo organization"))
                .scopes(scopes)
                .audience(AUDIENCE)
                .expiry(3600),
        )?;
        clients.push(DemoClient {
            name,
            client_id: created.client.client_id,
            secret: created.plain_secret.expose().to_owned(),
        });
    }
    Ok((issuer, clients))
}

#[actix_web::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(options).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<ExitCode, Box<dyn std::error::Error>> {
    // The recorder first: scopegate registers its metrics on first use.
    prometheus();
    let scalekit = std::env::var(scopegate::env::ENVIRONMENT_URL).is_ok_and(|v| !v.is_empty());
    let (auth, dev) = if scalekit {
        (Authenticator::from_env()?, None)
    } else {
        let (issuer, clients) = start_dev_issuer().await?;
        let auth = issuer.authenticator().audience(AUDIENCE).build()?;
        (auth, Some((issuer, clients)))
    };

    let token_url = match &dev {
        Some((issuer, _)) => issuer.token_url(),
        None => format!("{}/oauth/token", auth.issuer().trim_end_matches('/')),
    };
    let running = start(&auth, options.addr, &token_url)?;
    let api = running.url.clone();
    let handle = running.handle.clone();

    println!("Protected routes (the route inventory):");
    for route in scopegate::inventory::routes() {
        println!("  {route}");
    }

    if options.self_check {
        let Some((issuer, clients)) = &dev else {
            return Err(
                "--self-check runs against the embedded issuer; unset SCALEKIT_ENVIRONMENT_URL"
                    .into(),
            );
        };
        let ok = self_check::run(&api, issuer, clients).await?;
        handle.stop(true).await;
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }

    println!("Protected API on {api} (issuer {})", auth.issuer());
    println!("  POST {api}/deploy         needs deploy:applications");
    println!("  GET  {api}/deployments    needs read:deployments");
    println!("  POST {api}/admin/purge    needs admin:deployments (guard) and deploy:applications");
    println!("  GET  {api}/health         open");
    println!("  GET  {api}/.well-known/oauth-protected-resource   RFC 9728 metadata");
    println!("  GET  {api}/metrics        Prometheus metrics");
    if cfg!(feature = "utoipa") {
        println!("  GET  {api}/openapi.json   the OpenAPI document");
    }
    if let Some((issuer, clients)) = &dev {
        print_walkthrough(&api, issuer, clients);
    }
    running.task.await??;
    Ok(ExitCode::SUCCESS)
}

fn print_walkthrough(api: &str, issuer: &DevIssuer, clients: &[DemoClient]) {
    println!();
    println!(
        "Embedded dev issuer on {} (organization {ORG}):",
        issuer.url()
    );
    for client in clients {
        println!(
            "  {:<8}  client_id={}  client_secret={}",
            client.name, client.client_id, client.secret
        );
    }
    let token_url = issuer.token_url();
    println!();
    println!("Try it:");
    for client in clients {
        let var = format!("{}_TOKEN", client.name.to_uppercase());
        println!(
            "  {var}=$(curl -s {token_url} -d grant_type=client_credentials -d client_id={} -d client_secret={} | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')",
            client.client_id, client.secret
        );
    }
    println!(
        "  curl -i {api}/deployments -H \"Authorization: Bearer $READER_TOKEN\"                # 200"
    );
    println!(
        "  curl -i -X POST {api}/deploy -H \"Authorization: Bearer $DEPLOYER_TOKEN\" -H 'content-type: application/json' -d '{{\"service\":\"inventory-service\"}}'   # 200"
    );
    println!(
        "  curl -i -X POST {api}/deploy -H \"Authorization: Bearer $READER_TOKEN\" -H 'content-type: application/json' -d '{{\"service\":\"inventory-service\"}}'     # 403"
    );
    println!(
        "  curl -i {api}/deployments                                                          # 401"
    );
}

mod self_check {
    //! The whole flow over real HTTP, step by step, with scopegate's own
    //! client side: `TokenClient` fetches the tokens, `send_authorized`
    //! sends the calls.

    use scopegate::client::{ClientError, SendAuthorized, TokenClient};
    use scopegate::dev::DevIssuer;

    use super::DemoClient;

    fn token_client(
        issuer: &DevIssuer,
        client_id: &str,
        secret: &str,
    ) -> Result<TokenClient, ClientError> {
        TokenClient::builder(client_id, secret)
            .token_url(issuer.token_url())
            .build()
    }

    /// The status a token fetch ended with: 200, or the server's refusal.
    fn fetch_status(result: &Result<scopegate::client::AccessToken, ClientError>) -> u16 {
        match result {
            Ok(_) => 200,
            Err(error) => error.status().unwrap_or(0),
        }
    }

    pub(super) async fn run(
        api: &str,
        issuer: &DevIssuer,
        clients: &[DemoClient],
    ) -> Result<bool, Box<dyn std::error::Error>> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        let mut all_ok = true;
        let mut step = |what: &str, got: u16, want: u16| {
            let ok = got == want;
            all_ok &= ok;
            println!(
                "{} {what}: {got} (expected {want})",
                if ok { "ok  " } else { "FAIL" }
            );
        };

        let deployer = token_client(issuer, &clients[0].client_id, &clients[0].secret)?;
        let reader = token_client(issuer, &clients[1].client_id, &clients[1].secret)?;
        let wrong = token_client(issuer, &clients[0].client_id, "not-the-secret")?;
        step(
            "deployer fetches a token",
            fetch_status(&deployer.token().await),
            200,
        );
        step(
            "reader fetches a token",
            fetch_status(&reader.token().await),
            200,
        );
        step(
            "a wrong secret gets no token",
            fetch_status(&wrong.token().await),
            401,
        );

        let body = serde_json::json!({"service": "inventory-service"});
        let status = http
            .get(format!("{api}/health"))
            .send()
            .await?
            .status()
            .as_u16();
        step("GET /health, no token", status, 200);
        let status = http
            .get(format!("{api}/deployments"))
            .send()
            .await?
            .status()
            .as_u16();
        step("GET /deployments, no token", status, 401);
        let status = http
            .get(format!("{api}/deployments"))
            .bearer_auth("not.a.token")
            .send()
            .await?
            .status()
            .as_u16();
        step("GET /deployments, garbage token", status, 401);
        let status = http
            .get(format!("{api}/deployments"))
            .send_authorized(&reader)
            .await?
            .status()
            .as_u16();
        step("GET /deployments as reader", status, 200);
        let status = http
            .post(format!("{api}/deploy"))
            .json(&body)
            .send_authorized(&reader)
            .await?
            .status()
            .as_u16();
        step("POST /deploy as reader", status, 403);
        let status = http
            .get(format!("{api}/deployments"))
            .send_authorized(&deployer)
            .await?
            .status()
            .as_u16();
        step("GET /deployments as deployer", status, 200);
        let status = http
            .post(format!("{api}/deploy"))
            .json(&body)
            .send_authorized(&deployer)
            .await?
            .status()
            .as_u16();
        step("POST /deploy as deployer", status, 200);
        // The guard on /admin: the deployer holds deploy:applications but
        // not admin:deployments.
        let response = http
            .post(format!("{api}/admin/purge"))
            .send_authorized(&deployer)
            .await?;
        step(
            "POST /admin/purge as deployer (guard)",
            response.status().as_u16(),
            403,
        );
        let metadata_url = format!("{api}/.well-known/oauth-protected-resource");
        let names_metadata = |response: &reqwest::Response| {
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains(&format!("resource_metadata=\"{metadata_url}\"")))
        };
        step(
            "the 403 challenge names the metadata",
            u16::from(names_metadata(&response)),
            1,
        );
        let response = http.get(format!("{api}/deployments")).send().await?;
        step(
            "the 401 challenge names the metadata",
            u16::from(names_metadata(&response)),
            1,
        );
        let response = http.get(&metadata_url).send().await?;
        step(
            "GET /.well-known/oauth-protected-resource",
            response.status().as_u16(),
            200,
        );
        let document: serde_json::Value = response.json().await?;
        step(
            "the metadata names this resource and its issuer",
            u16::from(
                document["resource"] == api
                    && document["authorization_servers"][0]
                        .as_str()
                        .map(|s| s.trim_end_matches('/'))
                        == Some(issuer.url().trim_end_matches('/')),
            ),
            1,
        );
        #[cfg(feature = "utoipa")]
        {
            let response = http.get(format!("{api}/openapi.json")).send().await?;
            step("GET /openapi.json", response.status().as_u16(), 200);
            let doc: serde_json::Value = response.json().await?;
            step(
                "OpenAPI: POST /deploy requires deploy:applications",
                u16::from(
                    doc["paths"]["/deploy"]["post"]["security"]
                        == serde_json::json!([{"oauth2": ["deploy:applications"]}]),
                ),
                1,
            );
        }
        let response = http.get(format!("{api}/metrics")).send().await?;
        step("GET /metrics", response.status().as_u16(), 200);
        let text = response.text().await?;
        // The reader's GET /deployments (and more) was allowed, the
        // reader's POST /deploy refused: both are counted.
        let counted = |outcome: &str| {
            text.lines().any(|line| {
                line.starts_with("scopegate_decisions_total{")
                    && line.contains(&format!("outcome=\"{outcome}\""))
            })
        };
        step(
            "the metrics count allowed and refused decisions",
            u16::from(counted("allowed") && counted("403") && counted("401")),
            1,
        );
        let requests = u16::try_from(issuer.token_requests()).unwrap_or(u16::MAX);
        step("token requests the issuer saw (tokens reused)", requests, 3);

        println!(
            "{}",
            if all_ok {
                "self-check passed"
            } else {
                "self-check FAILED"
            }
        );
        Ok(all_ok)
    }
}
