//! The client side, end to end, on the embedded dev issuer:
//!
//! ```text
//! cargo run --features dev,client --example client
//! ```
//!
//! 1. registers an API client with the admin client (management API),
//! 2. fetches a token for it with the token client (cached, refreshed),
//! 3. calls a protected actix-web API with `send_authorized`,
//! 4. rotates the client's secret and deletes the client.
//!
//! Against Scalekit, replace the dev issuer with `AdminClient::from_env()`
//! (`SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_CLIENT_ID`,
//! `SCALEKIT_CLIENT_SECRET`) and `TokenClient::from_env()`.

use std::process::ExitCode;

use actix_web::{App, HttpResponse, HttpServer, post};
use scopegate::client::{AdminClient, NewOrganizationClient, SendAuthorized, TokenClient};
use scopegate::dev::DevIssuer;
use scopegate::{Claims, require_scopes};

#[post("/deploy")]
#[require_scopes("deploy:applications")]
async fn deploy(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().body(format!(
        "deploying for {}",
        claims.client_id().unwrap_or("?")
    ))
}

#[actix_web::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = DevIssuer::start().await?;

    // 1. Register an API client, as the environment's admin.
    let (admin_id, admin_secret) = issuer.admin_credentials();
    let admin = AdminClient::new(issuer.url(), admin_id, admin_secret)?;
    let created = admin
        .create_organization_client(
            "org_59615193906282635",
            &NewOrganizationClient::new("GitHub Actions Deployment Service")
                .scopes(["deploy:applications", "read:deployments"])
                .custom_claim("github_repository", "acmecorp/inventory-service")
                .expiry(3600),
        )
        .await?;
    let client_id = created.client.client_id.clone();
    println!("registered {client_id}");

    // 2. The API client fetches (and keeps) a token.
    let tokens = TokenClient::builder(client_id.clone(), created.plain_secret.clone())
        .environment_url(issuer.url())
        .scope("deploy:applications")
        .build()?;
    let token = tokens.token().await?;
    println!(
        "token: expires in {} s, scope {:?}",
        token.remaining().as_secs(),
        token.scope()
    );

    // 3. Call a protected API with it.
    let auth = issuer.authenticator().build()?;
    let server = HttpServer::new(move || App::new().app_data(auth.clone()).service(deploy))
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))?;
    let api = format!("http://{}", server.addrs()[0]);
    let handle = server.run();
    let stop = handle.handle();
    actix_web::rt::spawn(handle);
    let response = reqwest::Client::new()
        .post(format!("{api}/deploy"))
        .send_authorized(&tokens)
        .await?;
    println!(
        "POST /deploy -> {}: {}",
        response.status(),
        response.text().await?
    );

    // 4. Rotate the secret, then delete the client.
    let added = admin
        .add_organization_client_secret("org_59615193906282635", &client_id)
        .await?;
    let old = &created.client.secrets[0].id;
    admin
        .remove_organization_client_secret("org_59615193906282635", &client_id, old)
        .await?;
    println!("rotated: {} replaces {old}", added.secret.id);
    admin
        .delete_organization_client("org_59615193906282635", &client_id)
        .await?;
    println!("deleted {client_id}");
    stop.stop(false).await;
    Ok(())
}
