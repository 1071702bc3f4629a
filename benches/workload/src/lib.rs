//! The one definition of the peer benchmark, shared by Covenant's bench (`benches/bench/benches/peers.rs`)
//! and the peer libraries' bench (`benches/peers`): the eight workloads and their sizes, the
//! ~350-byte progress report every system writes, the layout of the log replayed and queried, the
//! projection every system folds that log into, and the result line each run prints.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Concurrent writers of workload 2, each to streams of its own.
pub const WRITERS: usize = 32;
/// Writers of workload 3, and the streams they contend on.
pub const CONTENDING_WRITERS: usize = 8;
pub const CONTENDED_STREAMS: usize = 4;
/// Events in the aggregate loaded by workload 4.
pub const AGGREGATE_EVENTS: usize = 1_000;
/// Progress reports per commitment in the log of workloads 5 to 7: one a quarter for five years.
pub const REPORTS_PER_COMMITMENT: usize = 20;
/// Commitments that make up one instrument (a delivery plan) in that log.
pub const COMMITMENTS_PER_INSTRUMENT: usize = 25;
/// Untimed operations before each timed write run, so that connections and files are warm.
pub const WARM_UP: usize = 20;
/// Rows per page or per insert when a system reads or seeds the log.
pub const PAGE: usize = 10_000;

/// The databases every system runs on, named as the result lines and the table name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The eight workloads, numbered as in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Workload {
    SingleWriter = 1,
    ConcurrentWriters = 2,
    Contended = 3,
    LoadAggregate = 4,
    Replay = 5,
    AsOf = 6,
    VerifyChain = 7,
    /// Workload 3's commands with each system's own cache or snapshots of aggregate states
    /// switched on: Covenant's recorder keeps the states of the streams it decided on; cqrs-es
    /// keeps each aggregate's state in its snapshots table (its aggregate store); esrs has
    /// neither, so it runs workload 3 again.
    ContendedCached = 8,
}

impl Workload {
    pub const ALL: [Workload; 8] = [
        Workload::SingleWriter,
        Workload::ConcurrentWriters,
        Workload::Contended,
        Workload::LoadAggregate,
        Workload::Replay,
        Workload::AsOf,
        Workload::VerifyChain,
        Workload::ContendedCached,
    ];

    /// What the workload does, for the table.
    pub fn describe(self, sizes: &Sizes) -> String {
        match self {
            Workload::SingleWriter => "durable single-event appends, 1 writer, each to a new stream".into(),
            Workload::ConcurrentWriters => format!("{WRITERS} concurrent writers, each to new streams of its own"),
            Workload::Contended => format!(
                "{CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams: load, decide, append at the expected version, conflicts retried"
            ),
            Workload::LoadAggregate => format!("load and fold an aggregate of {AGGREGATE_EVENTS} events"),
            Workload::Replay => {
                format!("replay {} events through the progress projection", thousands(sizes.events as f64))
            }
            Workload::AsOf => format!(
                "one instrument ({COMMITMENTS_PER_INSTRUMENT} commitments) as of a past date, in a log of {} events",
                thousands(sizes.events as f64)
            ),
            Workload::VerifyChain => format!("verify the hash chain of {} events", thousands(sizes.events as f64)),
            Workload::ContendedCached => format!(
                "{CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams as in 3, with each system's cache or snapshots of aggregate states on"
            ),
        }
    }

    /// What the figure counts, per second.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::SingleWriter | Workload::ConcurrentWriters => "appends/s",
            Workload::Contended | Workload::ContendedCached => "commands/s",
            Workload::LoadAggregate => "loads/s",
            Workload::Replay | Workload::VerifyChain => "events/s",
            Workload::AsOf => "queries/s",
        }
    }

    /// The goal of issue 23 for this workload on `backend`: how many times the best peer's figure
    /// Covenant's must reach, and how many times the raw database's, where the issue sets one.
    pub fn goal(self, backend: Backend) -> Goal {
        let (peer, raw) = match (self, backend) {
            (Workload::SingleWriter, Backend::Sqlite) => (Some(1.5), Some(0.9)),
            (Workload::SingleWriter, Backend::Postgres) => (None, Some(0.9)),
            (Workload::ConcurrentWriters, Backend::Sqlite) => (Some(3.0), Some(4.0)),
            (Workload::ConcurrentWriters, Backend::Postgres) => (Some(2.0), Some(3.0)),
            (Workload::Contended | Workload::ContendedCached, _) => (Some(2.0), None),
            (Workload::LoadAggregate, Backend::Sqlite) => (Some(2.0), None),
            (Workload::LoadAggregate, Backend::Postgres) => (Some(1.5), None),
            (Workload::Replay, Backend::Sqlite) => (Some(5.0), None),
            (Workload::Replay, Backend::Postgres) => (Some(1.3), Some(0.9)),
            (Workload::AsOf, _) => (Some(4.0), None),
            (Workload::VerifyChain, _) => (None, None),
        };
        Goal { peer, raw }
    }

    /// The workload whose raw database figure the goal's `raw` ratio is taken against: the raw
    /// single-row insert of workload 1 for the appends, the raw read of the same pages for replay.
    pub fn raw_baseline(self) -> Workload {
        match self {
            Workload::SingleWriter | Workload::ConcurrentWriters => Workload::SingleWriter,
            other => other,
        }
    }
}

