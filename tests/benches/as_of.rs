//! The reports-of-the-past benchmark, on SQLite and on PostgreSQL, over a generated national
//! governance log (`tests::workload`, 1,000,000 events by default): the service's read side
//! (`app::Reports`, as `covenant serve` keeps it) answers many requests at once for the status
//! board as of a past date, a page of 100 rows as the API gives by default. It measures the
//! memory the burst adds to the process (its peak resident set over the resident set before, read
//! from `/proc/self/status` after resetting the peak) and each request's latency, for
//! - the baseline, each request folding the whole log afresh (`--as-of-points 0`, as the service
//!   did before it kept past points): at most `max_as_of_folds` at once, the others answered
//!   `busy` and retried after the second the `Retry-After` header says, as a client would;
//! - one date, the read models of the past points asked for most recently kept live;
//! - several dates, a request for each in turn, kept the same way;
//! - the same date again after more events were recorded, folding only those.
//!
//! ```text
//! cargo bench -p tests --bench as_of -- [--backend sqlite|postgres|both] [--events N]
//!     [--requests N] [--dates N]
//! ```
//!
//! The goal (issue 16): 50 requests at once at 1,000,000 events add under 256 MiB and answer with
//! a p99 under 2 s. Linux only (it reads `/proc/self`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::{Asked, Page, ReportError, ReportRequest, Reports, Serving, Stores};
use kernel::Timestamp;
use projections::{Format, ReportKind, Rules, SAVE_EVERY};
use tests::TestStore;
use tests::bench::{self, Backend, BenchArgs, Latencies, judged, thousands};
use tests::workload::{GeneratedLog, record_governance_log};

const USAGE: &str = "usage: cargo bench -p tests --bench as_of -- [--backend sqlite|postgres|both] [--events N] \
     [--requests N] [--dates N]";
/// Events per append while loading the log: the store's limit.
const BATCH: usize = 10_000;
/// Past points the service keeps live: `covenant serve`'s default.
const AS_OF_POINTS: usize = 4;
/// The goals, for a log of [`GOAL_EVENTS`].
const GOAL_EVENTS: usize = 1_000_000;
const MEMORY_GOAL_MIB: f64 = 256.0;
const LATENCY_GOAL: Duration = Duration::from_secs(2);
/// How long a client told `busy` waits before it asks again (`Retry-After: 1`).
const RETRY_AFTER: Duration = Duration::from_secs(1);

fn main() {
    let options = Options::parse();
    bench::runtime().block_on(run(options));
}

#[derive(Debug)]
struct Options {
    backends: Vec<Backend>,
    events: usize,
    /// Requests sent at once in each burst.
    requests: usize,
    /// Dates asked for in the burst of several dates.
    dates: usize,
    postgres_url: String,
}

impl Options {
    fn parse() -> Self {
        let args = BenchArgs::parse(&["backend", "events", "requests", "dates"], USAGE);
        let mut options = Options {
            backends: vec![Backend::Sqlite, Backend::Postgres],
            events: GOAL_EVENTS,
            requests: 50,
            dates: AS_OF_POINTS,
            postgres_url: bench::postgres_url(),
        };
        for (name, value) in args.values() {
            match name {
                "backend" => options.backends = args.backends(value),
                "events" => options.events = args.number(name, value),
                "requests" => options.requests = args.number(name, value),
                "dates" => options.dates = args.number(name, value).max(1),
                other => args.fail(&format!("unknown option --{other}")),
            }
        }
        options
    }
}

/// One burst: what it added to the process's memory, and each request's latency.
#[derive(Debug)]
struct Burst {
    name: String,
    added_mib: f64,
    /// Resident after the burst, over resident before it.
    kept_mib: f64,
    latencies: Latencies,
    /// Answers `busy` (each retried until answered).
    busy: usize,
}

#[derive(Debug)]
struct Figures {
    backend: Backend,
    environment: String,
    log: GeneratedLog,
    bursts: Vec<Burst>,
}

async fn run(options: Options) {
    println!("## Reports of the past: {} requests at once for the status board as of a date\n", options.requests);
    // Each backend's figures are printed as soon as they are measured.
    bench::on_each(&options.backends, &options.postgres_url, async |backend, db| {
        print(&measure(backend, db, &options).await);
    })
    .await;
}

