//! `covenant keys init`: make the Ed25519 key pair that signs the log's checkpoints, or with
//! `--witness` a witness's cosigning key; and reading a verifier key given on the command line.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use app::{KeyKind, NoteSigner, NoteVerifier};

/// Manage the key that signs checkpoints.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    /// Write a new signing key to FILE (readable by its owner only) and print the verifier key
    /// to give to partners and auditors.
    ///
    /// The private key stays outside the database. To rotate, make a new key with a new file,
    /// sign with it from then on, and publish its verifier key beside the old one: checkpoints
    /// signed before stay checkable with the old verifier key.
    ///
    /// With --witness, the key is a witness's: it cosigns other logs' checkpoints
    /// (`covenant witness`), and its verifier key goes into the followed log's covenant.toml as
    /// `[transparency] witnesses = ["…"]`.
    Init {
        /// The log's origin, which names the key: a schema-less URL such as
        /// `example.org/covenant`; for a witness, the witness's own name, such as
        /// `west-lindsey.gov.uk/witness`.
        #[arg(long, value_name = "ORIGIN")]
        name: String,
        /// Where to write the private key; an existing file is never overwritten. Default:
        /// covenant-checkpoint.key, or covenant-witness.key with --witness.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Make a witness's cosigning key instead of a log's signing key.
        #[arg(long)]
        witness: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let KeysCommand::Init { name, out, witness } = args.command;
    let (kind, default_out, what) = if witness {
        (KeyKind::Witness, "covenant-witness.key", "cosigning key of the witness")
    } else {
        (KeyKind::Log, "covenant-checkpoint.key", "signing key for")
    };
    let out = out.unwrap_or_else(|| PathBuf::from(default_out));
    let signer = NoteSigner::generate_kind(&name, kind)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(&out)
        .with_context(|| format!("failed to create {} (an existing key file is never overwritten)", out.display()))?;
    writeln!(file, "{}", signer.to_text()).with_context(|| format!("failed to write {}", out.display()))?;
    println!("Wrote the {what} {name} to {}.", out.display());
    println!("Verifier key: {}", signer.verifier().to_text());
    if witness {
        println!(
            "Give the verifier key to the log's operator, to add to its covenant.toml as [transparency] witnesses = [\"{}\"].",
            signer.verifier().to_text()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads each witness's verifier key (as `covenant keys init --witness` printed it, or a file
/// holding it), refusing a log's key given as a witness's.
pub fn read_witnesses(witnesses: &[String]) -> anyhow::Result<Vec<NoteVerifier>> {
    witnesses.iter().map(|w| Ok(read_verifier(w)?.of_kind(KeyKind::Witness)?)).collect()
}

/// Reads a verifier key given on the command line as `covenant keys init` printed it
/// (name+keyid+key), or as the name of a file holding it.
pub fn read_verifier(key: &str) -> anyhow::Result<NoteVerifier> {
    match NoteVerifier::parse(key) {
        Ok(verifier) => Ok(verifier),
        Err(_) if std::path::Path::new(key).is_file() => {
            let text = std::fs::read_to_string(key).with_context(|| format!("failed to read {key}"))?;
            NoteVerifier::parse(&text).with_context(|| format!("failed to read the verifier key in {key}"))
        }
        Err(not_a_key) => Err(anyhow::anyhow!(
            "failed to read the verifier key: {not_a_key}; give the key as `covenant keys init` printed it (name+keyid+key), or a file holding it"
        )),
    }
}
