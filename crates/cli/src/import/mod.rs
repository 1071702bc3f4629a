//! `covenant import`: take in the files partnerships already keep, one kind per module. Each
//! import checks the whole file before recording anything, and importing the same file again
//! records only what is not yet recorded (`docs/imports.md`).

mod action_plan;
mod commands;

use std::process::ExitCode;

use app::Config;

/// Import a file: an action plan (CSV) or a file of commands (JSON Lines).
///
/// Every import reads and checks the whole file first: if anything is wrong, every problem is
/// listed with its line and nothing is recorded. Importing the same file again records only what
/// is not yet recorded, so an interrupted import is finished by running it again.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    ActionPlan(action_plan::Args),
    Commands(commands::Args),
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    match args.kind {
        Kind::ActionPlan(args) => action_plan::run(config, args).await,
        Kind::Commands(args) => commands::run(config, args).await,
    }
}
