//! `scopegate revoke`: revoke an access token (RFC 7009).

use clap::Args;
use scopegate_client::TokenClient;

use crate::exit::{ALLOW_HTTP, Failure, OK};
use crate::input;
use crate::token::ClientArgs;

// The arguments of the subcommand (its help is on `Command`).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  export SCOPEGATE_CLIENT_ENVIRONMENT_URL=https://acme.scalekit.dev
  export SCOPEGATE_CLIENT_ID=m2morg_68315758685323697
  export SCOPEGATE_CLIENT_SECRET=...
  scopegate revoke \"$TOKEN\"
  scopegate token | scopegate revoke -")]
pub(crate) struct RevokeArgs {
    /// The token to revoke, or `-` to read it from stdin. The revocation
    /// endpoint is the token endpoint's sibling, <env>/oauth/revoke
    token: String,
    #[command(flatten)]
    client: ClientArgs,
    /// Allow plain http:// URLs for hosts other than loopback (loopback is
    /// always allowed)
    #[arg(long)]
    allow_http: bool,
}

pub(crate) async fn run(args: RevokeArgs) -> Result<u8, Failure> {
    if args.token == "-" && args.client.client_secret_stdin {
        return Err(Failure::usage(
            "the token and the client secret cannot both come from stdin",
        ));
    }
    let env = args.client.env()?;
    let token = input::token(&args.token)?;
    let tokens = TokenClient::builder_from_lookup(|name| env.get(name))
        .and_then(|builder| builder.allow_http(args.allow_http).build())
        .map_err(|error| Failure::client(error, Some(ALLOW_HTTP)))?;
    tokens.revoke(&token).await?;
    let url = tokens.revocation_url()?;
    eprintln!("revoked at {url} (or it was no longer valid)");
    Ok(OK)
}