/// A goal of issue 23 (`docs/benchmarks.md`, "Against peer libraries"): Covenant's figure at
/// least `peer` times the best peer's and at least `raw` times the raw database's, each where set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goal {
    pub peer: Option<f64>,
    pub raw: Option<f64>,
}

impl Goal {
    /// Whether `covenant` meets the goal against the best peer's and the raw database's figures;
    /// `None` when the goal sets nothing, or names a figure the run did not measure.
    pub fn met(&self, covenant: f64, best_peer: Option<f64>, raw: Option<f64>) -> Option<bool> {
        let checks: Vec<Option<bool>> = [(self.peer, best_peer), (self.raw, raw)]
            .into_iter()
            .filter_map(|(times, baseline)| times.map(|t| baseline.map(|b| covenant >= t * b)))
            .collect();
        if checks.is_empty() {
            return None;
        }
        checks.into_iter().collect::<Option<Vec<bool>>>().map(|each| each.into_iter().all(|met| met))
    }
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [(self.peer, "best peer"), (self.raw, "raw")]
            .into_iter()
            .filter_map(|(times, of)| times.map(|t| format!("≥ {t} × {of}")))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// The sizes of one run, given as `--events N --seconds S --loads N --queries N`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    /// Events in the log of workloads 5 to 7.
    pub events: usize,
    /// Length of each timed write run (workloads 1 to 3).
    pub seconds: f64,
    /// Aggregate loads timed in workload 4.
    pub loads: usize,
    /// As-of queries timed in workload 6.
    pub queries: usize,
}

impl Default for Sizes {
    fn default() -> Self {
        Self { events: 1_000_000, seconds: 5.0, loads: 200, queries: 200 }
    }
}

impl Sizes {
    /// The sizes of `--quick`: one instrument's log, half a second per write run, a few loads and
    /// queries. A run of a few seconds, for CI to show that the benchmark still works; its figures
    /// mean nothing.
    pub const QUICK: Sizes = Sizes { events: 500, seconds: 0.5, loads: 5, queries: 5 };

    /// Takes `--quick`, `--events`, `--seconds`, `--loads` and `--queries` out of `args`, leaving
    /// the rest; sizes given beside `--quick` change its sizes.
    pub fn take(args: &mut Vec<(String, String)>) -> Result<Self, String> {
        let quick = args.iter().any(|(name, _)| name == "quick");
        let mut sizes = if quick { Sizes::QUICK } else { Sizes::default() };
        let mut rest = Vec::new();
        for (name, value) in args.drain(..) {
            let count = || {
                value
                    .replace('_', "")
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--{name} takes a positive whole number, not {value}"))
            };
            match name.as_str() {
                "events" => sizes.events = count()?,
                "loads" => sizes.loads = count()?,
                "queries" => sizes.queries = count()?,
                "quick" => {}
                "seconds" => {
                    sizes.seconds = value
                        .parse()
                        .ok()
                        .filter(|s: &f64| *s > 0.0)
                        .ok_or_else(|| format!("--seconds takes a positive number, not {value}"))?
                }
                _ => rest.push((name, value)),
            }
        }
        if sizes.events < REPORTS_PER_COMMITMENT * COMMITMENTS_PER_INSTRUMENT {
            return Err(format!(
                "--events must be at least {}, one instrument's worth",
                REPORTS_PER_COMMITMENT * COMMITMENTS_PER_INSTRUMENT
            ));
        }
        *args = rest;
        Ok(sizes)
    }

    /// Commitments (streams) in the log.
    pub fn commitments(&self) -> usize {
        self.events.div_ceil(REPORTS_PER_COMMITMENT)
    }

    /// Instruments in the log.
    pub fn instruments(&self) -> usize {
        self.commitments() / COMMITMENTS_PER_INSTRUMENT
    }
}

/// `--name value` and `--name=value` pairs from the command line, skipping `--bench`, which
/// `cargo bench` passes to every target; the flag `--quick` as `("quick", "")`.
pub fn arguments(args: impl IntoIterator<Item = String>) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--bench" {
            continue;
        }
        if arg == "--quick" {
            pairs.push(("quick".to_owned(), String::new()));
            continue;
        }
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument {arg}: options are --name value"));
        };
        match flag.split_once('=') {
            Some((name, value)) => pairs.push((name.to_owned(), value.to_owned())),
            None => {
                let value = args.next().ok_or_else(|| format!("--{flag} needs a value"))?;
                pairs.push((flag.to_owned(), value));
            }
        }
    }
    Ok(pairs)
}

