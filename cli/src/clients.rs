//! `scopegate clients ...`: the management API.

use clap::{Args, Subcommand};
use scopegate_client::{
    AdminClient, ENV_SCALEKIT_ENVIRONMENT_URL, NewOrganizationClient, OrganizationClient,
};

use crate::exit::{Failure, OK};
use crate::input::Env;

/// The default organization, as in Scalekit's examples.
const ENV_ORGANIZATION_ID: &str = "SCALEKIT_ORGANIZATION_ID";

#[derive(Debug, Subcommand)]
pub(crate) enum ClientsCommand {
    /// Register an API client; prints its client_id and its secret, which
    /// is shown this once
    #[command(after_help = "\
Example:
  scopegate clients create --org org_59615193906282635 \\
      --name \"GitHub Actions Deployment Service\" \\
      --scope deploy:applications --scope read:deployments \\
      --audience deployment-api.acmecorp.com \\
      --claim github_repository=acmecorp/inventory-service --expiry 3600")]
    Create(CreateArgs),
    /// List an organization's API clients (one page, or all with --all)
    List(ListArgs),
    /// Show one API client
    Get(ClientArgs),
    /// Delete an API client; its secrets stop working at once
    Delete(ClientArgs),
}

/// Where and as whom: shared by every `clients` command.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// Environment URL [default: $SCALEKIT_ENVIRONMENT_URL]. Credentials:
    /// $SCALEKIT_CLIENT_ID and $SCALEKIT_CLIENT_SECRET
    #[arg(long = "env", value_name = "URL")]
    env: Option<String>,
    /// Organization id [default: $SCALEKIT_ORGANIZATION_ID]
    #[arg(long, value_name = "ORG_ID")]
    org: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    target: Target,
    /// Display name
    #[arg(long)]
    name: String,
    /// Free-text description
    #[arg(long)]
    description: Option<String>,
    /// A scope the client may be granted, `resource:action` (repeatable)
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// An `aud` value for its tokens (repeatable)
    #[arg(long = "audience", value_name = "AUDIENCE")]
    audience: Vec<String>,
    /// A custom claim for its tokens, KEY=VALUE (repeatable)
    #[arg(long = "claim", value_name = "KEY=VALUE", value_parser = crate::input::key_value)]
    claims: Vec<(String, String)>,
    /// Token lifetime in seconds [default: the server's, 3600]
    #[arg(long, value_name = "SECONDS")]
    expiry: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    target: Target,
    /// Clients per page [default: the server's]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    page_size: Option<u32>,
    /// The page to read: a next_page_token printed by an earlier list
    #[arg(long, value_name = "TOKEN", conflicts_with = "all")]
    page_token: Option<String>,
    /// Read every page
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    #[command(flatten)]
    target: Target,
    /// The client's id (m2morg_...)
    client_id: String,
}

impl Target {
    fn connect(&self) -> Result<(AdminClient, String), Failure> {
        let mut env = Env::default();
        env.set(ENV_SCALEKIT_ENVIRONMENT_URL, self.env.clone());
        let admin = AdminClient::from_lookup(|name| env.get(name))?;
        let org = self
            .org
            .clone()
            .or_else(|| env.get(ENV_ORGANIZATION_ID))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "no organization: pass --org ORG_ID or set {ENV_ORGANIZATION_ID}"
                ))
            })?;
        Ok((admin, org))
    }
}

pub(crate) async fn run(command: ClientsCommand) -> Result<u8, Failure> {
    match command {
        ClientsCommand::Create(args) => create(args).await,
        ClientsCommand::List(args) => list(args).await,
        ClientsCommand::Get(args) => get(args).await,
        ClientsCommand::Delete(args) => delete(args).await,
    }
}

async fn create(args: CreateArgs) -> Result<u8, Failure> {
    let (admin, org) = args.target.connect()?;
    let mut request = NewOrganizationClient::new(args.name).scopes(args.scopes);
    for audience in args.audience {
        request = request.audience(audience);
    }
    if let Some(description) = args.description {
        request = request.description(description);
    }
    for (key, value) in args.claims {
        request = request.custom_claim(key, value);
    }
    if let Some(expiry) = args.expiry {
        request = request.expiry(expiry);
    }
    let created = admin.create_organization_client(&org, &request).await?;
    if args.target.json {
        let body = serde_json::json!({
            "client": created.client,
            "plain_secret": created.plain_secret.expose(),
        });
        println!("{body:#}");
    } else {
        print_client(&created.client);
        println!("client_secret: {}", created.plain_secret.expose());
    }
    eprintln!("The client secret is shown this once: store it now.");
    Ok(OK)
}

async fn list(args: ListArgs) -> Result<u8, Failure> {
    let (admin, org) = args.target.connect()?;
    if args.all {
        let clients = admin
            .list_all_organization_clients(&org, args.page_size)
            .await?;
        if args.target.json {
            println!("{:#}", serde_json::json!({ "clients": clients }));
        } else {
            print_table(&clients);
            eprintln!("{} client(s) in {org}", clients.len());
        }
        return Ok(OK);
    }
    let page = admin
        .list_organization_clients(&org, args.page_size, args.page_token.as_deref())
        .await?;
    if args.target.json {
        println!("{:#}", serde_json::json!(page));
    } else {
        print_table(&page.clients);
        eprintln!(
            "{} of {} client(s) in {org}",
            page.clients.len(),
            page.total_size
        );
        if let Some(next) = &page.next_page_token {
            eprintln!("next page: --page-token {next}");
        }
    }
    Ok(OK)
}

async fn get(args: ClientArgs) -> Result<u8, Failure> {
    let (admin, org) = args.target.connect()?;
    let client = admin.get_organization_client(&org, &args.client_id).await?;
    if args.target.json {
        println!("{:#}", serde_json::json!(client));
    } else {
        print_client(&client);
    }
    Ok(OK)
}

async fn delete(args: ClientArgs) -> Result<u8, Failure> {
    let (admin, org) = args.target.connect()?;
    admin
        .delete_organization_client(&org, &args.client_id)
        .await?;
    if args.target.json {
        println!(
            "{:#}",
            serde_json::json!({ "deleted": args.client_id, "organization_id": org })
        );
    } else {
        println!("deleted {} from {org}", args.client_id);
    }
    Ok(OK)
}

fn print_client(client: &OrganizationClient) {
    println!("client_id:     {}", client.client_id);
    println!("name:          {}", client.name);
    if let Some(description) = client.description.as_deref().filter(|d| !d.is_empty()) {
        println!("description:   {description}");
    }
    println!("organization:  {}", client.organization_id);
    println!("scopes:        {}", list_or_none(&client.scopes));
    println!("audience:      {}", list_or_none(&client.audience));
    if !client.custom_claims.is_empty() {
        let claims: Vec<String> = client
            .custom_claims
            .iter()
            .map(|c| format!("{}={}", c.key, c.value))
            .collect();
        println!("custom claims: {}", claims.join(", "));
    }
    if let Some(expiry) = client.expiry {
        println!("token expiry:  {expiry} s");
    }
    for secret in &client.secrets {
        println!(
            "secret:        {} (…{}, {})",
            secret.id, secret.secret_suffix, secret.status
        );
    }
}

fn print_table(clients: &[OrganizationClient]) {
    for client in clients {
        println!(
            "{}\t{}\t{}",
            client.client_id,
            client.name,
            list_or_none(&client.scopes)
        );
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(" ")
    }
}