async fn measure(backend: Backend, db: &TestStore, options: &Options) -> Figures {
    let environment = bench::environment(db).await;
    let stores = db.stores().await;
    eprintln!("  generating and loading {} events", thousands(options.events as f64));
    let log = record_governance_log(stores.events.as_ref(), options.events, BATCH).await.expect("the log loads");
    let span = (log.last - log.first).num_days().max(1);
    // Dates through the middle of the log's span, one for each burst of several.
    let day = |i: usize| log.first + chrono::Days::new((span / 2 + i as i64 * 7).unsigned_abs());
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let mut bursts = Vec::new();

    eprintln!("  the baseline: each request folds the log afresh");
    let reports = serve(&stores, cores, 0).await;
    let dates = vec![day(0); options.requests];
    bursts.push(burst("each request folds the whole log (baseline)", &reports, &dates).await);
    drop(reports);

    eprintln!("  past points kept live");
    let reports = serve(&stores, cores, AS_OF_POINTS).await;
    let dates = vec![day(1); options.requests];
    bursts.push(burst("one date, kept", &reports, &dates).await);
    let dates: Vec<_> = (0..options.requests).map(|i| day(2 + i % options.dates)).collect();
    bursts.push(burst(&format!("{} dates, kept", options.dates), &reports, &dates).await);
    let more = (options.events / 100).max(1);
    record_governance_log(stores.events.as_ref(), more, BATCH).await.expect("more events load");
    let dates = vec![day(1); options.requests];
    bursts
        .push(burst(&format!("one date again, after {} more events", thousands(more as f64)), &reports, &dates).await);

    Figures { backend, environment, log, bursts }
}

/// The read side as `covenant serve` keeps it, its read models of now caught up.
async fn serve(stores: &Stores, max_as_of_folds: usize, as_of_points: usize) -> Arc<Reports> {
    let serving = Serving { save_every: SAVE_EVERY, max_as_of_folds, as_of_points };
    let reports = Reports::serve(stores.clone(), Rules::default(), serving).await.expect("the read side starts");
    reports.now().await.expect("the read models of now are caught up");
    Arc::new(reports)
}

/// Sends a request for the status board as of each of `dates` at once, each retried after a
/// second while answered `busy`.
async fn burst(name: &str, reports: &Arc<Reports>, dates: &[chrono::NaiveDate]) -> Burst {
    let before = resident_kib();
    reset_peak();
    let answers = futures::future::join_all(dates.iter().map(|day| {
        let reports = reports.clone();
        let asked = Asked {
            decided_by: Some(Timestamp::parse_end_of(&day.to_string()).expect("a valid date")),
            page: Some(Page { offset: 0, limit: 100 }),
            ..Asked::default()
        };
        let request = ReportRequest::new(ReportKind::Status, asked).expect("a report of the past");
        async move {
            let started = Instant::now();
            let mut busy = 0;
            loop {
                match reports.written(&request, Format::Json).await {
                    Ok(body) => {
                        assert!(!body.is_empty(), "an answer");
                        return (started.elapsed(), busy);
                    }
                    Err(ReportError::Busy { .. }) => {
                        busy += 1;
                        tokio::time::sleep(RETRY_AFTER).await;
                    }
                    Err(error) => panic!("the report failed: {error}"),
                }
            }
        }
    }))
    .await;
    let peak = peak_kib();
    let after = resident_kib();
    Burst {
        name: name.to_owned(),
        added_mib: peak.saturating_sub(before) as f64 / 1024.0,
        kept_mib: after.saturating_sub(before) as f64 / 1024.0,
        latencies: Latencies::new(answers.iter().map(|(latency, _)| *latency).collect()),
        busy: answers.iter().map(|(_, busy)| busy).sum(),
    }
}

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status reads (Linux only)");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("/proc/self/status has no {field}"))
}

fn resident_kib() -> u64 {
    status_kib("VmRSS:")
}

fn peak_kib() -> u64 {
    status_kib("VmHWM:")
}

/// Resets the process's peak resident set to its resident set now (`clear_refs`, value 5).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("the peak resident set resets (Linux only)");
}

fn print(f: &Figures) {
    println!(
        "### {} ({} events, {} to {})\n",
        f.backend.name(),
        thousands(f.log.events as f64),
        f.log.first,
        f.log.last
    );
    println!("{}\n", f.environment);
    println!("| Burst | Memory added (peak) | Kept after | Latency | Answered busy, then retried |");
    println!("|---|---|---|---|---|");
    for b in &f.bursts {
        println!(
            "| {} | {:.0} MiB | {:.0} MiB | {} | {} |",
            b.name,
            b.added_mib,
            b.kept_mib,
            b.latencies.spread(),
            b.busy
        );
    }
    println!();
    let kept = &f.bursts[1];
    println!(
        "Goal for one date kept: under {MEMORY_GOAL_MIB:.0} MiB added {}, p99 under {} s {}\n",
        judged(f.log.events, kept.added_mib < MEMORY_GOAL_MIB),
        LATENCY_GOAL.as_secs(),
        judged(f.log.events, kept.latencies.percentile(99.0) < LATENCY_GOAL)
    );
}