/// A partner's quarterly progress report on one commitment of a delivery plan: the event every
/// system writes and reads, 300 to 380 bytes of JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressReport {
    pub commitment: String,
    pub status: Status,
    pub percent_complete: u32,
    pub narrative: String,
    pub evidence: Vec<String>,
    pub reporting_period: Period,
    /// The day the report was made, `YYYY-MM-DD`: what an as-of query filters on.
    pub reported_on: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTrack,
    AtRisk,
    OffTrack,
    Complete,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

impl ProgressReport {
    /// The `n`-th report on `commitment`, for quarter `n` counted from April 2021.
    pub fn new(commitment: &str, n: usize) -> Self {
        let quarter = n % 40;
        let status = match (n / 7) % 4 {
            0 | 1 => Status::OnTrack,
            2 => Status::AtRisk,
            _ => [Status::OffTrack, Status::Complete][n % 2],
        };
        Self {
            commitment: commitment.to_owned(),
            status,
            percent_complete: ((n * 7) % 101) as u32,
            narrative: "Disabled Facilities Grant referrals triaged within 10 working days; housing options \
                        officers co-located with the hospital discharge team."
                .to_owned(),
            evidence: vec![format!("HHCDG highlight report {n}")],
            reporting_period: Period { from: month_start(3 * quarter), to: month_end(3 * quarter + 2) },
            reported_on: day_of(3 * quarter + 3, 15),
        }
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| unreachable!("a progress report serialises: {e}"))
    }
}

/// The `i`-th event of the log of workloads 5 to 7: round `i / commitments` of reports, one per
/// commitment, so that the log runs forward in time.
pub fn log_event(sizes: &Sizes, i: usize) -> (usize, ProgressReport) {
    let commitments = sizes.commitments();
    let commitment = i % commitments;
    (commitment, ProgressReport::new(&commitment_id(commitment), i / commitments))
}

/// The stream (aggregate) id of commitment `c`.
pub fn commitment_id(c: usize) -> String {
    format!("commitment-{c:07}")
}

/// The commitments that make up instrument `i`.
pub fn commitments_of(instrument: usize) -> std::ops::Range<usize> {
    instrument * COMMITMENTS_PER_INSTRUMENT..(instrument + 1) * COMMITMENTS_PER_INSTRUMENT
}

/// The as-of queries of workload 6: an instrument and a day, drawn by a fixed generator so that
/// every system answers the same questions.
pub fn as_of_queries(sizes: &Sizes) -> Vec<(usize, String)> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let quarters = REPORTS_PER_COMMITMENT.min(40);
    (0..sizes.queries).map(|_| (next() % sizes.instruments(), day_of(3 * (next() % quarters) + 4, 1))).collect()
}

/// What the projection knows of one commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Latest {
    status: Status,
    percent_complete: u32,
    reported_on: String,
}

/// The projection every system folds the log into: each commitment's latest status and
/// percentage, and how many reports of each status were made. Applying a report parses nothing:
/// each system decodes its stored event into a [`ProgressReport`] its own way first. It is
/// serialisable so that a system whose projections save their state (Covenant's runner) can.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ProgressBoard {
    latest: HashMap<String, Latest>,
    reports: [u64; 4],
}

impl ProgressBoard {
    pub fn apply(&mut self, report: &ProgressReport) {
        self.reports[report.status as usize] += 1;
        let latest = Latest {
            status: report.status,
            percent_complete: report.percent_complete,
            reported_on: report.reported_on.clone(),
        };
        match self.latest.get_mut(&report.commitment) {
            Some(entry) => *entry = latest,
            None => {
                self.latest.insert(report.commitment.clone(), latest);
            }
        }
    }

    /// Applies `report` if it was made on or before `day`: the as-of fold.
    pub fn apply_as_of(&mut self, report: &ProgressReport, day: &str) {
        if report.reported_on.as_str() <= day {
            self.apply(report);
        }
    }

    /// A summary that two systems folding the same events agree on.
    pub fn digest(&self) -> Digest {
        Digest {
            reports: self.reports.iter().sum(),
            commitments: self.latest.len(),
            percent: self.latest.values().map(|l| u64::from(l.percent_complete)).sum(),
            complete: self.latest.values().filter(|l| l.status == Status::Complete).count(),
            last_report: self.latest.values().map(|l| l.reported_on.as_str()).max().unwrap_or("").to_owned(),
        }
    }
}

/// See [`ProgressBoard::digest`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Digest {
    pub reports: u64,
    pub commitments: usize,
    pub percent: u64,
    pub complete: usize,
    pub last_report: String,
}

