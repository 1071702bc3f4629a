//! `covenant record`: record one command given as JSON, or a file of commands in JSON Lines, and
//! print what was recorded.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use app::{AppendedEvent, Config, InvalidRequest, OpenMode, Provenance, RecordError, Recorded, Recorder, Submission};
use kernel::Timestamp;

const EXAMPLES: &str = r#"Examples:
  Register an organisation:
    covenant record '{"aggregate":"organisation","command":"register","id":"GB-LAE-WLI","name":"West Lindsey District Council","kind":"local_authority"}'

  Record West Lindsey's adoption of the blueprint, citing minute 45:
    covenant record --source "West Lindsey PCC minutes, 9 March 2021, minute 45" --occurred-at 2021-03-09 \
      '{"aggregate":"instrument","command":"adopt","id":"lincolnshire-homes-for-independence-blueprint","party":"GB-LAE-WLI","resolution":"west-lindsey-pcc-2021-03-09-45","adopted_on":"2021-03-09"}'

  Publish a version of the HHCDG delivery plan, its content hash the SHA-256 of the document:
    covenant record --document hhcdg-delivery-plan-2024.pdf \
      '{"aggregate":"instrument","command":"publish_version","id":"lincolnshire-hhcdg-delivery-plan","label":"2024/25","document":"HHCDG Delivery Plan 2024/25","published_on":"2024-04-01"}'

  Record a file of commands, all or nothing:
    covenant record --file minutes-2021-03-09.jsonl

docs/commands.md describes every command and its fields, with examples."#;

/// Record one command, or a file of commands, given as JSON.
///
/// A command is one JSON object naming its aggregate, the command and its fields, such as
/// {"aggregate":"commitment","command":"complete","id":"hhcdg-dfg-fast-track","completed_on":"2023-03-31","narrative":"Fast-track route adopted by all seven districts."}.
/// Covenant checks it against the rules and what is already recorded, then records its events,
/// or refuses it and says why.
///
/// A file holds one command per line (JSON Lines); blank lines and lines starting with # are
/// skipped. It is all or nothing: every line is read first and every bad line reported; then the
/// commands are decided in order, each seeing the ones before it; then all their events are
/// appended at once. If any line is bad or refused, nothing is recorded.
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The command, as one JSON object.
    #[arg(value_name = "JSON", required_unless_present = "file", conflicts_with = "file")]
    command: Option<String>,
    /// A file of commands, one JSON object per line; `-` reads standard input.
    #[arg(long, short, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The document an instrument's version is published in (a PDF, say): its SHA-256 is
    /// recorded as the content_hash of the publish_version or refresh command, which may then
    /// leave content_hash out (one giving another hash is refused).
    #[arg(long, value_name = "FILE", conflicts_with = "file")]
    document: Option<PathBuf>,
    #[command(flatten)]
    recording: Recording,
}

/// Who records, where the facts come from and when they happened.
#[derive(Debug, clap::Args)]
pub struct Recording {
    /// Who is recording: a name or e-mail address. Defaults to the user name, else "covenant".
    #[arg(long, value_name = "NAME")]
    actor: Option<String>,
    /// Where the facts come from, such as a minute reference. For a file, defaults to the file
    /// name and line of each command.
    #[arg(long, value_name = "TEXT")]
    source: Option<String>,
    /// When the facts happened in the world (YYYY-MM-DD or RFC 3339). Defaults to the date the
    /// command carries as its own (a resolution's decided_on, a progress report's reported_on),
    /// else now; for a command with its own date it must fall on that day.
    #[arg(long, value_name = "DATE", value_parser = Timestamp::parse)]
    occurred_at: Option<Timestamp>,
}

