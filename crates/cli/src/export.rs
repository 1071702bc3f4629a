//! `covenant export`: the event log in a format other systems read, one subcommand per format.
//! `cloudevents` writes the log as CloudEvents 1.0 JSON Lines, a page at a time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use app::Config;
use app::interchange::cloudevents::{Export, Filter, FilterArgs};
use kernel::EventStore;

use crate::progress;

/// Export the event log.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    Cloudevents(Cloudevents),
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
    let Kind::Cloudevents(args) = args.kind;
    let filter = Filter::parse(FilterArgs {
        after: args.after,
        until: args.until,
        stream: args.stream.as_deref(),
        event_type: args.event_type.as_deref(),
        from: args.from.as_deref(),
        to: args.to.as_deref(),
    })
    .map_err(|e| anyhow::anyhow!("--{e}"))?;
    let stores = app::open_store(&config.database).await?;
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
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!("failed to create a file in {}: check the directory exists and is writable", dir.display())
    })?;
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
