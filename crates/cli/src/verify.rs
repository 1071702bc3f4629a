//! `covenant verify`: recompute the hash chain and print the head position and hash.

use std::process::ExitCode;

use app::{Config, OpenMode};
use kernel::{ChainHead, Hash, Position};

/// Recompute the hash chain of the event log and print its head.
///
/// Every event's SHA-256 hash is recomputed from its content and its predecessor's hash. The
/// first event that does not match is named, with what was found. Exits with status 1 if the
/// chain does not verify, or if the log holds no events (then nothing was verified).
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
    match &report.failure {
        None => {
            println!("The chain verifies: {} events checked.", report.checked);
            println!("Head position: {}", head.position);
            println!("Head hash:     {}", head.hash);
            Ok(ExitCode::SUCCESS)
        }
        Some(failure) => {
            println!("The chain does NOT verify. First problem at position {}:", failure.position());
            println!("  {failure}");
            println!(
                "Verified before it: {} events, up to position {} (hash {}).",
                report.checked, head.position, head.hash
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
