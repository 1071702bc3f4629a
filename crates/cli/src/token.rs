//! `covenant token`: make, list and revoke the bearer tokens of the HTTP API.

use std::process::ExitCode;

use anyhow::Context;
use app::{Config, OpenMode, Role};
use domain::OrgId;
use kernel::Timestamp;

/// Make, list and revoke bearer tokens for the HTTP API.
///
/// Each token has a role: admin (everything), secretariat (record any command, read the
/// reports), contributor (progress and indicator readings for its own organisation only),
/// auditor (every read, the audit trail, the event feed and verification) or reader (the
/// reports). Only a hash of each token is stored: a token is shown once, when it is made.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TokenCommand {
    /// Make a token and print it, once.
    Create {
        /// admin, secretariat, contributor, auditor or reader.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The organisation a contributor acts for, by org-id, such as GB-LAE-WLI.
        #[arg(long, value_name = "ORG-ID", value_parser = parse_organisation)]
        organisation: Option<OrgId>,
        /// Who will hold it, such as clerk@west-lindsey.gov.uk: recorded as the actor of every
        /// event it records.
        #[arg(long)]
        name: String,
        /// Refuse the token from this time on (RFC 3339), or after this day (YYYY-MM-DD); by
        /// default it lasts until revoked.
        #[arg(long, value_name = "DATE-OR-TIME", value_parser = parse_expiry)]
        expires: Option<Timestamp>,
    },
    /// List every token: id, role, organisation, name, when it was made, and whether it is
    /// active, revoked or expired.
    List,
    /// Revoke a token by its id; requests with it are refused from then on.
    Revoke {
        /// The token's id, as `covenant token list` shows it.
        id: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).map_err(|e| e.to_string())
}

fn parse_organisation(text: &str) -> Result<OrgId, String> {
    OrgId::parse(text)
}

fn parse_expiry(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_end_of(text)
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::Existing).await?;
    match args.command {
        TokenCommand::Create { role, organisation, name, expires } => {
            let issued =
                app::create_token(stores.tokens.as_ref(), role, organisation, &name, expires, Timestamp::now()).await?;
            println!("Made {role} token {} for {}.", issued.record.id, issued.record.name);
            println!("{}", issued.token);
            println!("Keep it now: only its hash is stored, so it cannot be shown again.");
        }
        TokenCommand::List => {
            let tokens = stores.tokens.list_tokens().await.context("failed to list the tokens")?;
            if tokens.is_empty() {
                println!("No tokens yet: `{}` makes one.", config.command("token create --role admin --name NAME"));
            }
            let now = Timestamp::now();
            for t in tokens {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) if at <= now => format!("expired {at}"),
                    (None, Some(at)) => format!("active, expires {at}"),
                    (None, None) => "active".to_owned(),
                };
                println!(
                    "{}  {:<11}  {:<14}  made {}  {state}  {}",
                    t.id,
                    t.role,
                    t.organisation.as_deref().unwrap_or("-"),
                    t.created_at,
                    t.name
                );
            }
        }
        TokenCommand::Revoke { id } => {
            app::revoke_token(stores.tokens.as_ref(), &id, Timestamp::now()).await?;
            println!("Revoked token {id}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
