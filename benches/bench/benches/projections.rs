//! The projections benchmark, on SQLite and on PostgreSQL, over a generated national governance
//! log (`tests::national_log`, 1,000,000 events by default): rebuilding the saved read models (status
//! board, resolution register, action log, indicators) from position 0, beside reading the same
//! log without folding it; one instrument's status as of a random past date, beside folding the
//! whole log as of a date; and the audit trail, which is read from the log for each request, of
//! one instrument and of the whole log. Prints the figures as a markdown
//! table; `docs/benchmarks.md` records a run.
//!
//! ```text
//! cargo bench -p bench --bench projections -- [--backend sqlite|postgres|both] [--events N]
//!     [--queries N] [--whole-log N] [--seed N]
//! ```
//!
//! Each option may also be given as an environment variable (`COVENANT_BENCH_EVENTS`, ...);
//! arguments win. PostgreSQL is reached as for the store benchmark (`COVENANT_BENCH_POSTGRES_URL`),
//! in a database of its own that is dropped at the end; SQLite runs in a temporary directory.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use app::Stores;
use bench::{self, Backend, BenchArgs, Latencies, judged, millis, thousands, verdict};
use domain::Key;
use kernel::{Position, Timestamp};
use projections::{AsOf, Filters, ReadModels, Rules, TrailFilters, build_as_of};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tests::TestStore;
use tests::national_log::{GeneratedLog, record_governance_log};

const USAGE: &str = "usage: cargo bench -p bench --bench projections -- [--backend sqlite|postgres|both] \
     [--events N] [--queries N] [--whole-log N] [--seed N]";
/// Events per append while loading the log: the store's limit.
const BATCH: usize = 10_000;
/// Events per page of the baseline read: the runner's page.
const PAGE: usize = 10_000;
/// Untimed queries before the timed ones, so that connections and statement caches are warm.
const WARM_UP: usize = 20;
/// Audit trails of one instrument timed.
const AUDITS: usize = 100;
/// The goals for a log of 1,000,000 events (`bench::judged`): a rebuild (issue 23's, on each
/// backend), and the 99th percentile of one instrument's as-of query (issue 4's).
const REBUILD_GOAL_SQLITE: Duration = Duration::from_secs(1);
const REBUILD_GOAL_POSTGRES: Duration = Duration::from_secs(2);
const QUERY_GOAL: Duration = Duration::from_millis(10);

fn main() {
    let options = Options::parse();
    bench::runtime().block_on(run(options));
}

#[derive(Debug)]
struct Options {
    backends: Vec<Backend>,
    events: usize,
    /// One-instrument as-of queries timed.
    queries: usize,
    /// Whole-log as-of folds timed, for the baseline of the query.
    whole_log: usize,
    seed: u64,
    postgres_url: String,
}

impl Options {
    fn parse() -> Self {
        let args = BenchArgs::parse(&["backend", "events", "queries", "whole_log", "seed"], USAGE);
        let mut options = Options {
            backends: vec![Backend::Sqlite, Backend::Postgres],
            events: 1_000_000,
            queries: 1_000,
            whole_log: 3,
            seed: 4,
            postgres_url: bench::postgres_url(),
        };
        for (name, value) in args.values() {
            match name {
                "backend" => options.backends = args.backends(value),
                "events" => options.events = args.number(name, value),
                "queries" => options.queries = args.number(name, value),
                "whole-log" | "whole_log" => options.whole_log = args.number(name, value),
                "seed" => options.seed = args.number(name, value) as u64,
                other => args.fail(&format!("unknown option --{other}")),
            }
        }
        options
    }
}

