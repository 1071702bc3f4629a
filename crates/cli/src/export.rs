//! `covenant export`: the record in a format other systems read, one subcommand per format.
//! `cloudevents` writes the log as CloudEvents 1.0 JSON Lines, a page at a time; `popolo` the
//! organisations, bodies, memberships and resolutions as one Popolo JSON document; and each
//! report [`ReportKind`] lists (`status`, `resolutions`, …) as CSV, as `covenant report <report>
//! --format csv` prints it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use app::interchange::cloudevents::{Export, Filter, FilterArgs};
use app::interchange::popolo;
use app::{Config, OpenMode};
use clap::Args as _;
use kernel::EventStore;
use projections::{Format, ReportKind};

use crate::{progress, report};

/// Export the record: the event log, the governance structure and decisions, or a read model.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Exportable,
}

/// What to export: a format of the whole record, or a report (one subcommand for each
/// [`ReportKind`]).
#[derive(Debug)]
enum Exportable {
    Interchange(Interchange),
    Report(ReportKind, ReadModel),
}

#[derive(Debug, clap::Subcommand)]
enum Interchange {
    Cloudevents(Cloudevents),
    Popolo(Popolo),
}

impl clap::FromArgMatches for Exportable {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        match matches.subcommand() {
            Some((name, _)) if <Interchange as clap::Subcommand>::has_subcommand(name) => {
                Ok(Exportable::Interchange(Interchange::from_arg_matches(matches)?))
            }
            Some((name, report)) => {
                let kind = ReportKind::parse(name)
                    .map_err(|e| clap::Error::raw(clap::error::ErrorKind::InvalidSubcommand, e))?;
                Ok(Exportable::Report(kind, ReadModel::from_arg_matches(report)?))
            }
            None => Err(clap::Error::raw(
                clap::error::ErrorKind::MissingSubcommand,
                "name what to export: `covenant export --help` lists the formats and reports",
            )),
        }
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Subcommand for Exportable {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        ReportKind::ALL.into_iter().fold(Interchange::augment_subcommands(command), |command, kind| {
            command.subcommand(ReadModel::augment_args(clap::Command::new(kind.name())).about(format!(
                "{} as CSV: `covenant report {} --format csv`, with the same options.",
                kind.title(),
                kind.name()
            )))
        })
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        Interchange::has_subcommand(name) || ReportKind::parse(name).is_ok()
    }
}

