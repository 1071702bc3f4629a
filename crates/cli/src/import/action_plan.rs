//! `covenant import action-plan`: an action plan as CSV, or the template to write one in.

use std::path::PathBuf;
use std::process::ExitCode;

use app::interchange::{Importer, action_plan};
use app::{Config, OpenMode};
use domain::{Date, Key};

use crate::record::{default_actor, read_input};

const EXAMPLES: &str = r#"Examples:
  Write a template with the header and one example row:
    covenant import action-plan --template > hhcdg-delivery-plan.csv

  Import the HHCDG delivery plan as it stood at its April 2022 review:
    covenant import action-plan hhcdg-delivery-plan.csv --on 2022-04-20

  Import a plan whose rows all belong to one instrument, leaving the instrument column empty:
    covenant import action-plan bexley-actions.csv --instrument bexley-joint-integrated-action-plan

docs/imports.md describes every column and what a second import of the same file records."#;

/// Import an action plan from CSV: one row per action.
///
/// The columns are instrument, objective, action_id, action, lead_organisation, lead_officer,
/// due_date (YYYY-MM-DD), weight, parent, status (red, amber or green), percentage and
/// narrative. Every row is checked first, against the rules and what is already recorded; if any
/// row is wrong, every problem is listed with its line and column and nothing is recorded.
///
/// A row whose action is not recorded makes it, and reports its progress when it gives a status;
/// a row whose action is recorded records only a changed due date or progress. Importing the
/// same file again records nothing, so an interrupted import is finished by running it again.
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The action plan, as CSV with a header row; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "template", conflicts_with = "template")]
    file: Option<PathBuf>,
    /// Print a template instead of importing: the header and one example row, an action the demo
    /// does not hold, due on 31 March of the year after --on (or today), so that importing it
    /// as printed records it.
    #[arg(long)]
    template: bool,
    /// The instrument of rows that leave the instrument column empty.
    #[arg(long, value_name = "ID", value_parser = |s: &str| Key::parse(s))]
    instrument: Option<Key>,
    /// The day the plan stands at (YYYY-MM-DD): actions are made, and progress reported, on this
    /// day. Defaults to today.
    #[arg(long, value_name = "DATE", value_parser = domain::parse_date)]
    on: Option<Date>,
    /// Who is importing: a name or e-mail address. Defaults to the user name, else "covenant".
    #[arg(long, value_name = "NAME")]
    actor: Option<String>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let Some(file) = args.file else {
        print!("{}", action_plan::template(super::day_or_today(args.on)));
        return Ok(ExitCode::SUCCESS);
    };
    let (name, text) = read_input(&file)?;
    let options =
        action_plan::Options { instrument: args.instrument, on: super::day_or_today(args.on), file: name.clone() };
    let stores = crate::open(config, OpenMode::Create).await?;
    let recorder = app::Recorder::new(stores.events);
    let bar = crate::progress::bar(0, "rows", "importing")?;
    let actor = args.actor.unwrap_or_else(default_actor);
    let progress = &mut |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let imported =
        action_plan::import(Importer { recorder: &recorder, actor: &actor, progress }, &text, &options).await;
    bar.finish_and_clear();
    super::report(&name, imported)
}
