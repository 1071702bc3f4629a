//! `covenant import commands`: a file of commands in JSON Lines, recorded exactly as
//! `covenant record --file` records it.

use std::path::PathBuf;
use std::process::ExitCode;

use app::Config;

use crate::record;

/// Import a file of commands, one JSON object per line, all or nothing.
///
/// The same as `covenant record --file FILE`: blank lines and lines starting with # are skipped,
/// every line is read and every bad line reported before anything is recorded, and the commands
/// are decided in order and appended at once. docs/commands.md describes every command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file of commands; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    recording: record::Recording,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    record::record_file(config, &args.file, &args.recording).await
}
