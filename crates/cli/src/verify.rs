//! `covenant verify`: recompute the hash chain and the Merkle tree's root, and print the head
//! position and hash and the tree's root.

use std::process::ExitCode;

use app::Config;
use kernel::{ChainHead, Hash, Position};

/// Recompute the hash chain of the event log and print its head.
///
/// Every event's SHA-256 hash is recomputed from its content and its predecessor's hash. The
/// first event that does not match is named, with what was found. Then the Merkle tree's root at
/// the head is recomputed from every event's chain hash and compared with the root the stored
/// tree gives (`covenant rebuild-tree` recomputes a tree that does not agree). Exits with status
/// 1 if the chain or the tree does not verify.
///
/// To check only what was added since an earlier run, pass the head that run printed as a
/// trusted checkpoint: `covenant verify --from-position 1200 --from-hash 3f2a…`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Start after this position, trusting the chain up to it.
    #[arg(long, requires = "from_hash", value_name = "POSITION")]
    from_position: Option<u64>,
    /// The hash printed for `--from-position` by an earlier run (64 hexadecimal digits).
    #[arg(long, requires = "from_position", value_name = "HASH", value_parser = Hash::parse_hex)]
    from_hash: Option<Hash>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let store = app::open_store(&config.database).await?;
    let from = args.from_position.zip(args.from_hash).map(|(p, hash)| ChainHead { position: Position(p), hash });
    let report = store.events.verify(from).await?;
    let head = report.verified_head;
    let chain = match &report.failure {
        None => {
            println!("The chain verifies: {} events checked.", report.checked);
            println!("Head position: {}", head.position);
            println!("Head hash:     {}", head.hash);
            true
        }
        Some(failure) => {
            println!("The chain does NOT verify. First problem at position {}:", failure.position());
            println!("  {failure}");
            println!(
                "Verified before it: {} events, up to position {} (hash {}).",
                report.checked, head.position, head.hash
            );
            false
        }
    };
    let tree = store.events.verify_tree().await?;
    let tree_ok = tree.is_ok();
    match tree.stored {
        Ok(stored) if tree_ok => {
            println!("The Merkle tree agrees with the events: {} leaves.", tree.size);
            println!("Tree root:     {stored}");
        }
        Ok(stored) => {
            println!("The Merkle tree does NOT agree with the events at {} leaves:", tree.size);
            println!("  the stored tree gives root {stored}, the events' chain hashes give {}", tree.computed);
            println!("  run `covenant rebuild-tree` once the cause is known");
        }
        Err(missing) => {
            println!("The Merkle tree does NOT agree with the events at {} leaves:", tree.size);
            println!("  {missing}");
        }
    }
    Ok(if chain && tree_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
