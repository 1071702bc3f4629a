//! `covenant rebuild-tree`: recompute the Merkle tree over the log from its chain hashes.

use std::process::ExitCode;

use anyhow::Context as _;
use app::Config;

/// Recompute the Merkle tree over the event log from every event's chain hash.
///
/// The tree grows with every append, in the same transaction, and a database written before
/// the tree was kept catches up at its next append; a rebuild is needed only when `covenant
/// verify` reports that the stored tree does not agree with the events. Appends wait while it
/// runs, and it is one transaction: interrupted, it leaves the tree as it was.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(config: &Config, _args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, app::OpenMode::Existing).await?;
    let size = stores.events.rebuild_tree().await.context("failed to rebuild the Merkle tree")?;
    let root = stores.events.tree_root(size).await.context("failed to read the rebuilt tree's root")?;
    println!("The Merkle tree was rebuilt over {size} events.");
    println!("Tree size: {size}");
    println!("Root hash: {root}");
    Ok(ExitCode::SUCCESS)
}