/// Everything measured on one backend.
#[derive(Debug)]
struct Figures {
    backend: Backend,
    environment: String,
    log: GeneratedLog,
    load: Duration,
    read: Duration,
    fold: Duration,
    /// The length of the read models' saved state, as the snapshot holds it.
    state_bytes: usize,
    /// The time a rebuild took, or the time it took to fail and why.
    rebuild: Result<Duration, (Duration, String)>,
    /// The time the read models took to resume from the rebuild's snapshot, if it saved one.
    resume: Option<Duration>,
    /// The time a rebuild that saves no waypoints took: what saving them costs.
    without_waypoints: Duration,
    query: Latencies,
    /// The mean number of streams one query read.
    streams: f64,
    whole_log: Latencies,
    /// The audit trail of one instrument, now.
    audit_one: Latencies,
    /// The audit trail of the whole log, now.
    audit_all: Duration,
}

async fn run(options: Options) {
    eprintln!("{options:?}");
    let all = bench::on_each(&options.backends, &options.postgres_url, async |backend, db| {
        measure(backend, db, &options).await
    })
    .await;
    print!("{}", report(&options, &all));
}

async fn measure(backend: Backend, db: &TestStore, options: &Options) -> Figures {
    let environment = bench::environment(db).await;
    let stores = db.stores().await;

    eprintln!("  generating and appending {} events in appends of {BATCH}", thousands(options.events as f64));
    let start = Instant::now();
    let log = record_governance_log(stores.events.as_ref(), options.events, BATCH).await.expect("the log appends");
    let load = start.elapsed();
    eprintln!("    {} instruments, {} to {}, in {:.1} s", log.instruments.len(), log.first, log.last, secs(load));
    if backend == Backend::Postgres {
        // The planner needs statistics to read a few streams through their index; autovacuum
        // gathers them after a load this size, but may be off or not yet run.
        db.execute_raw("ANALYZE events").await;
    }

    eprintln!("  baseline: read_all from position 0 in pages of {PAGE}, not folded");
    let (read, count) = bench::read_everything(stores.events.as_ref(), PAGE).await;
    assert_eq!(count, log.events, "the read returns every event in the log");
    eprintln!("  the read models folded in memory from position 0 (build_as_of, no snapshot)");
    let start = Instant::now();
    let current: ReadModels = build_as_of(stores.events.as_ref(), AsOf::now()).await.expect("the log folds");
    let fold = start.elapsed();
    let at = stores.events.head().await.expect("the head reads").position;
    let state_bytes = projections::snapshot::encode(&current).expect("the read models serialise").len();
    eprintln!("    saved, they would take {} bytes", thousands(state_bytes as f64));

    let mut rng = StdRng::seed_from_u64(options.seed);
    let micros = |day: domain::Date| Timestamp::parse(&day.to_string()).expect("a valid date").as_micros();
    let span = micros(log.first)..=micros(log.last);
    let mut pick = || {
        let instrument = log.instruments[rng.random_range(0..log.instruments.len())].clone();
        let at = Timestamp::from_micros(rng.random_range(span.clone())).expect("a time within the log");
        (instrument, at.as_datetime().date_naive())
    };
    eprintln!("  {} as-of queries for one instrument at a random past date", options.queries);
    for _ in 0..WARM_UP {
        let (instrument, day) = pick();
        query(&stores, &current, at, &instrument, day).await;
    }
    let mut samples = Vec::with_capacity(options.queries);
    let mut streams = 0;
    for _ in 0..options.queries {
        let (instrument, day) = pick();
        let start = Instant::now();
        query(&stores, &current, at, &instrument, day).await;
        samples.push(start.elapsed());
        streams += current.status().sources(&instrument, AsOf { position: Some(at), ..decided_by(day) }).len();
    }
    let query_latencies = Latencies::new(samples);
    drop(current);
    eprintln!("  {AUDITS} audit trails of one instrument (app::views::audit)");
    let mut samples = Vec::with_capacity(AUDITS);
    for _ in 0..AUDITS {
        let (instrument, _) = pick();
        let filters = Filters { instrument: Some(instrument), ..Filters::default() };
        let start = Instant::now();
        let trail = app::views::audit(&stores, AsOf::now(), &filters, &TrailFilters::default()).await;
        samples.push(start.elapsed());
        assert!(!trail.expect("the trail reads").0.entries.is_empty(), "an instrument has a history");
    }
    let audit_one = Latencies::new(samples);
    eprintln!("  the audit trail of the whole log (app::views::audit)");
    let start = Instant::now();
    let (trail, _) = app::views::audit(&stores, AsOf::now(), &Filters::default(), &TrailFilters::default())
        .await
        .expect("the trail reads");
    let audit_all = start.elapsed();
    assert_eq!(trail.entries.len(), log.events, "one entry per event");
    drop(trail);
    eprintln!("  baseline: {} as-of folds of the whole log (app::views::as_of)", options.whole_log);
    let mut samples = Vec::with_capacity(options.whole_log);
    for _ in 0..options.whole_log {
        let (instrument, day) = pick();
        let start = Instant::now();
        let models = app::views::as_of(&stores, decided_by(day)).await.expect("the log folds");
        models.status().instrument(&instrument, &Rules::default(), day);
        samples.push(start.elapsed());
    }

    eprintln!("  rebuild from position 0, saving no waypoints");
    let start = Instant::now();
    let runner = projections::Runner::new(stores.events.as_ref(), stores.snapshots.as_ref()).waypoint_every(u64::MAX);
    let (models, position) =
        runner.rebuild::<ReadModels>(|_, _| ()).await.map(|f| (f.state, f.position)).expect("folds");
    assert_eq!(position, at, "the rebuild folds every event");
    drop(models);
    let without_waypoints = start.elapsed();

    eprintln!("  rebuild from position 0 (app::views::rebuild)");
    let start = Instant::now();
    let rebuilt = app::views::rebuild(&stores, projections::SAVE_EVERY, |_, _| ()).await;
    let rebuild = match rebuilt {
        Ok((models, position)) => {
            assert_eq!(position, at, "the rebuild folds every event");
            drop(models);
            Ok(start.elapsed())
        }
        Err(e) => Err((start.elapsed(), e.to_string())),
    };
    let mut resume = None;
    if rebuild.is_ok() {
        eprintln!("  resume from the snapshot at the head (app::views::current)");
        let start = Instant::now();
        let (_, resumed_at) = app::views::current(&stores, |_, _| ()).await.expect("the read models resume");
        resume = Some(start.elapsed());
        assert_eq!(resumed_at, at);
    }

    Figures {
        backend,
        environment,
        log,
        load,
        read,
        fold,
        state_bytes,
        rebuild,
        resume,
        without_waypoints,
        query: query_latencies,
        streams: streams as f64 / options.queries as f64,
        whole_log: Latencies::new(samples),
        audit_one,
        audit_all,
    }
}

