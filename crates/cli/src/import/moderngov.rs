//! `covenant import moderngov` and `covenant import moderngov-committees`: a council's meeting
//! and its committees, as the ModernGov web service returns them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use app::interchange::Importer;
use app::interchange::moderngov::{self, Options};
use app::{Config, OpenMode};
use domain::{Date, OrgId};

use crate::record::{default_actor, read_input};

const EXAMPLES: &str = r#"Examples:
  Record West Lindsey's committees, then the Prosperous Communities Committee of 9 March 2021:
    curl -o committees.xml 'https://<council site>/mgWebService.asmx/GetCommittees'
    covenant import moderngov-committees committees.xml --council GB-LAE-WLI
    curl -o meeting.xml 'https://<council site>/mgWebService.asmx/GetMeeting?lMeetingId=2562'
    covenant import moderngov meeting.xml --council GB-LAE-WLI

docs/imports.md maps each element to the events it becomes."#;

/// The council and the file, shared by both imports.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The XML file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The council whose ModernGov site the file comes from, by org-id, such as GB-LAE-WLI.
    #[arg(long, value_name = "ORG-ID", value_parser = |s: &str| OrgId::parse(s))]
    council: OrgId,
    /// The day of the import (YYYY-MM-DD), recorded as the day new committees were established
    /// and resolutions corrected. Defaults to today.
    #[arg(long, value_name = "DATE", value_parser = domain::parse_date)]
    on: Option<Date>,
    /// Who is importing: a name or e-mail address. Defaults to the user name, else "covenant".
    #[arg(long, value_name = "NAME")]
    actor: Option<String>,
}

/// Import a meeting from a ModernGov GetMeeting response: the meeting, its agenda items with
/// their minute numbers, and each item's resolution (its minute from "RESOLVED" on).
///
/// The committee must be recorded first (`covenant import moderngov-committees`). Importing the
/// same meeting again records nothing; a later version records only the new agenda items and
/// resolutions, and changed resolution wording as a correction.
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct MeetingArgs {
    #[command(flatten)]
    common: Common,
}

/// Import a council's committees from a ModernGov GetCommittees response, as bodies of the
/// council; deleted and expired committees, and those already recorded, are left out.
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct CommitteesArgs {
    #[command(flatten)]
    common: Common,
}

/// Reads the file and opens the store for an import.
async fn prepare(config: &Config, common: Common) -> anyhow::Result<(String, String, Options, String, app::Stores)> {
    let (name, text) = read_input(&common.file)?;
    let options = Options { council: common.council, on: super::day_or_today(common.on), file: name.clone() };
    let stores = crate::open(config, OpenMode::Create).await?;
    Ok((name, text, options, common.actor.unwrap_or_else(default_actor), stores))
}

pub async fn run_meeting(config: &Config, args: MeetingArgs) -> anyhow::Result<ExitCode> {
    let (name, text, options, actor, stores) = prepare(config, args.common).await?;
    // What is on record by other means, for matching the file's meeting and decisions to it.
    let (on_record, _) = app::views::current(&stores, |_, _| ()).await.context("failed to build the read models")?;
    let recorder = app::Recorder::new(stores.events.clone());
    let imported = moderngov::import_meeting(
        Importer { recorder: &recorder, actor: &actor, progress: &mut |_, _| {} },
        &on_record,
        &text,
        &options,
    )
    .await;
    super::report(&name, imported)
}

pub async fn run_committees(config: &Config, args: CommitteesArgs) -> anyhow::Result<ExitCode> {
    let (name, text, options, actor, stores) = prepare(config, args.common).await?;
    let recorder = app::Recorder::new(stores.events.clone());
    let imported = moderngov::import_committees(
        Importer { recorder: &recorder, actor: &actor, progress: &mut |_, _| {} },
        &text,
        &options,
    )
    .await;
    super::report(&name, imported)
}
