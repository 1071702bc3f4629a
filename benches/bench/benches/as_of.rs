//! The reports-of-the-past benchmark, on SQLite and on PostgreSQL, over a generated national
//! governance log (`tests::national_log`, 1,000,000 events by default): the service's read side
//! (`app::Reports`, as `covenant serve` keeps it) answers many requests at once for the status
//! board as of a past date, a page of 100 rows as the API gives by default. It measures the
//! memory the burst adds to the process (its peak resident set over the resident set before, read
//! from `/proc/self/status` after resetting the peak) and each request's latency. The baseline
//! and the past points kept are each measured in a process of their own (this benchmark run
//! again, told its job by `COVENANT_BENCH_AS_OF_JOB`), which opens the log the first one loaded,
//! so that memory one freed is not counted as another's. Measured:
//! - the baseline, each request folding the whole log afresh (`--as-of-points 0`, and no
//!   waypoints, as the service did before it kept past points): at most `max_as_of_folds` at
//!   once, the others answered `busy` and retried after the second the `Retry-After` header says,
//!   as a client would;
//! - one date, the read models of the past points asked for most recently kept live, each first
//!   folded from a waypoint (saved beforehand, in this process, by a fold of the whole log from
//!   position zero, as `covenant rebuild` or a service that folded the log as it was recorded
//!   saves them);
//! - several dates (the one already kept among them), a request for each in turn, kept the same
//!   way, no more dates than the points kept, so none is dropped;
//! - the same date again after more events were recorded, folding only those.
//!
//! ```text
//! cargo bench -p bench --bench as_of -- [--backend sqlite|postgres|both] [--events N]
//!     [--requests N] [--dates N]
//! ```
//!
//! The goal (issue 16): 50 requests at once at 1,000,000 events add under 256 MiB and answer with
//! a p99 under 2 s. Linux only (it reads `/proc/self`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use app::{Asked, Page, ReportError, ReportRequest, Reports, Serving, Stores};
use bench::{self, Backend, BenchArgs, Latencies, judged, thousands};
use kernel::Timestamp;
use projections::{Format, Projection, ReadModels, ReportKind, Rules, SAVE_EVERY, WAYPOINT_EVERY};
use tests::TestStore;
use tests::national_log::{GeneratedLog, record_governance_log};

const USAGE: &str = "usage: cargo bench -p bench --bench as_of -- [--backend sqlite|postgres|both] [--events N] \
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

/// The variable that makes a run of this benchmark a child measuring one [`Job`].
const JOB: &str = "COVENANT_BENCH_AS_OF_JOB";

