//! `covenant rebuild`: discard the saved read models and fold the whole log into them again,
//! with a progress bar.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use app::{Config, OpenMode};

use crate::progress;

/// Rebuild every read model from the first event of the log.
///
/// Reports and the service keep their read models up to date by themselves; a rebuild is needed
/// only after an upgrade that changes how a report is computed (and then happens on its own), or
/// to check that the saved read models equal a fold of the log. It reads every event once and
/// can be interrupted at any moment: the next report resumes from the last save, a consistent
/// point, and the next rebuild starts again from the first event. On the way it saves a waypoint
/// after every eighth of the log (at least 100,000 events apart), the states reports of a past
/// date start from.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Save the read models after every EVENTS events folded, as well as at the end. Each save
    /// writes the whole state, so saving often slows a rebuild down; saving more often than the
    /// default loses less work when a long rebuild is interrupted.
    #[arg(long, value_name = "EVENTS", default_value_t = projections::SAVE_EVERY, value_parser = clap::value_parser!(u64).range(1..))]
    save_every: u64,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::Existing).await?;
    let head = stores.events.head().await?.position;
    let bar = progress::bar(head.0, "events", "rebuilding")?;
    let started = Instant::now();
    let (_, position) = app::views::rebuild(&stores, args.save_every, |reached, head| {
        bar.set_length(head.0);
        bar.set_position(reached.0);
    })
    .await
    .context("failed to rebuild the read models")?;
    bar.finish_and_clear();
    println!(
        "Rebuilt the read models from {} events in {:.2} s; they now stand at position {position}.",
        position.0,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
