//! `covenant verify`: recompute the hash chain and the Merkle tree's root, and print the head
//! position and hash and the tree's root; with a signed checkpoint kept elsewhere, check that the
//! log still holds what the checkpoint covers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use app::{Checkpoint, Config, OpenMode};
use kernel::{ChainHead, Hash, Position};

/// Recompute the hash chain of the event log and print its head.
///
/// Every event's SHA-256 hash is recomputed from its content and its predecessor's hash. The
/// first event that does not match is named, with what was found. Then the Merkle tree's root at
/// the head is recomputed from every event's chain hash and compared with the root the stored
/// tree gives (`covenant rebuild-tree` recomputes a tree that does not agree). Exits with status
/// 1 if the chain or the tree does not verify, or if the log holds no events (then nothing was
/// verified).
///
/// To check only what was added since an earlier run, pass the head that run printed as a
/// trusted checkpoint: `covenant verify --from-position 1200 --from-hash 3f2a…`.
///
/// To check the log against a signed checkpoint kept outside the database (in board papers, by a
/// partner), give the note and the log's verifier key: `covenant verify --checkpoint FILE --key
/// VERIFIER-KEY`, and with `--witness WITNESS-KEY` the cosignature each named witness must have
/// added (`covenant witness`). The signatures are checked first; then a log shorter than the checkpoint is named
/// as truncated, and one whose first events are not those the checkpoint covers as rewritten.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A signed checkpoint (as `covenant checkpoint` prints it) to check the log against.
    #[arg(long, requires = "key", value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    /// The verifier key of the log's checkpoints (as `covenant keys init` prints it), or a file
    /// holding it.
    #[arg(long, requires = "checkpoint", value_name = "VERIFIER-KEY")]
    key: Option<String>,
    /// A witness whose cosignature the checkpoint must carry (its verifier key, as `covenant
    /// keys init --witness` printed it, or a file holding it); give it once per witness.
    #[arg(long, requires = "checkpoint", value_name = "VERIFIER-KEY")]
    witness: Vec<String>,
    /// Start after this position, trusting the chain up to it.
    #[arg(long, requires = "from_hash", value_name = "POSITION")]
    from_position: Option<u64>,
    /// The hash printed for `--from-position` by an earlier run (64 hexadecimal digits).
    #[arg(long, requires = "from_position", value_name = "HASH", value_parser = Hash::parse_hex)]
    from_hash: Option<Hash>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let trusted = match args.checkpoint.as_deref().zip(args.key.as_deref()) {
        Some((file, key)) => match open_checkpoint(file, key, &args.witness)? {
            Ok((checkpoint, cosigned)) => {
                for cosignature in cosigned {
                    println!("The checkpoint is cosigned by {cosignature}.");
                }
                Some(checkpoint)
            }
            Err(refused) => {
                println!("The checkpoint in {} does NOT verify: {refused}.", file.display());
                println!(
                    "Nothing was checked against it: ask whoever gave it for the note as signed and the log's verifier key."
                );
                return Ok(ExitCode::FAILURE);
            }
        },
        None => None,
    };
    let store = crate::open(config, OpenMode::ReadOnly).await?;
    let from = args.from_position.zip(args.from_hash).map(|(p, hash)| ChainHead { position: Position(p), hash });
    let report = store.events.verify(from).await?;
    let head = report.verified_head;
    if report.failure.is_none() && head.position.0 == 0 {
        anyhow::bail!(
            "no events: nothing was verified, because {} holds no events; record some first, or check --db",
            config.database
        );
    }
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
    let matches = match trusted {
        None => true,
        Some(checkpoint) => {
            let signed = format!("the checkpoint of {} events signed by {}", checkpoint.size, checkpoint.origin);
            match store.events.check_against(checkpoint.size, checkpoint.root).await {
                Ok(None) => {
                    println!("The log holds, unchanged, {signed}.");
                    true
                }
                Ok(Some(breach)) => {
                    println!("The log does NOT match {signed}:");
                    println!("  {breach}");
                    false
                }
                Err(error) => {
                    println!("The log could not be checked against {signed}:");
                    println!("  {error}");
                    false
                }
            }
        }
    };
    Ok(if chain && tree_ok && matches { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Reads the signed checkpoint in `file` and opens it with `key`, a verifier key or a file holding
/// one, and checks the cosignature of each of `witnesses`: the checkpoint and its cosignatures,
/// or why a signature or the form was refused.
fn open_checkpoint(
    file: &Path,
    key: &str,
    witnesses: &[String],
) -> anyhow::Result<Result<(Checkpoint, Vec<app::Cosignature>), app::NoteError>> {
    let verifier = crate::keys::read_verifier(key)?;
    let witnesses = crate::keys::read_witnesses(witnesses)?;
    let note = std::fs::read_to_string(file).with_context(|| format!("failed to read {}", file.display()))?;
    Ok(Checkpoint::open(&note, &verifier)
        .and_then(|checkpoint| Ok((checkpoint, app::cosignatures(&note, &witnesses)?))))
}