fn main() {
    if let Ok(job) = std::env::var(JOB) {
        let job: Job = serde_json::from_str(&job).expect("the job is JSON");
        let bursts = bench::runtime().block_on(child(job));
        println!("{}", serde_json::to_string(&bursts).expect("the bursts as JSON"));
        return;
    }
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
#[derive(Debug, Serialize, Deserialize)]
struct Burst {
    name: String,
    added_mib: f64,
    /// Resident after the burst, over resident before it.
    kept_mib: f64,
    latencies: Vec<Duration>,
    /// Answers `busy` (each retried until answered).
    busy: usize,
}

#[derive(Debug)]
struct Figures {
    backend: Backend,
    environment: String,
    log: GeneratedLog,
    bursts: Vec<Burst>,
    waypoints: Saved,
}

/// What the waypoints and the snapshot of now take in the database.
#[derive(Debug, Default)]
struct Saved {
    /// Each waypoint's position and the size of its saved state, in bytes.
    waypoints: Vec<(u64, usize)>,
    snapshot: usize,
}

impl Saved {
    async fn read(stores: &Stores) -> Self {
        let name = format!("{}.v{}", <ReadModels as Projection>::NAME, <ReadModels as Projection>::VERSION);
        let snapshots = stores.snapshots.as_ref();
        let mut waypoints = Vec::new();
        for waypoint in snapshots.waypoints(&name).await.expect("the waypoints read") {
            let state = snapshots.waypoint_state(&name, waypoint.position).await.expect("a waypoint reads");
            waypoints.push((waypoint.position.0, state.map_or(0, |state| state.len())));
        }
        let snapshot = snapshots.load_snapshot(&name).await.expect("the snapshot reads");
        Self { waypoints, snapshot: snapshot.map_or(0, |snapshot| snapshot.state.len()) }
    }
}

/// What one child process measures, on the log the parent loaded.
#[derive(Debug, Serialize, Deserialize)]
struct Job {
    /// The database, as [`TestStore::location`] names it.
    backend: String,
    location: String,
    scenario: Scenario,
    requests: usize,
    dates: usize,
    /// The dates asked for: the first for the baseline, the second for one date kept, the rest
    /// for several.
    days: Vec<chrono::NaiveDate>,
    /// Events recorded before the last burst of [`Scenario::Kept`].
    more: usize,
    cores: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Scenario {
    /// Each request folds the whole log afresh.
    Baseline,
    /// Past points kept live: one date, several, then one date again after more events.
    Kept,
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
    drop(stores);
    let span = (log.last - log.first).num_days().max(1);
    // Dates through the middle of the log's span: the baseline's, then the kept one and the others
    // of the burst of several, which all stay kept (as many as the points kept), so that the date
    // asked again after more events is still kept.
    let days = (0..1 + options.dates)
        .map(|i| log.first + chrono::Days::new((span / 2 + i as i64 * 7).unsigned_abs()))
        .collect::<Vec<_>>();
    let (name, location) = db.location();
    let mut bursts = Vec::new();
    let mut waypoints = Saved::default();
    for scenario in [Scenario::Baseline, Scenario::Kept] {
        if scenario == Scenario::Kept {
            eprintln!("  saving waypoints: the whole log folded from position zero");
            let stores = db.stores().await;
            app::views::rebuild(&stores, SAVE_EVERY, |_, _| ()).await.expect("the log folds");
            waypoints = Saved::read(&stores).await;
        }
        let job = Job {
            backend: name.to_owned(),
            location: location.clone(),
            scenario,
            requests: options.requests,
            dates: options.dates,
            days: days.clone(),
            more: (options.events / 100).max(1),
            cores: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        };
        bursts.extend(in_a_process_of_its_own(&job));
    }
    Figures { backend, environment, log, bursts, waypoints }
}

/// Runs this benchmark again as a child that measures `job`, and gives what it measured.
fn in_a_process_of_its_own(job: &Job) -> Vec<Burst> {
    eprintln!("  {:?}, in a process of its own", job.scenario);
    let program = std::env::current_exe().expect("this benchmark's own path");
    let output = std::process::Command::new(program)
        .env(JOB, serde_json::to_string(job).expect("the job as JSON"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("the child process runs");
    assert!(output.status.success(), "the child measuring {:?} failed: {}", job.scenario, output.status);
    let said = String::from_utf8(output.stdout).expect("the child's answer is UTF-8");
    let last = said.lines().last().expect("the child's answer");
    serde_json::from_str(last).expect("the child's bursts as JSON")
}

/// A child's work: the read side as `covenant serve` keeps it, on the database the job names,
/// and the job's bursts.
async fn child(job: Job) -> Vec<Burst> {
    let url = match job.backend.as_str() {
        "sqlite" => app::DatabaseUrl::Sqlite(job.location.clone().into()),
        _ => app::DatabaseUrl::Postgres(job.location.clone()),
    };
    let stores = app::open_store(&url).await.expect("the parent's database opens");
    match job.scenario {
        Scenario::Baseline => {
            eprintln!("  the baseline: each request folds the log afresh");
            let reports = serve(&stores, job.cores, 0, u64::MAX).await;
            let dates = vec![job.days[0]; job.requests];
            vec![burst("each request folds the whole log (baseline)", &reports, &dates).await]
        }
        Scenario::Kept => {
            eprintln!("  past points kept live");
            let reports = serve(&stores, job.cores, AS_OF_POINTS.max(job.dates), WAYPOINT_EVERY).await;
            let mut bursts = Vec::new();
            let dates = vec![job.days[1]; job.requests];
            bursts.push(burst("one date, kept", &reports, &dates).await);
            let dates: Vec<_> = (0..job.requests).map(|i| job.days[1 + i % job.dates]).collect();
            bursts.push(burst(&format!("{} dates, kept", job.dates), &reports, &dates).await);
            record_governance_log(stores.events.as_ref(), job.more, BATCH).await.expect("more events load");
            let dates = vec![job.days[1]; job.requests];
            let again = format!("one date again, after {} more events", thousands(job.more as f64));
            bursts.push(burst(&again, &reports, &dates).await);
            bursts
        }
    }
}

/// The read side as `covenant serve` keeps it, its read models of now caught up, saving
/// waypoints every `waypoint_every` events it folds.
async fn serve(stores: &Stores, max_as_of_folds: usize, as_of_points: usize, waypoint_every: u64) -> Arc<Reports> {
    let serving = Serving { save_every: SAVE_EVERY, max_as_of_folds, as_of_points, waypoint_every };
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
        latencies: answers.iter().map(|(latency, _)| *latency).collect(),
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
            Latencies::new(b.latencies.clone()).spread(),
            b.busy
        );
    }
    println!();
    let saved = &f.waypoints;
    let total: usize = saved.waypoints.iter().map(|(_, size)| size).sum();
    let at: Vec<String> = saved.waypoints.iter().map(|(position, _)| thousands(*position as f64)).collect();
    println!(
        "Waypoints kept: {} (at {}), {:.1} MB of saved state together; the snapshot of now {:.1} MB\n",
        saved.waypoints.len(),
        at.join(", "),
        total as f64 / 1e6,
        saved.snapshot as f64 / 1e6
    );
    let kept = &f.bursts[1];
    println!(
        "Goal for one date kept: under {MEMORY_GOAL_MIB:.0} MiB added {}, p99 under {} s {}\n",
        judged(f.log.events, kept.added_mib < MEMORY_GOAL_MIB),
        LATENCY_GOAL.as_secs(),
        judged(f.log.events, Latencies::new(kept.latencies.clone()).percentile(99.0) < LATENCY_GOAL)
    );
}
