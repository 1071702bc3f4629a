//! `covenant checkpoint`: sign the log's current head as a checkpoint and print the note.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use app::{Checkpoint, Config, NoteSigner};

/// Sign the current head of the log as a C2SP checkpoint (origin, tree size, Merkle root) and
/// print the signed note (`docs/audit.md`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signing key written by `covenant keys init`.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.key).with_context(|| format!("failed to read {}", args.key.display()))?;
    let signer =
        NoteSigner::parse(&text).with_context(|| format!("failed to read the key in {}", args.key.display()))?;
    let stores = app::open_store(&config.database).await?;
    let size = stores.events.head().await?.position.0;
    let root = stores.events.tree_root(size).await.context("failed to read the Merkle tree's root")?;
    let checkpoint = Checkpoint { origin: signer.name().to_owned(), size, root };
    print!("{}", checkpoint.sign(&signer));
    Ok(ExitCode::SUCCESS)
}
