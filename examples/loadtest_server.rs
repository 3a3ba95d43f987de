//! The server `scripts/loadtest.sh` drives: open and protected routes with
//! the same trivial handler on one actix worker, tokens from the embedded
//! dev issuer.
//!
//! ```text
//! cargo run --release --features dev --example loadtest_server -- \
//!     --out /tmp/loadtest.tokens [--addr 127.0.0.1:0] [--distinct 2000] \
//!     [--token-cache-bytes BYTES] [--exit-after SECS]
//! ```
//!
//! * `GET /open`: no authorization.
//! * `GET /protected`: `#[require_scopes("read:deployments")]`.
//! * `GET /claims`: the same, and the handler takes the `Claims`.
//! * `GET /baseline`: the same check written by hand with
//!   `jsonwebtoken::decode` (`iss`, `aud`, `exp`, `nbf`, then the scope),
//!   with a `DecodingKey` built once from the issuer's JWKS: what scopegate
//!   is compared against.
//!
//! Once listening, it writes to `--out` (atomically: a temporary file
//! renamed), one `name value` pair per line:
//!
//! ```text
//! addr 127.0.0.1:PORT
//! pid 12345
//! token_cache_bytes 1048576
//! repeated <token>      read:deployments, for the repeated-token runs
//! insufficient <token>  deploy:applications only: 403
//! garbage <token>       token-sized, not a JWT: 401
//! distinct <token>      --distinct lines, each a different valid token
//! ```
//!
//! `--token-cache-bytes` sets the verified-token cache's budget (0 turns it
//! off; without it, the library default of 16 MiB). Tokens are minted and
//! written one by one, never all held in memory, so that the process's
//! memory after start-up is the server's own. The server exits by itself
//! after `--exit-after` seconds (default 900).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, get, web};
use jsonwebtoken::{DecodingKey, Validation};
use scopegate::dev::DevIssuer;
use scopegate::{Claims, require_scopes};

const AUDIENCE: &str = "deployment-api.acmecorp.com";

#[get("/open")]
async fn open() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

#[get("/protected")]
#[require_scopes("read:deployments")]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

#[get("/claims")]
#[require_scopes("read:deployments")]
async fn with_claims(claims: Claims) -> HttpResponse {
    std::hint::black_box(claims.exp());
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The hand-written baseline's key and rules.
struct Baseline {
    key: DecodingKey,
    rules: Validation,
}

/// The claims a hand-written `jsonwebtoken` integration would declare.
#[allow(dead_code)]
#[derive(serde::Deserialize)]
struct ScalekitClaims {
    client_id: String,
    sub: String,
    oid: String,
    scopes: Vec<String>,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    environment: Option<String>,
}

#[get("/baseline")]
async fn baseline(req: HttpRequest, baseline: web::Data<Baseline>) -> HttpResponse {
    let Some(token) = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return HttpResponse::Unauthorized().finish();
    };
    match jsonwebtoken::decode::<ScalekitClaims>(token, &baseline.key, &baseline.rules) {
        Ok(data) if data.claims.scopes.iter().any(|s| s == "read:deployments") => {
            HttpResponse::Ok().content_type("text/plain").body("ok")
        }
        Ok(_) => HttpResponse::Forbidden().finish(),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

/// The issuer's signing key from its JWKS, for the baseline.
async fn baseline_from_jwks(issuer: &DevIssuer) -> Result<Baseline, Box<dyn std::error::Error>> {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
    let jwks: serde_json::Value = reqwest::get(issuer.jwks_url()).await?.json().await?;
    let kid = issuer.signing_kid();
    let jwk = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid.as_str()))
        .ok_or("the signing key is not in the JWKS")?;
    let (Some(n), Some(e)) = (jwk["n"].as_str(), jwk["e"].as_str()) else {
        return Err("the JWK has no n or e".into());
    };
    let mut rules = Validation::new(jsonwebtoken::Algorithm::RS256);
    rules.set_issuer(&[issuer.url()]);
    rules.set_audience(&[AUDIENCE]);
    rules.validate_nbf = true;
    rules.leeway = 30;
    Ok(Baseline {
        key: DecodingKey::from_rsa_components(n, e)?,
        rules,
    })
}