/// Write organisations, bodies, memberships and resolutions as one Popolo JSON document.
///
/// The document is `{"organizations": [...], "memberships": [...], "motions": [...]}`:
/// organisations and bodies as Popolo organizations, each body's member organisations as Popolo
/// memberships, and resolutions as Popolo motions. An organisation's `id` is its org-id (GB-LAE-WLI), a body's its key, with `classification`
/// its kind and `parent_id` the organisation it belongs to. A membership names the body
/// (`organization_id`), the member organisation and the days it joined and left. A motion is a
/// resolution: `organization_id` the body, `legislative_session_id` the meeting, `text`, `date`
/// (decided on), `result` (the outcome) and `sources` (meeting and agenda item in words).
/// docs/interchange.md describes every field.
///
/// Examples:
///
///   covenant export popolo --output covenant-popolo.json
#[derive(Debug, clap::Args)]
struct Popolo {
    /// Write to this file instead of standard output. The file appears only once complete.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// A read model as CSV, exactly as `covenant report <report> --format csv` prints it.
#[derive(Debug, clap::Args)]
struct ReadModel {
    #[command(flatten)]
    options: report::Options,
    /// Write to this file instead of standard output. The file appears only once complete.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Write the event log as CloudEvents 1.0, one JSON object per line (JSON Lines).
///
/// Each line is one event: `id` (the event id), `source` (where the fact came from, or
/// `urn:covenant:log:<hash of the first event>` when none was recorded), `specversion`, `type`
/// (such as `uk.covenant.commitment.progress_reported.v2`), `subject` (the stream), `time` (when
/// it happened), `datacontenttype`, `data` (the payload), and the extensions `recordedtime`,
/// `sequence` (the position), `streamversion`, `actor`, `correlationid`, `causationid`,
/// `prevhash` and `hash`, enough to verify the chain from the file alone. docs/interchange.md
/// describes every field.
///
/// Without filters the file holds the whole log, and `covenant import cloudevents` restores it
/// into an empty database. With filters it holds the events that meet all of them.
///
/// Examples:
///
///   covenant export cloudevents --output covenant-events.jsonl
///
///   covenant export cloudevents --stream resolution-west-lindsey-pcc-2021-03-09-45
///
///   covenant export cloudevents --type uk.covenant.commitment.progress_reported --from 2023-04-01 --to 2024-03-31
#[derive(Debug, clap::Args)]
struct Cloudevents {
    /// Only events after this position.
    #[arg(long, value_name = "POS")]
    after: Option<u64>,
    /// Only events up to and including this position.
    #[arg(long, value_name = "POS")]
    until: Option<u64>,
    /// Only the events of this stream, such as commitment-hhcdg-delivery-plan.
    #[arg(long, value_name = "STREAM")]
    stream: Option<String>,
    /// Only events of this type: a CloudEvents type, with or without its `.vN`
    /// (uk.covenant.resolution.recorded), or a stored type name (ResolutionRecorded).
    #[arg(long = "type", value_name = "TYPE")]
    event_type: Option<String>,
    /// Only events that happened on or after this date (YYYY-MM-DD) or time (RFC 3339).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Only events that happened on or before this date (the whole day) or time.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Write to this file, with a progress bar, instead of standard output. The file appears
    /// only once the export is complete.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let (kind, args) = match args.kind {
        Exportable::Interchange(Interchange::Cloudevents(args)) => return cloudevents(config, args).await,
        Exportable::Interchange(Interchange::Popolo(args)) => return popolo(config, args).await,
        Exportable::Report(kind, args) => (kind, args),
    };
    let csv = report::report(config, kind, Format::Csv, &args.options).await?;
    write(args.output.as_deref(), csv.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

async fn popolo(config: &Config, args: Popolo) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::ReadOnly).await?;
    let (models, _) = app::views::current(&stores, |_, _| ()).await.context("failed to build the read models")?;
    let mut json = serde_json::to_vec_pretty(&popolo::document(&models)).context("failed to write the export")?;
    json.push(b'\n');
    write(args.output.as_deref(), &json)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to standard output, or to `output` once they are all written.
fn write(output: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    let Some(path) = output else {
        return std::io::stdout().lock().write_all(bytes).context("failed to write the export");
    };
    let mut file = beside(path)?;
    file.write_all(bytes).context("failed to write the export")?;
    file.as_file().sync_all().context("failed to write the export")?;
    file.persist(path).with_context(|| format!("failed to write {}", path.display()))?;
    eprintln!("Exported to {}.", path.display());
    Ok(())
}

/// A temporary file in the directory of `path`, to be moved into place once complete.
fn beside(path: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!("failed to create a file in {}: check the directory exists and is writable", dir.display())
    })
}

async fn cloudevents(config: &Config, args: Cloudevents) -> anyhow::Result<ExitCode> {
    let filter = Filter::parse(FilterArgs {
        after: args.after,
        until: args.until,
        stream: args.stream.as_deref(),
        event_type: args.event_type.as_deref(),
        from: args.from.as_deref(),
        to: args.to.as_deref(),
    })
    .map_err(|e| anyhow::anyhow!("--{e}"))?;
    let stores = crate::open(config, OpenMode::ReadOnly).await?;
    match &args.output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written = export(stores.events, filter, &mut out, |_| ()).await?;
            eprintln!("Exported {written} events.");
        }
        Some(path) => export_to_file(stores.events, filter, path).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the export to a temporary file beside `path` and moves it into place once complete.
async fn export_to_file(store: Arc<dyn EventStore>, filter: Filter, path: &Path) -> anyhow::Result<()> {
    let file = beside(path)?;
    let head = store.head().await?.position;
    let end = filter.until.map_or(head, |until| until.min(head));
    let bar = progress::bar(end.0.saturating_sub(filter.after.0), "events", "exporting")?;
    let start = filter.after;
    let mut out = std::io::BufWriter::new(file);
    let written =
        export(store, filter, &mut out, |reached| bar.set_position(reached.0.saturating_sub(start.0))).await?;
    let file = out.into_inner().map_err(|e| e.into_error()).context("failed to write the export")?;
    file.as_file().sync_all().context("failed to write the export")?;
    file.persist(path).with_context(|| format!("failed to write {}", path.display()))?;
    bar.finish_and_clear();
    eprintln!("Exported {written} events to {}.", path.display());
    Ok(())
}

/// Writes every event `filter` selects to `out`, one line each, and returns how many.
async fn export(
    store: Arc<dyn EventStore>,
    filter: Filter,
    out: &mut impl Write,
    progress: impl FnMut(kernel::Position),
) -> anyhow::Result<u64> {
    let mut export = Export::start(store, filter).await.context("failed to export the log")?;
    export.write_to(out, progress).await.context("failed to export the log")
}
