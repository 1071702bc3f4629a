//! `covenant proof`: export the portable proof of one resolution, and verify one offline with
//! the log's verifier key alone.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use app::Config;
use app::resolution_proof::{self, ResolutionProofError};

/// Portable proofs of resolutions (`docs/audit.md`).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ProofCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ProofCommand {
    /// Write one file holding a resolution's events as CloudEvents, each with its inclusion proof
    /// and the latest signed checkpoint (C2SP tlog-proof), to attach to a board paper.
    Export {
        /// The resolution's id, as the resolution register shows it.
        #[arg(long, value_name = "ID")]
        resolution: String,
        /// Where to write the proof; by default `resolution-ID.proof.json`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check a proof file with no database and no network, and say what it proves.
    Verify {
        /// The file `covenant proof export` wrote.
        file: PathBuf,
        /// The log's verifier key, as `covenant keys init` printed it, or a file holding it.
        #[arg(long, value_name = "VERIFIER-KEY")]
        key: String,
        /// A witness whose cosignature the proof's checkpoint must carry (its verifier key, as
        /// `covenant keys init --witness` printed it, or a file holding it); give it once per
        /// witness. The proof is refused unless every one of them cosigned.
        #[arg(long, value_name = "VERIFIER-KEY")]
        witness: Vec<String>,
    },
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ProofCommand::Export { resolution, out } => {
            let stores = crate::open(config, app::OpenMode::ReadOnly).await?;
            let text = resolution_proof::export(&stores, &resolution, &config.transparency.witnessing).await?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("resolution-{resolution}.proof.json")));
            std::fs::write(&out, text).with_context(|| format!("failed to write {}", out.display()))?;
            println!("Wrote the proof of resolution {resolution} to {}.", out.display());
            Ok(ExitCode::SUCCESS)
        }
        ProofCommand::Verify { file, key, witness } => {
            let verifier = crate::keys::read_verifier(&key)?;
            let witnesses = crate::keys::read_witnesses(&witness)?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("failed to read {}", file.display()))?;
            match resolution_proof::verify(&text, &verifier, &witnesses) {
                Ok(proven) => {
                    println!("{proven}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(refused @ ResolutionProofError::Refused(_)) => {
                    println!("{} does NOT prove anything: {refused}.", file.display());
                    Ok(ExitCode::FAILURE)
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}