struct Options {
    addr: SocketAddr,
    out: PathBuf,
    distinct: usize,
    token_cache_bytes: Option<u64>,
    exit_after: Duration,
}

const USAGE: &str = "usage: loadtest_server --out FILE [--addr 127.0.0.1:0] [--distinct N] \
                     [--token-cache-bytes BYTES] [--exit-after SECS]";

fn parse_args() -> Result<Options, String> {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut out = None;
    let mut distinct = 2000;
    let mut token_cache_bytes = None;
    let mut exit_after = Duration::from_secs(900);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--addr" => addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--distinct" => distinct = value()?.parse().map_err(|e| format!("--distinct: {e}"))?,
            "--token-cache-bytes" => {
                token_cache_bytes = Some(
                    value()?
                        .parse()
                        .map_err(|e| format!("--token-cache-bytes: {e}"))?,
                )
            }
            "--exit-after" => {
                exit_after =
                    Duration::from_secs(value()?.parse().map_err(|e| format!("--exit-after: {e}"))?)
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if !addr.ip().is_loopback() {
        return Err("--addr must be a loopback address".into());
    }
    Ok(Options {
        addr,
        out: out.ok_or_else(|| format!("--out is required\n{USAGE}"))?,
        distinct,
        token_cache_bytes,
        exit_after,
    })
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
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let issuer = DevIssuer::start().await?;
    let mut builder = issuer.authenticator().audience(AUDIENCE);
    if let Some(bytes) = options.token_cache_bytes {
        builder = builder.token_cache_bytes(bytes);
    }
    let auth = builder.build()?;
    let baseline_data = web::Data::new(baseline_from_jwks(&issuer).await?);

    let server = HttpServer::new({
        let auth = auth.clone();
        move || {
            App::new()
                .app_data(auth.clone())
                .app_data(baseline_data.clone())
                .service(open)
                .service(protected)
                .service(with_claims)
                .service(baseline)
        }
    })
    .workers(1)
    .bind(options.addr)?;
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    let running = actix_web::rt::spawn(server);

    write_tokens(&options, &issuer, addr)?;
    println!("loadtest_server listening on http://{addr}");

    actix_web::rt::spawn({
        let handle = handle.clone();
        let after = options.exit_after;
        async move {
            actix_web::rt::time::sleep(after).await;
            eprintln!("loadtest_server: --exit-after reached, stopping");
            handle.stop(true).await;
        }
    });
    running.await??;
    Ok(())
}

/// Mints the tokens and writes them, with the address, to `--out`.
fn write_tokens(
    options: &Options,
    issuer: &DevIssuer,
    addr: SocketAddr,
) -> Result<(), Box<dyn std::error::Error>> {
    let realistic = || {
        issuer
            .token()
            .scopes(["read:deployments", "deploy:applications"])
            .audience(AUDIENCE)
            .claim("environment", serde_json::json!("production-eu-west-1"))
    };
    let mut tmp = options.out.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    writeln!(file, "addr {addr}")?;
    writeln!(file, "pid {}", std::process::id())?;
    match options.token_cache_bytes {
        Some(bytes) => writeln!(file, "token_cache_bytes {bytes}")?,
        None => writeln!(file, "token_cache_bytes default")?,
    }
    let repeated = realistic().mint();
    writeln!(file, "repeated {repeated}")?;
    let insufficient = issuer
        .token()
        .scopes(["deploy:applications"])
        .audience(AUDIENCE)
        .mint();
    writeln!(file, "insufficient {insufficient}")?;
    // As long as a real token, three dot-separated parts, none of them
    // decoding to JSON.
    let garbage: String = repeated
        .bytes()
        .enumerate()
        .map(|(i, b)| match b {
            b'.' => '.',
            _ => char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[i % 64],
            ),
        })
        .collect();
    writeln!(file, "garbage {garbage}")?;
    for _ in 0..options.distinct {
        writeln!(file, "distinct {}", realistic().mint())?;
    }
    file.into_inner()?.sync_all()?;
    std::fs::rename(&tmp, &options.out)?;
    Ok(())
}
