//! `scopegate token`: fetch an access token.

use clap::Args;
use scopegate_client::{
    ENV_CLIENT_AUDIENCE, ENV_CLIENT_ENVIRONMENT_URL, ENV_CLIENT_ID, ENV_CLIENT_SCOPES,
    ENV_CLIENT_SECRET, ENV_CLIENT_TOKEN_URL, TokenClient,
};

use crate::exit::{ALLOW_HTTP, Failure, OK};
use crate::input::{self, Env};

// The arguments of the subcommand (its help is on `Command`).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  export SCOPEGATE_CLIENT_ENVIRONMENT_URL=https://acme.scalekit.dev
  export SCOPEGATE_CLIENT_ID=m2morg_68315758685323697
  export SCOPEGATE_CLIENT_SECRET=...
  scopegate token --scope deploy:applications
  curl -H \"Authorization: Bearer $(scopegate token)\" https://deploy.acmecorp.com/deploy")]
pub(crate) struct TokenArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// A scope to ask for (repeatable) [default: $SCOPEGATE_CLIENT_SCOPES,
    /// else the scopes the client is registered with]
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Audience to ask for [default: $SCOPEGATE_CLIENT_AUDIENCE]
    #[arg(long, value_name = "AUDIENCE")]
    audience: Option<String>,
    /// Allow plain http:// URLs for hosts other than loopback (loopback is
    /// always allowed)
    #[arg(long)]
    allow_http: bool,
    /// Print the token response as JSON (access_token, token_type,
    /// expires_in, scope) instead of the bare token
    #[arg(long)]
    json: bool,
}

/// The flags that name the issuer and the API client, shared by `token`
/// and `revoke`.
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// Environment (issuer) URL; the token endpoint is <URL>/oauth/token
    /// [default: $SCOPEGATE_CLIENT_ENVIRONMENT_URL, else $SCALEKIT_ENVIRONMENT_URL]
    #[arg(long = "env", value_name = "URL")]
    env: Option<String>,
    /// Token endpoint URL, if it is not <env>/oauth/token
    /// [default: $SCOPEGATE_CLIENT_TOKEN_URL]
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    /// Client id [default: $SCOPEGATE_CLIENT_ID, else $SCALEKIT_CLIENT_ID]
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Read the client secret from the first line of stdin instead of
    /// $SCOPEGATE_CLIENT_SECRET
    #[arg(long)]
    pub client_secret_stdin: bool,
}

impl ClientArgs {
    /// The environment a token client reads, with these flags put over it.
    pub(crate) fn env(self) -> Result<Env, Failure> {
        let mut env = Env::default();
        if self.env.is_some() && self.token_url.is_none() {
            // An explicit --env wins over a token URL from the environment.
            env.hide(ENV_CLIENT_TOKEN_URL);
        }
        env.set(ENV_CLIENT_ENVIRONMENT_URL, self.env);
        env.set(ENV_CLIENT_TOKEN_URL, self.token_url);
        env.set(ENV_CLIENT_ID, self.client_id);
        if self.client_secret_stdin {
            env.set(ENV_CLIENT_SECRET, Some(input::secret_line()?));
        }
        Ok(env)
    }
}

pub(crate) async fn run(args: TokenArgs) -> Result<u8, Failure> {
    let mut env = args.client.env()?;
    if !args.scopes.is_empty() {
        env.set(ENV_CLIENT_SCOPES, Some(args.scopes.join(" ")));
    }
    env.set(ENV_CLIENT_AUDIENCE, args.audience);
    let tokens = TokenClient::builder_from_lookup(|name| env.get(name))
        .and_then(|builder| builder.allow_http(args.allow_http).build())
        .map_err(|error| Failure::client(error, Some(ALLOW_HTTP)))?;
    let token = tokens.token().await?;
    if args.json {
        let body = serde_json::json!({
            "access_token": token.as_str(),
            "token_type": "Bearer",
            "expires_in": token.lifetime().as_secs(),
            "scope": token.scope(),
        });
        println!("{body:#}");
    } else {
        println!("{}", token.as_str());
    }
    eprintln!(
        "token for {} from {}: expires in {}{}",
        tokens.client_id(),
        tokens.token_url(),
        input::duration(token.lifetime().as_secs()),
        token
            .scope()
            .map(|s| format!(", scope: {s}"))
            .unwrap_or_default()
    );
    Ok(OK)
}
