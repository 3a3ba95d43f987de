//! The embedded dev authorization server, standalone.
//!
//! ```text
//! cargo run --features dev --example dev_issuer                         # 127.0.0.1:9000
//! cargo run --features dev --example dev_issuer -- --addr 127.0.0.1:9100
//! ```
//!
//! It prints its URL and the management client's credentials. Point an API
//! at it with `SCALEKIT_ENVIRONMENT_URL=<url>`, register API clients with
//! `POST <url>/api/v1/organizations/<org>/clients`, and fetch tokens at
//! `POST <url>/oauth/token`. Everything is in memory: stopping it forgets
//! keys, clients and secrets.

use std::net::SocketAddr;
use std::process::ExitCode;

use scopegate::dev::DevIssuer;

fn parse_addr() -> Result<SocketAddr, String> {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 9000));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                let value = args
                    .next()
                    .ok_or("--addr needs a value, e.g. --addr 127.0.0.1:9000")?;
                addr = value.parse().map_err(|e| format!("--addr {value}: {e}"))?;
            }
            "-h" | "--help" => return Err("usage: dev_issuer [--addr IP:PORT]".into()),
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    Ok(addr)
}

#[actix_web::main]
async fn main() -> ExitCode {
    let addr = match parse_addr() {
        Ok(addr) => addr,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let issuer = match DevIssuer::builder().bind(addr).start().await {
        Ok(issuer) => issuer,
        Err(error) => {
            eprintln!("error: cannot start the dev issuer on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (admin_id, admin_secret) = issuer.admin_credentials();
    let url = issuer.url();
    println!("scopegate dev issuer on {url}");
    println!("  token endpoint  POST {}", issuer.token_url());
    println!("  JWKS            GET  {}", issuer.jwks_url());
    println!("  discovery       GET  {url}/.well-known/openid-configuration");
    println!("  management API       {url}/api/v1/organizations/<org_id>/clients");
    println!();
    println!("  SCALEKIT_ENVIRONMENT_URL={url}");
    println!("  SCALEKIT_CLIENT_ID={admin_id}");
    println!("  SCALEKIT_CLIENT_SECRET={admin_secret}");
    println!();
    println!("Press Ctrl-C to stop (all state is in memory and is lost).");
    if let Err(error) = actix_web::rt::signal::ctrl_c().await {
        eprintln!("error: waiting for Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    issuer.stop().await;
    ExitCode::SUCCESS
}
