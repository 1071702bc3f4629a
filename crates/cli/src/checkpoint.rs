//! `covenant checkpoint`: sign the log's current head as a checkpoint, keep it beside the log and
//! print the note.

use std::path::PathBuf;
use std::process::ExitCode;

use app::Config;

/// Sign the current head of the log as a C2SP checkpoint (origin, tree size, Merkle root), keep it
/// in the database (the latest is served at /api/v1/checkpoint) and print the signed note
/// (`docs/audit.md`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signing key written by `covenant keys init`; by default the file named by
    /// `[transparency] key` in covenant.toml.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let signer = app::read_signer(args.key.as_deref().or(config.transparency.key.as_deref()))?;
    let stores = crate::open(config, app::OpenMode::Existing).await?;
    let signed = app::sign_head(&stores, &signer).await?;
    print!("{}", signed.note);
    Ok(ExitCode::SUCCESS)
}
