//! `scopegate revoke`: revoke an access token (RFC 7009).

use clap::Args;
use scopegate_client::TokenClient;

use crate::exit::{ALLOW_HTTP, Failure, OK};
use crate::input;
use crate::token::client_env;

// The arguments of the subcommand (its help is on `Command`).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  export SCOPEGATE_CLIENT_ENVIRONMENT_URL=https://acme.scalekit.dev
  export SCOPEGATE_CLIENT_ID=m2morg_68315758685323697
  export SCOPEGATE_CLIENT_SECRET=...
  scopegate revoke \"$TOKEN\"
  scopegate token | scopegate revoke -")]
pub struct RevokeArgs {
    /// The token to revoke, or `-` to read it from stdin
    token: String,
    /// Environment (issuer) URL; the revocation endpoint is
    /// <URL>/oauth/revoke [default: $SCOPEGATE_CLIENT_ENVIRONMENT_URL, else
    /// $SCALEKIT_ENVIRONMENT_URL]
    #[arg(long = "env", value_name = "URL")]
    env: Option<String>,
    /// Token endpoint URL, if it is not <env>/oauth/token; the revocation
    /// endpoint is its sibling `revoke` [default: $SCOPEGATE_CLIENT_TOKEN_URL]
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    /// Client id [default: $SCOPEGATE_CLIENT_ID, else $SCALEKIT_CLIENT_ID]
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Read the client secret from the first line of stdin instead of
    /// $SCOPEGATE_CLIENT_SECRET (not with a token read from stdin)
    #[arg(long)]
    client_secret_stdin: bool,
    /// Allow plain http:// URLs for hosts other than loopback (loopback is
    /// always allowed)
    #[arg(long)]
    allow_http: bool,
}

pub async fn run(args: RevokeArgs) -> Result<u8, Failure> {
    if args.token == "-" && args.client_secret_stdin {
        return Err(Failure::usage(
            "the token and the client secret cannot both come from stdin",
        ));
    }
    let env = client_env(
        args.env,
        args.token_url,
        args.client_id,
        args.client_secret_stdin,
    )?;
    let token = input::token(&args.token)?;
    let tokens = TokenClient::builder_from_lookup(|name| env.get(name))
        .and_then(|builder| builder.allow_http(args.allow_http).build())
        .map_err(|error| Failure::client(error, Some(ALLOW_HTTP)))?;
    tokens.revoke(&token).await?;
    let url = tokens.revocation_url()?;
    eprintln!("revoked at {url} (or it was no longer valid)");
    Ok(OK)
}