impl Digest {
    /// Adds another fold's digest to this one, for a figure made of many folds.
    pub fn add(&mut self, other: &Digest) {
        self.reports += other.reports;
        self.commitments += other.commitments;
        self.percent += other.percent;
        self.complete += other.complete;
        self.last_report = self.last_report.clone().max(other.last_report.clone());
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} reports, {} commitments, {} percent, {} complete, last {}",
            self.reports, self.commitments, self.percent, self.complete, self.last_report
        )
    }
}

/// One measured figure: the line each bench prints on standard output, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// `Covenant`, `raw sqlx`, `cqrs-es` or `esrs`.
    pub system: String,
    /// `SQLite` or `PostgreSQL`.
    pub backend: String,
    pub workload: Workload,
    /// Operations per second.
    pub value: f64,
    pub unit: String,
    /// What the run did besides the figure (its count, retries, or the projection's digest), so
    /// that a reader can check that every system did the same work.
    pub check: String,
}

impl Figure {
    pub fn new(system: &str, backend: &str, workload: Workload, count: usize, seconds: f64, check: String) -> Self {
        Self {
            system: system.to_owned(),
            backend: backend.to_owned(),
            workload,
            value: count as f64 / seconds,
            unit: workload.unit().to_owned(),
            check,
        }
    }

    /// Prints the figure as one JSON line on standard output.
    pub fn print(&self) {
        println!("{}", serde_json::to_string(self).unwrap_or_else(|e| unreachable!("a figure serialises: {e}")));
    }
}

/// A number rounded to a whole number with thousands separators.
pub fn thousands(value: impl Into<f64>) -> String {
    let digits = format!("{:.0}", value.into().max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `YYYY-MM-01` of the `m`-th month counted from April 2021.
fn month_start(m: usize) -> String {
    day_of(m, 1)
}

/// The last day of the `m`-th month counted from April 2021.
fn month_end(m: usize) -> String {
    let (year, month) = year_month(m);
    let last = match month {
        2 if year % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    format!("{year:04}-{month:02}-{last:02}")
}

fn day_of(m: usize, day: u32) -> String {
    let (year, month) = year_month(m);
    format!("{year:04}-{month:02}-{day:02}")
}

fn year_month(m: usize) -> (usize, usize) {
    let months = 2021 * 12 + 3 + m;
    (months / 12, months % 12 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_about_300_bytes_and_reads_back() {
        let report = ProgressReport::new("commitment-0000042", 13);
        let json = report.to_json();
        assert!((300..=380).contains(&json.len()), "{} bytes: {json}", json.len());
        assert_eq!(serde_json::from_str::<ProgressReport>(&json).expect("decodes"), report);
        assert_eq!(report.reporting_period.from, "2024-07-01");
        assert_eq!(report.reporting_period.to, "2024-09-30");
        assert_eq!(report.reported_on, "2024-10-15");
    }

    #[test]
    fn the_as_of_fold_keeps_only_reports_made_by_the_day() {
        let sizes = Sizes { events: 1_000, ..Sizes::default() };
        let mut board = ProgressBoard::default();
        for i in 0..sizes.events {
            board.apply_as_of(&log_event(&sizes, i).1, "2022-01-31");
        }
        // Reports are made on 15 July and 15 October 2021 and 15 January 2022 by then: three rounds.
        assert_eq!(board.digest().reports, 3 * sizes.commitments() as u64);
        assert_eq!(board.digest().last_report, "2022-01-15");
    }

    #[test]
    fn a_goal_is_met_only_when_every_ratio_it_sets_is_reached() {
        // Replay on PostgreSQL: 1.3 × the best peer and 0.9 × the raw read.
        let goal = Workload::Replay.goal(Backend::Postgres);
        assert_eq!(goal.to_string(), "≥ 1.3 × best peer; ≥ 0.9 × raw");
        assert_eq!(goal.met(260.0, Some(200.0), Some(280.0)), Some(true));
        assert_eq!(goal.met(250.0, Some(200.0), Some(280.0)), Some(false), "1.25 × the best peer");
        assert_eq!(goal.met(260.0, Some(200.0), Some(300.0)), Some(false), "0.87 × the raw read");
        assert_eq!(goal.met(260.0, Some(200.0), None), None, "no raw read measured");
        // One writer on PostgreSQL sets only the raw ratio, so a peer ahead does not fail it.
        assert_eq!(Workload::SingleWriter.goal(Backend::Postgres).met(95.0, Some(500.0), Some(100.0)), Some(true));
        assert_eq!(Workload::VerifyChain.goal(Backend::Sqlite).met(1.0, None, None), None);
        assert_eq!(Workload::ConcurrentWriters.raw_baseline(), Workload::SingleWriter);
    }
}
