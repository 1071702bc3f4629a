//! `covenant import cloudevents FILE`: restore an export into an empty database, every event as
//! it was recorded, with progress bars for checking the file and for writing it.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use app::interchange::cloudevents::{RestoreProgress, restore};
use app::{Config, OpenMode};

use crate::progress;

/// Restore an export made by `covenant export cloudevents` into an empty database.
///
/// Every event keeps its id, position, stream version, times, actor, source, correlation and
/// causation, and hash, so the restored log verifies with the same head hash as the one
/// exported, and every report reads the same.
///
/// The whole file is checked before anything is written: every line must be an event of a
/// Covenant export, from position 1 without a gap, with an intact hash chain. A file that fails
/// is refused with the line and what is wrong, and nothing is written. So is a database that
/// already holds other events.
///
/// The events are then written in batches of 10,000, each batch one transaction. An import that
/// is interrupted (Ctrl-C, a lost connection, a full disk) leaves whole batches only: run the
/// same command again on the same file and database, and it checks that the events already
/// written are the file's, skips them, and continues after the last one.
///
/// Example:
///
///   covenant --db restored.db import cloudevents covenant-events.jsonl
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The export to restore: CloudEvents JSON Lines written by `covenant export cloudevents`
    /// without filters.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let path = &args.file;
    let size = std::fs::metadata(path)
        .with_context(|| format!("failed to read {}: check the file exists and is readable", path.display()))?
        .len();
    let stores = crate::open(config, OpenMode::Create).await?;
    let checking = progress::bytes(size, "checking")?;
    let mut restoring = None;
    let restored = restore(
        stores.events.as_ref(),
        || File::open(path).map(BufReader::new),
        |step| match step {
            RestoreProgress::Checking { bytes } => checking.set_position(bytes),
            RestoreProgress::Restoring { position, of } => {
                checking.finish_and_clear();
                if restoring.is_none() {
                    restoring = progress::bar(of, "events", "restoring").ok();
                }
                if let Some(bar) = &restoring {
                    bar.set_position(position);
                }
            }
        },
    )
    .await
    .with_context(|| format!("failed to import {}", path.display()))?;
    checking.finish_and_clear();
    if let Some(bar) = restoring {
        bar.finish_and_clear();
    }
    if restored.already_present > 0 {
        println!(
            "{} events were already in the database, as the file has them, from an earlier run; {} written now.",
            restored.already_present, restored.written
        );
    } else {
        println!("Restored {} events.", restored.written);
    }
    println!("Head position: {}", restored.head.position);
    println!("Head hash:     {}", restored.head.hash);
    Ok(ExitCode::SUCCESS)
}
