//! `scopegate orgs ...`: the organizations of the management API.

use clap::{Args, Subcommand};
use scopegate_client::{AdminClient, ENV_SCALEKIT_ENVIRONMENT_URL, NewOrganization, Organization};

use crate::exit::{Failure, OK};
use crate::input::Env;

#[derive(Debug, Subcommand)]
pub(crate) enum OrgsCommand {
    /// Create an organization; prints it with the id the server gave it
    #[command(after_help = "\
Example:
  scopegate orgs create --name \"Looney Corp\" --external-id my_unique_id \\
      --region US --metadata plan=enterprise")]
    Create(CreateArgs),
    /// List the environment's organizations (one page, or all with --all)
    List(ListArgs),
    /// Show one organization
    Get(GetArgs),
}

/// Where and as whom: shared by every `orgs` command.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// Environment URL [default: $SCALEKIT_ENVIRONMENT_URL]. Credentials:
    /// $SCALEKIT_CLIENT_ID and $SCALEKIT_CLIENT_SECRET
    #[arg(long = "env", value_name = "URL")]
    env: Option<String>,
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
    /// Your application's own id for the organization (unique in the
    /// environment)
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,
    /// Where its data is kept: US or EU [default: the server's]
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// A metadata pair, KEY=VALUE (repeatable)
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = crate::input::key_value)]
    metadata: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    target: Target,
    /// Organizations per page [default: the server's]
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
pub(crate) struct GetArgs {
    #[command(flatten)]
    target: Target,
    /// The organization's id (org_...)
    org_id: String,
}

impl Target {
    fn connect(&self) -> Result<AdminClient, Failure> {
        let mut env = Env::default();
        env.set(ENV_SCALEKIT_ENVIRONMENT_URL, self.env.clone());
        Ok(AdminClient::from_lookup(|name| env.get(name))?)
    }
}

pub(crate) async fn run(command: OrgsCommand) -> Result<u8, Failure> {
    match command {
        OrgsCommand::Create(args) => create(args).await,
        OrgsCommand::List(args) => list(args).await,
        OrgsCommand::Get(args) => get(args).await,
    }
}

async fn create(args: CreateArgs) -> Result<u8, Failure> {
    let admin = args.target.connect()?;
    let mut request = NewOrganization::new(args.name);
    if let Some(external_id) = args.external_id {
        request = request.external_id(external_id);
    }
    if let Some(region) = args.region {
        request = request.region_code(region);
    }
    for (key, value) in args.metadata {
        request = request.metadata(key, value);
    }
    let organization = admin.create_organization(&request).await?;
    if args.target.json {
        println!("{:#}", serde_json::json!({ "organization": organization }));
    } else {
        print_organization(&organization);
    }
    Ok(OK)
}

async fn list(args: ListArgs) -> Result<u8, Failure> {
    let admin = args.target.connect()?;
    if args.all {
        let organizations = admin.list_all_organizations(args.page_size).await?;
        if args.target.json {
            println!(
                "{:#}",
                serde_json::json!({ "organizations": organizations })
            );
        } else {
            print_table(&organizations);
            eprintln!("{} organization(s)", organizations.len());
        }
        return Ok(OK);
    }
    let page = admin
        .list_organizations(args.page_size, args.page_token.as_deref())
        .await?;
    if args.target.json {
        println!("{:#}", serde_json::json!(page));
    } else {
        print_table(&page.organizations);
        eprintln!(
            "{} of {} organization(s)",
            page.organizations.len(),
            page.total_size
        );
        if let Some(next) = &page.next_page_token {
            eprintln!("next page: --page-token {next}");
        }
    }
    Ok(OK)
}

async fn get(args: GetArgs) -> Result<u8, Failure> {
    let admin = args.target.connect()?;
    let organization = admin.get_organization(&args.org_id).await?;
    if args.target.json {
        println!("{:#}", serde_json::json!({ "organization": organization }));
    } else {
        print_organization(&organization);
    }
    Ok(OK)
}

fn print_organization(organization: &Organization) {
    println!("id:            {}", organization.id);
    println!("display name:  {}", organization.display_name);
    if let Some(external_id) = &organization.external_id {
        println!("external id:   {external_id}");
    }
    if let Some(region) = &organization.region_code {
        println!("region:        {region}");
    }
    if !organization.metadata.is_empty() {
        let pairs: Vec<String> = organization
            .metadata
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        println!("metadata:      {}", pairs.join(", "));
    }
    if let Some(created) = &organization.create_time {
        println!("created:       {created}");
    }
}

fn print_table(organizations: &[Organization]) {
    for organization in organizations {
        println!(
            "{}\t{}\t{}\t{}",
            organization.id,
            organization.display_name,
            organization.external_id.as_deref().unwrap_or("-"),
            organization.region_code.as_deref().unwrap_or("-"),
        );
    }
}
