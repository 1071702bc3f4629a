//! `covenant pack`: write a body's board pack for a meeting day, as one printable HTML page, a
//! tagged PDF or a workbook, from the record as it stands.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use app::packs::{self, PackFormat};
use app::{Config, OpenMode, ReportError, Reports};
use domain::{Date, Key};
use projections::Unverified;

/// Write a body's board pack: the status of every instrument it oversees with its RAG mix,
/// exceptions first (red, overdue, stale), what changed since its previous meeting, its
/// indicators, and the resolutions of its previous meeting with their delivery trail.
///
/// The pack describes what had been decided by the end of `--as-of`, counts overdue and stale
/// actions against that day, and names on its cover the log's head it was made from (position
/// and hash).
///
/// Examples:
///
///   covenant pack --body lincolnshire-health-and-wellbeing-board --as-of 2020-12-02 --format html --output pack.html
///
///   covenant pack --body lincolnshire-health-and-wellbeing-board --as-of 2020-12-02 --format pdf --output pack.pdf
///
///   covenant pack --body west-lindsey-prosperous-communities-committee --as-of 2021-03-10 --format xlsx --output pack.xlsx
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The body whose pack it is, by key.
    #[arg(long, value_name = "KEY", value_parser = crate::report::parse_key)]
    body: Key,

    /// The day the pack describes (YYYY-MM-DD): usually the day of the meeting it goes to.
    #[arg(long, value_name = "DATE", value_parser = domain::parse_date)]
    as_of: Date,

    /// html (one printable page), pdf (tagged, PDF/UA-1, A4) or xlsx (a workbook with a sheet per
    /// section).
    #[arg(long, value_parser = PackFormat::parse)]
    format: PackFormat,

    /// The file to write.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::ReadOnly).await?;
    let reports = Reports::once(stores, config.rules, Unverified::Refuse);
    let pack = reports.pack(&args.body, args.as_of).await.map_err(|error| match error {
        no_body @ ReportError::NoSuchBody(_) => {
            anyhow::anyhow!("{no_body} by {}: `{}` lists every body", args.as_of, config.command("export popolo"))
        }
        other => anyhow::Error::new(other).context("failed to make the pack"),
    })?;
    let bytes = packs::render(&pack, args.format)?;
    std::fs::write(&args.output, bytes).with_context(|| format!("failed to write {}", args.output.display()))?;
    eprintln!(
        "wrote the pack of {} as decided by {} to {} (from the log at position {})",
        pack.cover.body_name,
        pack.cover.as_of,
        args.output.display(),
        pack.cover.position.0
    );
    Ok(ExitCode::SUCCESS)
}
