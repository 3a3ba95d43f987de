//! `scopegate`: fetch client-credentials tokens, register API clients,
//! create and list organizations, decode tokens and check them against an issuer, from the command line.
//!
//! Exit codes: 0 ok, 1 rejected, 2 usage or configuration error, 3 network
//! or issuer error. Run `scopegate --help` for the commands and the
//! environment variables they read.
#![forbid(unsafe_code)]
// Doc comments here are clap's `--help` text, where `<ISSUER>` is a
// placeholder, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod check;
mod clients;
mod decode;
mod exit;
mod input;
mod orgs;
mod revoke;
mod token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use exit::Failure;

const AFTER_HELP: &str = "\
Exit codes:
  0  ok: the token was fetched, the call succeeded, the token is accepted
  1  rejected: the token is refused (and why is printed), the credentials or
     the request were refused by the server
  2  usage or configuration error: a bad flag, a missing variable, a bad URL
  3  network or issuer error: the server could not be reached, kept failing,
     or answered something that is not the wire format

Environment:
  SCOPEGATE_CLIENT_ENVIRONMENT_URL  environment (issuer) URL for `token`, `revoke`, `check`
                                    (falls back to SCALEKIT_ENVIRONMENT_URL)
  SCOPEGATE_CLIENT_TOKEN_URL        token endpoint, if not <env>/oauth/token
  SCOPEGATE_CLIENT_ID               API client id for `token`, `revoke`
  SCOPEGATE_CLIENT_SECRET           its secret (the pair falls back to
                                    SCALEKIT_CLIENT_ID / SCALEKIT_CLIENT_SECRET)
  SCOPEGATE_CLIENT_SCOPES           scopes `token` asks for (space or comma separated)
  SCOPEGATE_CLIENT_AUDIENCE         audience `token` asks for
  SCALEKIT_ENVIRONMENT_URL          environment URL for `clients`, `orgs` and `check`
  SCALEKIT_CLIENT_ID                the environment's management client, for
                                    `clients` and `orgs`
  SCALEKIT_CLIENT_SECRET            its secret
  SCALEKIT_ORGANIZATION_ID          default --org for `clients`
  SCOPEGATE_AUDIENCE                default --audience for `check`

Secrets are read from the environment (or stdin), never from flags, and are
never printed except the `plain_secret` of a newly created client.";

/// OAuth 2.0 client credentials from the command line: fetch tokens,
/// register API clients, manage organizations, decode tokens, and check
/// them against an issuer.
#[derive(Debug, Parser)]
#[command(name = "scopegate", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch an access token for an API client (client-credentials grant)
    /// and print it.
    ///
    /// The token goes to stdout alone (for `$(scopegate token)`), its
    /// lifetime and scope to stderr. Connection errors and 5xx are retried
    /// with backoff; refused credentials are reported with the server's
    /// `error` and `error_description` (exit 1).
    Token(token::TokenArgs),
    /// Register, list, show and delete an organization's API clients
    /// (management API; authenticates with SCALEKIT_CLIENT_ID/SECRET).
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// Create, list and show the environment's organizations (management
    /// API; authenticates with SCALEKIT_CLIENT_ID/SECRET).
    #[command(subcommand)]
    Orgs(orgs::OrgsCommand),
    /// Show a token's header and claims WITHOUT verifying anything.
    ///
    /// Anyone can write a token that decodes; only `scopegate check` says
    /// whether the issuer signed it and whether it is still valid.
    Decode(decode::DecodeArgs),
    /// Verify a token against the issuer's keys, and explain in plain words
    /// why it is accepted or which rule rejects it.
    ///
    /// Runs exactly the checks an API protected by scopegate runs:
    /// algorithm allow-list (RS256), signature with the issuer's key named
    /// by `kid`, `iss`, `aud` (when --audience is given), `exp`/`nbf` with
    /// the leeway, then the scopes. Exit 0 when accepted, 1 when rejected
    /// (the reason is printed), 2 on a usage error, 3 when the issuer's keys
    /// cannot be fetched.
    Check(check::CheckArgs),
    /// Revoke an access token at the issuer's revocation endpoint
    /// (RFC 7009), authenticating as the API client it was issued to.
    ///
    /// The token comes from the argument, or stdin with `-`. The server
    /// answers success for a token that was already invalid (exit 0);
    /// refused credentials or a token of another client exit 1.
    Revoke(revoke::RevokeArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version itself, with exit code 0;
            // usage errors get 2.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::NETWORK);
        }
    };
    let outcome = runtime.block_on(run(cli.command));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn run(command: Command) -> Result<u8, Failure> {
    match command {
        Command::Token(args) => token::run(args).await,
        Command::Clients(command) => clients::run(command).await,
        Command::Orgs(command) => orgs::run(command).await,
        Command::Decode(args) => decode::run(args).await,
        Command::Check(args) => check::run(args).await,
        Command::Revoke(args) => revoke::run(args).await,
    }
}
