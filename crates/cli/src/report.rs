//! `covenant report`: print a read model as a table for a terminal, a board paper, a spreadsheet
//! or a program, now or as the record stood at a past point.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

use app::{Asked, Config, OpenMode, ReportError, ReportRequest, Reports};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use domain::{Date, Key, OrgId};
use kernel::{Position, StreamId, Timestamp, VerifyFailure};
use projections::{AsOf, Filters, Format, GroupBy, ProjectionError, ReportKind, TrailFilters, Unverified};

/// Print a report: the status board, the resolution register, the action log, the indicators or
/// the audit trail.
///
/// Reports are built from the events alone. By default they describe the record as it stands
/// now; `--as-of` shows what had been decided by a date (including decisions recorded later),
/// `--known-on` what Covenant had been told by a date, and `--position` the log up to a
/// position. Overdue and stale items are counted against the `--as-of` date, or today.
///
/// Examples:
///
///   covenant report status
///
///   covenant report status --instrument lincolnshire-homes-for-independence-blueprint
///
///   covenant report status --as-of 2020-11-30 --format markdown
///
///   covenant report resolutions --resolution west-lindsey-pcc-2021-03-09-45
///
///   covenant report actions --by body --organisation GB-LAE-WLI --format csv
///
///   covenant report audit --stream resolution-west-lindsey-pcc-2021-03-09-45
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Which report.
    #[arg(value_parser = kinds())]
    report: ReportKind,

    /// text (aligned columns), markdown (for a board paper), csv (for a spreadsheet) or json.
    #[arg(long, default_value = "text", value_parser = parse_format)]
    format: Format,

    #[command(flatten)]
    options: Options,
}

/// Which point of the record a report describes, and what it shows of it.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// What had been decided by this date (YYYY-MM-DD, the whole day) or time (RFC 3339),
    /// whenever it was recorded.
    #[arg(long, value_name = "DATE", value_parser = Timestamp::parse_end_of, help_heading = "As of")]
    as_of: Option<Timestamp>,

    /// What Covenant had recorded by this date or time: the record as a reader saw it then.
    #[arg(long, value_name = "DATE", value_parser = Timestamp::parse_end_of, help_heading = "As of")]
    known_on: Option<Timestamp>,

    /// The log up to and including this position (see `covenant verify` for the head).
    #[arg(long, value_name = "N", help_heading = "As of")]
    position: Option<u64>,

    /// The day overdue, due-soon and stale items are counted against (default: the --as-of or
    /// --known-on date, else today).
    #[arg(long, value_name = "DATE", value_parser = domain::parse_date, help_heading = "As of")]
    today: Option<Date>,

    /// Only this instrument (status, resolutions, actions, indicators), or its events (audit).
    /// With `status`, prints the instrument's full detail.
    #[arg(long, value_name = "KEY", value_parser = parse_key, help_heading = "Filters")]
    instrument: Option<Key>,

    /// Resolutions only: this one resolution whole, with its text, outcome, call-in, corrections,
    /// what it authorised and its delivery trail.
    #[arg(long, value_name = "KEY", value_parser = parse_key, help_heading = "Filters")]
    resolution: Option<Key>,

    /// Only this body: instruments it owns or endorsed, its resolutions and its action log.
    #[arg(long, value_name = "KEY", value_parser = parse_key, help_heading = "Filters")]
    body: Option<Key>,

    /// Only this organisation (an org-id such as GB-LAE-WLI): its parties, leads and events.
    #[arg(long, value_name = "ORG", value_parser = parse_org, help_heading = "Filters")]
    organisation: Option<OrgId>,

    /// The status board only: instruments with an objective tagged with this theme, exactly.
    #[arg(long, value_name = "THEME", help_heading = "Filters")]
    theme: Option<String>,

    /// The first day of the period to show (inclusive).
    #[arg(long, value_name = "DATE", value_parser = domain::parse_date, help_heading = "Filters")]
    from: Option<Date>,

    /// The last day of the period to show (inclusive).
    #[arg(long, value_name = "DATE", value_parser = domain::parse_date, help_heading = "Filters")]
    to: Option<Date>,

    /// The action log only: group it by the organisation answering for each commitment (the
    /// default), or by the body whose action log holds it.
    #[arg(long, value_enum, help_heading = "Filters")]
    by: Option<By>,

    /// Audit trail only: one entity's stream, such as `instrument-lincolnshire-housing-health-care-mou`.
    #[arg(long, value_name = "STREAM", value_parser = parse_stream, help_heading = "Filters")]
    stream: Option<StreamId>,

    /// Audit trail only: one actor, exactly as recorded.
    #[arg(long, value_name = "ACTOR", help_heading = "Filters")]
    actor: Option<String>,

    /// The action log only: the counts by organisation or body (open, overdue, due soon, stale,
    /// deferred, done, cancelled) instead of the rows. CSV holds one table: without this, the
    /// rows; with it, the counts.
    #[arg(long, help_heading = "Filters")]
    summary: bool,

    /// Text only: print every column, however wide. Without it, a text report on a terminal
    /// (or with COLUMNS set) leaves out its widest columns until it fits, and says which.
    #[arg(long)]
    wide: bool,

    /// Print the report even when the log's hash chain is broken (an event was altered, removed
    /// or reordered), with a warning naming the first broken position. Without it, such a
    /// report is refused: what it would show may not be what was recorded.
    #[arg(long)]
    allow_unverified: bool,
}

