//! `covenant import`: take in the files partnerships already keep, one kind per module. Each
//! import checks the whole file before recording anything, and importing the same file again
//! records only what is not yet recorded (`docs/imports.md`).

mod action_plan;
mod cloudevents;
mod commands;
mod moderngov;

use std::process::ExitCode;

use anyhow::bail;
use app::Config;
use app::interchange::{ImportError, Imported};

use crate::record::plural;

/// Import a file: an action plan (CSV), a ModernGov meeting or committee list (XML), a file
/// of commands (JSON Lines), or an export of a whole log as CloudEvents into an empty store.
///
/// Every import reads and checks the whole file first: if anything is wrong, every problem is
/// listed with its line and nothing is recorded. Importing the same file again records only what
/// is not yet recorded, so an interrupted import is finished by running it again. A CloudEvents
/// import restores a log verbatim and only into an empty store, or one holding the start of the
/// same file.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Source,
}

#[derive(Debug, clap::Subcommand)]
enum Source {
    ActionPlan(action_plan::Args),
    Cloudevents(cloudevents::Args),
    Commands(commands::Args),
    Moderngov(moderngov::MeetingArgs),
    ModerngovCommittees(moderngov::CommitteesArgs),
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    match args.kind {
        Source::ActionPlan(args) => action_plan::run(config, args).await,
        Source::Cloudevents(args) => cloudevents::run(config, args).await,
        Source::Commands(args) => commands::run(config, args).await,
        Source::Moderngov(args) => moderngov::run_meeting(config, args).await,
        Source::ModerngovCommittees(args) => moderngov::run_committees(config, args).await,
    }
}

/// Prints what an import of `name` recorded, matched and skipped, and what it could not record,
/// or fails with every problem.
fn report(name: &str, imported: Result<Imported, ImportError>) -> anyhow::Result<ExitCode> {
    let imported = match imported {
        Ok(imported) => imported,
        Err(error) => bail!("failed to import {name}: {error}"),
    };
    let recorded = match (imported.first_position, imported.last_position) {
        (Some(first), Some(last)) => format!(
            "recorded {} as {} in {} (positions {first} to {last})",
            plural(imported.changed, "line"),
            plural(imported.events, "event"),
            plural(imported.appends, "append"),
        ),
        _ => "recorded nothing".to_owned(),
    };
    let matched_lines: std::collections::BTreeSet<usize> = imported.matched.iter().map(|m| m.line).collect();
    println!(
        "Imported {name}: {recorded}; matched {} to what is on record; skipped {} already recorded.",
        plural(matched_lines.len(), "line"),
        plural(imported.unchanged, "line"),
    );
    if !imported.matched.is_empty() {
        println!("Matched, so not recorded again:");
        for matched in &imported.matched {
            println!("  {matched}");
        }
    }
    if !imported.not_recorded.is_empty() {
        println!("Not recorded, each for the reason given:");
        for problem in &imported.not_recorded {
            println!("  {problem}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The day given, else today.
fn day_or_today(on: Option<domain::Date>) -> domain::Date {
    on.unwrap_or_else(|| kernel::Timestamp::now().as_datetime().date_naive())
}