impl Recording {
    fn provenance(&self) -> Provenance {
        Provenance {
            source: self.source.clone(),
            occurred_at: self.occurred_at,
            ..Provenance::new(self.actor.clone().unwrap_or_else(default_actor))
        }
    }
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let provenance = args.recording.provenance();
    match (args.command, args.file) {
        (Some(json), _) => {
            let json = match &args.document {
                Some(document) => {
                    let bytes = std::fs::read(document)
                        .with_context(|| format!("failed to read the document {}", document.display()))?;
                    let hash = domain::ContentHash::of(&bytes);
                    app::with_document_hash(&json, &document.display().to_string(), &hash)
                        .map_err(|e| anyhow::anyhow!("the command is not valid: {e}; nothing was recorded"))?
                }
                None => json,
            };
            let command = app::parse_command(&json).map_err(|e| anyhow::anyhow!("the command is not valid: {e}"))?;
            let stores = crate::open(config, OpenMode::Create).await?;
            match Recorder::new(stores.events).record(&Submission { command, provenance }, Timestamp::now()).await {
                Ok(recorded) => {
                    print_recorded(&recorded);
                    Ok(ExitCode::SUCCESS)
                }
                Err(error @ RecordError::Rejected { .. }) => bail!("{error}; nothing was recorded"),
                Err(error) => Err(error.into()),
            }
        }
        (None, Some(file)) => record_file(config, &file, &args.recording).await,
        (None, None) => bail!("no command given: pass the command as JSON, or --file FILE"),
    }
}

/// Records a file of commands in JSON Lines, all or nothing; `-` reads standard input.
pub async fn record_file(config: &Config, file: &Path, recording: &Recording) -> anyhow::Result<ExitCode> {
    let provenance = recording.provenance();
    let (name, text) = read_input(file)?;
    let commands = match app::parse_command_lines(&text) {
        Ok(commands) => commands,
        Err(errors) => {
            let listed: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            bail!(
                "{} of {name} {} not commands; nothing was recorded:\n{}",
                plural(errors.len(), "line"),
                if errors.len() == 1 { "is" } else { "are" },
                listed.join("\n")
            );
        }
    };
    let submissions = app::interchange::commands::submissions(&commands, &name, &provenance);
    let stores = crate::open(config, OpenMode::Create).await?;
    match Recorder::new(stores.events).record_batch(&submissions, Timestamp::now()).await {
        Ok(recorded) => {
            print_recorded(&recorded);
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ RecordError::Rejected { item, .. }) => match commands.get(item) {
            Some(c) => bail!("line {} of {name}: {error}; nothing was recorded", c.line),
            None => bail!("{error}; nothing was recorded"),
        },
        Err(RecordError::Invalid(InvalidRequest::ControlCharacter { item, found })) => match commands.get(item) {
            Some(c) => bail!("line {} of {name}: {found}; nothing was recorded", c.line),
            None => bail!("{found}; nothing was recorded"),
        },
        Err(error) => Err(error.into()),
    }
}

/// The user name, else "covenant".
pub fn default_actor() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "covenant".to_owned())
}

/// The text of `file` (standard input for `-`) and the name to give it in messages.
pub fn read_input(file: &Path) -> anyhow::Result<(String, String)> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("failed to read commands from standard input")?;
        return Ok(("standard input".to_owned(), text));
    }
    let text = std::fs::read_to_string(file).with_context(|| {
        format!("failed to read {}: check the path, or pass - to read standard input", file.display())
    })?;
    Ok((file.display().to_string(), text))
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// Prints one aligned line per recorded event.
fn print_recorded(recorded: &Recorded) {
    let (Some(first), Some(last)) = (recorded.events.first(), recorded.events.last()) else {
        println!("Nothing to record: the commands decided on no new events.");
        return;
    };
    if first.position == last.position {
        println!("Recorded 1 event at position {}:", first.position);
    } else {
        println!(
            "Recorded {} (positions {} to {}):",
            plural(recorded.events.len(), "event"),
            first.position,
            last.position
        );
    }
    let width =
        |f: fn(&AppendedEvent) -> usize, title: &str| recorded.events.iter().map(f).max().unwrap_or(0).max(title.len());
    let position = width(|e| e.position.to_string().len(), "position");
    let stream = width(|e| e.stream_id.as_str().len(), "stream");
    let version = width(|e| e.stream_version.to_string().len(), "version");
    println!("  {:>position$}  {:<stream$}  {:>version$}  event", "position", "stream", "version");
    for e in &recorded.events {
        println!(
            "  {:>position$}  {:<stream$}  {:>version$}  {}",
            e.position.0,
            e.stream_id.as_str(),
            e.stream_version,
            e.event_type
        );
    }
    if recorded.attempts > 1 {
        println!("Decided {} times: other changes to the same streams were recorded meanwhile.", recorded.attempts);
    }
}