/// The reports as the command line offers them: every [`ReportKind`], by name, with what it shows.
fn kinds() -> impl TypedValueParser<Value = ReportKind> {
    PossibleValuesParser::new(ReportKind::ALL.map(|kind| PossibleValue::new(kind.name()).help(kind.description())))
        .try_map(|name| ReportKind::parse(&name))
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum By {
    Organisation,
    Body,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let written = report(config, args.report, args.format, &args.options).await?;
    match std::io::stdout().lock().write_all(written.as_bytes()) {
        // The reader stopped reading (`covenant report audit | head`): what it read is all it wanted.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.context("failed to write the report to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The report `kind` in `format`, as `options` choose it: what `covenant report` prints and
/// `covenant export` writes as CSV.
pub async fn report(config: &Config, kind: ReportKind, format: Format, args: &Options) -> anyhow::Result<String> {
    if args.resolution.is_some() && kind != ReportKind::Resolutions {
        anyhow::bail!("--resolution applies only to `covenant report resolutions`: leave it out here");
    }
    if args.summary && kind != ReportKind::Actions {
        anyhow::bail!("--summary applies only to `covenant report actions`: leave it out here");
    }
    let subject = match kind {
        ReportKind::Status => args.instrument.clone(),
        ReportKind::Resolutions => args.resolution.clone(),
        _ => None,
    };
    let asked = Asked {
        position: args.position.map(Position),
        known_on: args.known_on,
        decided_by: args.as_of,
        today: args.today,
        filters: Filters {
            instrument: args.instrument.clone(),
            body: args.body.clone(),
            organisation: args.organisation.clone(),
            from: args.from,
            to: args.to,
            theme: args.theme.clone(),
        },
        group_by: args.by.map(|by| match by {
            By::Organisation => GroupBy::Organisation,
            By::Body => GroupBy::Body,
        }),
        trail: TrailFilters { stream: args.stream.clone(), actor: args.actor.clone() },
        subject,
        page: None,
    };
    let request = ReportRequest::new(kind, asked).map_err(|refused| {
        let option = if refused.option == "group_by" { "by" } else { refused.option };
        anyhow::anyhow!("--{option} applies only to `covenant report {}`: leave it out here", refused.only)
    })?;
    let stores = crate::open(config, OpenMode::ReadOnly).await?;
    let unverified = if args.allow_unverified { Unverified::Allow } else { Unverified::Refuse };
    let reports = Reports::once(stores, config.rules, unverified);
    if format == Format::Csv && !args.summary {
        // The rows, written by `Reports` as the API writes them: the same bytes.
        let written = reports.written(&request, format).await.map_err(|error| refused(config, kind, error))?;
        warn_if_broken(&reports).await;
        return Ok(String::from_utf8(written.to_vec())?);
    }
    let answered = reports.answer(&request).await.map_err(|error| refused(config, kind, error))?;
    warn_if_broken(&reports).await;
    let mut layout = Layout { point: describe(&request.as_of), heading: None, width: width(args.wide) };
    if args.summary {
        let summary = answered.view.summary().into_iter().collect();
        return render(None, summary, format, &layout);
    }
    if answered.view.table().is_none() {
        // One instrument or resolution in full: its first table says when, and the day counted.
        let when = match (layout.point.take(), answered.position) {
            (Some(point), _) => point,
            (None, Some(position)) => format!("Showing the record as it stands now, up to position {position}."),
            (None, None) => "Showing the record as it stands now.".to_owned(),
        };
        layout.heading = Some(format!("{when} Overdue and stale items counted on {}.", request.today));
    }
    render(Some(serde_json::to_value(&answered.view)?), answered.view.tables(reports.rules()), format, &layout)
}

/// How a report's tables are laid out for people.
struct Layout {
    /// The past point the report describes, in words, noted under every table; none for now.
    point: Option<String>,
    /// Noted under the first table alone: when the report describes and the day it counted.
    heading: Option<String>,
    /// The width a text table is fitted to; none for every column.
    width: Option<usize>,
}

/// `report` fitted to `width` as text, with a note of the columns left out; as it is for none.
pub fn fitted(mut report: projections::Report, width: Option<usize>) -> projections::Report {
    let Some(width) = width else { return report };
    let left_out = report.fit(width);
    if left_out.is_empty() {
        return report;
    }
    report.note(format!(
        "Left out to fit {width} columns: {}. `covenant report` with --wide prints every column, as do markdown, CSV and JSON.",
        left_out.join(", ")
    ))
}

/// The width of the terminal text reports are fitted to: `COLUMNS` when set, else the
/// terminal's own when standard output is one; none with `--wide`, or when writing to a file or
/// a pipe, which get every column.
pub fn width(wide: bool) -> Option<usize> {
    if wide {
        return None;
    }
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()) {
        return Some(columns);
    }
    let terminal = console::Term::stdout();
    if !terminal.is_term() {
        return None;
    }
    terminal.size_checked().map(|(_, columns)| usize::from(columns))
}

/// Says, on standard error so that CSV or JSON on standard output stays whole, that the report
/// was made from a broken log.
async fn warn_if_broken(reports: &Reports) {
    if let Some(failure) = reports.broken().await {
        eprintln!("{}", unverified_warning(&failure));
    }
}

/// A report refused, in the command line's words: for a broken log, how to print it anyway; for
/// an instrument or resolution not on record, what lists them.
fn refused(config: &Config, kind: ReportKind, error: ReportError) -> anyhow::Error {
    match error {
        ReportError::Projection(error @ ProjectionError::Broken(_)) => {
            anyhow::anyhow!("{error}; to print the report anyway, with a warning, pass --allow-unverified")
        }
        not_found @ ReportError::NotFound { .. } => anyhow::anyhow!(
            "{not_found}: `{}` lists every {}",
            config.command(&format!("report {}", kind.name())),
            kind.row()
        ),
        ReportError::Projection(error) if kind == ReportKind::Audit => {
            anyhow::Error::new(error).context("failed to read the audit trail")
        }
        ReportError::Projection(error) => anyhow::Error::new(error).context("failed to build the read models"),
        other => other.into(),
    }
}

/// The warning printed with a report made, as asked, from a log whose chain is broken.
fn unverified_warning(failure: &VerifyFailure) -> String {
    format!(
        "warning: the log is broken at position {}, so this report may show records that were altered after they were recorded: {failure}",
        failure.position()
    )
}

/// The report's JSON (the view's, when given) or its tables, in `format`, laid out as `layout`
/// says: a text table too wide is fitted, with a note of the columns left out.
fn render(
    json: Option<serde_json::Value>,
    reports: Vec<projections::Report>,
    format: Format,
    layout: &Layout,
) -> anyhow::Result<String> {
    if let (Format::Json, Some(json)) = (format, json) {
        return Ok(format!("{}\n", serde_json::to_string_pretty(&json)?));
    }
    let rendered: Vec<String> = reports
        .into_iter()
        .enumerate()
        .map(|(i, mut report)| {
            if format == Format::Csv {
                return report.render(format);
            }
            let note = if i == 0 { layout.heading.as_ref() } else { None };
            if let Some(note) = note.or(layout.point.as_ref()) {
                report = report.note(note.clone());
            }
            if format == Format::Text {
                report = fitted(report, layout.width);
            }
            report.render(format)
        })
        .collect();
    Ok(rendered.join("\n"))
}

/// The past point a report describes, in words; `None` for now.
fn describe(as_of: &AsOf) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(at) = as_of.decided_by {
        parts.push(format!("as decided by {}", day_or_time(at)));
    }
    if let Some(at) = as_of.known_on {
        parts.push(format!("as known on {}", day_or_time(at)));
    }
    if let Some(position) = as_of.position {
        parts.push(format!("up to position {position}"));
    }
    (!parts.is_empty()).then(|| format!("Showing the record {}.", parts.join(", ")))
}

/// A time that closes a day is shown as the day.
fn day_or_time(at: Timestamp) -> String {
    let time = at.as_datetime();
    if time.format("%H:%M:%S%.6f").to_string() == "23:59:59.999999" {
        time.date_naive().to_string()
    } else {
        at.to_string()
    }
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

pub(crate) fn parse_key(text: &str) -> Result<Key, String> {
    Key::parse(text)
}

fn parse_org(text: &str) -> Result<OrgId, String> {
    OrgId::parse(text)
}

fn parse_stream(text: &str) -> Result<StreamId, String> {
    StreamId::parse(text)
}