/// One instrument's status as decided by the end of `day`, with overdue and stale items
/// counted on that day: what `covenant report status --instrument` prints for a past date.
async fn query(stores: &Stores, current: &ReadModels, at: Position, instrument: &Key, day: domain::Date) {
    let models = app::views::instrument_as_of(stores, current, at, instrument, decided_by(day))
        .await
        .expect("the instrument builds");
    std::hint::black_box(models.status().instrument(instrument, &Rules::default(), day));
}

fn decided_by(day: domain::Date) -> AsOf {
    let end = Timestamp::parse_end_of(&day.to_string()).expect("a valid date");
    AsOf { decided_by: Some(end), ..AsOf::now() }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn report(options: &Options, all: &[Figures]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| Backend | Measurement | Result | Goal | Reached |");
    let _ = writeln!(out, "|---|---|---:|---|---|");
    for f in all {
        let name = f.backend.name();
        let events = f.log.events as f64;
        let rate = |d: Duration| format!("{:.2} s, {} events/s", secs(d), thousands(events / secs(d)));
        let mut row = |what: String, result: String, goal: &str, reached: String| {
            let _ = writeln!(out, "| {name} | {what} | {result} | {goal} | {reached} |");
        };
        row(
            format!(
                "load: {} events generated and appended in appends of {} ({} instruments, {} to {})",
                thousands(events),
                thousands(BATCH as f64),
                f.log.instruments.len(),
                f.log.first,
                f.log.last
            ),
            rate(f.load),
            "(setup)",
            String::new(),
        );
        row(
            format!("baseline: read_all from position 0 in pages of {}, not folded", thousands(PAGE as f64)),
            rate(f.read),
            "(baseline)",
            String::new(),
        );
        row(
            "the read models folded in memory from position 0 (`build_as_of`, no snapshot)".into(),
            rate(f.fold),
            "(no goal)",
            format!("{:.2} × the read's time", secs(f.fold) / secs(f.read)),
        );
        let (goal, goal_time) = match f.backend {
            Backend::Sqlite => ("< 1 s for 1,000,000 events", REBUILD_GOAL_SQLITE),
            Backend::Postgres => ("< 2 s for 1,000,000 events", REBUILD_GOAL_POSTGRES),
        };
        let what = format!(
            "rebuild the read models from position 0 (`app::views::rebuild`: read, fold, save the state every 1,000,000 events and at the end, and as a waypoint after every eighth of the log; a snapshot of {} bytes, compressed postcard as base64, at the end; the audit trail is not among them)",
            thousands(f.state_bytes as f64)
        );
        match &f.rebuild {
            Ok(took) => {
                let reached = judged(f.log.events, *took < goal_time);
                row(what, rate(*took), goal, format!("{:.2} × the read's time {reached}", secs(*took) / secs(f.read)));
            }
            Err((took, error)) => {
                row(what, format!("**failed** after {:.2} s: {error}", secs(*took)), goal, verdict(false).into())
            }
        }
        row(
            "the same rebuild saving no waypoints (`Runner::waypoint_every(u64::MAX)`): what saving them costs".into(),
            rate(f.without_waypoints),
            "(no goal)",
            format!("{:.2} × the read's time", secs(f.without_waypoints) / secs(f.read)),
        );
        if let Some(resume) = f.resume {
            row(
                "resume the read models from their snapshot at the head (`app::views::current`)".into(),
                format!("{:.2} s", secs(resume)),
                "(no goal)",
                String::new(),
            );
        }
        row(
            format!(
                "as-of query for one instrument at a random past date (`app::views::instrument_as_of` and the view), {} queries, {:.0} streams read on average",
                thousands(f.query.len() as f64),
                f.streams
            ),
            f.query.spread(),
            "p99 < 10 ms with 1,000,000 events",
            judged(f.log.events, f.query.percentile(99.0) < QUERY_GOAL).to_owned(),
        );
        row(
            format!(
                "baseline: as-of fold of the whole log (`app::views::as_of`), {} times",
                thousands(f.whole_log.len() as f64)
            ),
            format!("mean {} ms, max {} ms", millis(f.whole_log.mean()), millis(f.whole_log.max())),
            "(baseline)",
            format!("query at p50 is 1/{} of it", thousands(secs(f.whole_log.mean()) / secs(f.query.percentile(50.0)))),
        );
        row(
            format!(
                "audit trail of one instrument now (`app::views::audit`: its stream read, every event summarised), {} requests",
                thousands(f.audit_one.len() as f64)
            ),
            f.audit_one.spread(),
            "(no goal)",
            String::new(),
        );
        row(
            "audit trail of the whole log now (`app::views::audit`: `read_all` from position 0, every event summarised)"
                .into(),
            rate(f.audit_all),
            "(no goal)",
            format!("{:.2} × the read's time", secs(f.audit_all) / secs(f.read)),
        );
    }
    let _ = writeln!(out);
    for f in all {
        let _ = writeln!(out, "- {}: {}", f.backend.name(), f.environment);
    }
    let _ = writeln!(out, "- random instruments and dates from seed {}", options.seed);
    out
}
