//! The event store benchmark: durable appends with one writer and with many, bulk append, a full
//! read of the log and a catch-up subscription from position 0, on SQLite and on PostgreSQL, each
//! measured beside a raw sqlx baseline (single-row INSERTs, each in its own transaction, into a
//! copy of the `events` table on the same database); and what keeping the Merkle tree costs the
//! appends: the same appends through a store that keeps it and through one that leaves it behind
//! (`kernel::TreeUpkeep`), on the same database, in turn for a few rounds, medians compared.
//! Prints the figures as a markdown table; `docs/benchmarks.md` records a run.
//!
//! ```text
//! cargo bench -p bench --bench store -- [--quick] [--backend sqlite|postgres|both] [--events N]
//!     [--batch N] [--seconds S] [--writers N] [--page N]
//! ```
//!
//! `--quick` runs every line at a tiny size (a few seconds in all, in the test profile too:
//! `cargo test --workspace --bench store -- --quick`), for CI to show the benchmark still works; its
//! figures mean nothing. Options given with it change its sizes.
//!
//! Each option may also be given as an environment variable (`COVENANT_BENCH_BACKEND`,
//! `COVENANT_BENCH_EVENTS`, ...); arguments win. The PostgreSQL server is named by
//! `COVENANT_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); the
//! benchmark creates a database `covenant_bench_<uuid>` there and drops it at the end. SQLite runs
//! in a temporary directory.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;

use bench::{
    self, Backend, BenchArgs, Rate, create_raw_table, raw_read_everything, raw_single_writer, thousands, verdict,
};
use kernel::{AppendRequest, EventStore, Expected, Position, StreamId};
use store_postgres::Groups;
use tests::{TestStore, progress_report, stream};

/// Untimed appends before each single-writer measurement, so that connections, statement caches
/// and the files are warm.
const WARM_UP: usize = 20;
/// The tree's cost goal of the issue: appends that keep it at least this fraction as fast.
const TREE_GOAL: f64 = 0.95;
const USAGE: &str = "usage: cargo bench -p bench --bench store -- [--quick] [--backend sqlite|postgres|both] \
     [--events N] [--batch N] [--seconds S] [--writers N] [--page N] [--rounds N]";

fn main() {
    let options = Options::parse();
    bench::runtime().block_on(run(options));
}

/// The bulk-append goal of the issue, in events per second.
fn bulk_goal(backend: Backend) -> f64 {
    match backend {
        Backend::Sqlite => 250_000.0,
        Backend::Postgres => 110_000.0,
    }
}

/// The catch-up subscription's goal of the issue, in events per second.
fn catch_up_goal(backend: Backend) -> f64 {
    match backend {
        Backend::Sqlite => 1_000_000.0,
        Backend::Postgres => 500_000.0,
    }
}

#[derive(Debug)]
struct Options {
    backends: Vec<Backend>,
    events: usize,
    batch: usize,
    seconds: f64,
    writers: usize,
    page: usize,
    /// Rounds of the tree's cost, each measuring appends that keep the tree and appends that
    /// leave it behind, so that a drift of a shared machine falls on both alike.
    rounds: usize,
    postgres_url: String,
    quick: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backends: vec![Backend::Sqlite, Backend::Postgres],
            events: 1_000_000,
            batch: 10_000,
            seconds: 5.0,
            writers: 32,
            page: 10_000,
            rounds: 5,
            postgres_url: bench::postgres_url(),
            quick: false,
        }
    }
}

impl Options {
    fn parse() -> Self {
        let args = BenchArgs::parse(&["backend", "events", "batch", "seconds", "writers", "page", "rounds"], USAGE);
        let mut options = if args.quick() {
            Options {
                events: 5_000,
                batch: 1_000,
                seconds: 0.5,
                writers: 8,
                page: 1_000,
                rounds: 1,
                quick: true,
                ..Options::default()
            }
        } else {
            Options::default()
        };
        for (name, value) in args.values() {
            match name {
                "quick" => {}
                "backend" => options.backends = args.backends(value),
                "events" => options.events = args.number(name, value),
                "batch" => options.batch = args.number(name, value),
                "writers" => options.writers = args.number(name, value),
                "page" => options.page = args.number(name, value),
                "rounds" => options.rounds = args.number(name, value),
                "seconds" => {
                    options.seconds = value
                        .parse()
                        .ok()
                        .filter(|s: &f64| *s > 0.0)
                        .unwrap_or_else(|| args.fail(&format!("--seconds takes a positive number, not {value}")))
                }
                other => args.fail(&format!("unknown option --{other}")),
            }
        }
        if !(1..=10_000).contains(&options.batch) {
            args.fail("--batch must be between 1 and 10000, the store's limit per append");
        }
        options
    }
}

/// Everything measured on one backend.
#[derive(Debug)]
struct Figures {
    backend: Backend,
    environment: String,
    raw_single: Rate,
    single: Rate,
    concurrent: Rate,
    bulk: Rate,
    read: Rate,
    raw_read: Rate,
    catch_up: Rate,
    single_groups: Groups,
    concurrent_groups: Groups,
    tree: TreeCost,
}

/// Appends measured through a store that keeps the tree and through one that leaves it behind,
/// one rate per round.
#[derive(Debug, Default)]
struct TreeCost {
    kept_single: Vec<Rate>,
    behind_single: Vec<Rate>,
    kept_concurrent: Vec<Rate>,
    behind_concurrent: Vec<Rate>,
}

impl TreeCost {
    /// The median rate of `rates`, per second.
    fn median(rates: &[Rate]) -> f64 {
        let mut per_second: Vec<f64> = rates.iter().map(|r| r.per_second()).collect();
        per_second.sort_by(f64::total_cmp);
        per_second[per_second.len() / 2]
    }
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
    let period = Duration::from_secs_f64(options.seconds);
    let environment = bench::environment(db).await;
    create_raw_table(db).await;

    eprintln!("  raw single-row inserts, one writer, {:.1}s", options.seconds);
    let raw_single = raw_single_writer(db, period).await;
    eprintln!("  store appends, one writer, {:.1}s", options.seconds);
    let before = groups(db);
    let single = single_writer(db.store(), period, "single").await;
    let single_groups = groups(db) - before;
    eprintln!("  store appends, {} writers, {:.1}s", options.writers, options.seconds);
    let before = groups(db);
    let concurrent = concurrent_writers(db.shared(), options.writers, period, "writer").await;
    let concurrent_groups = groups(db) - before;
    eprintln!("  bulk append of {} events in batches of {}", options.events, options.batch);
    let bulk = bulk_append(db.store(), options.events, options.batch).await;
    eprintln!("  read_all from position 0 in pages of {}", options.page);
    let read = read_everything(db.store(), options.page).await;
    let head = db.store().head().await.expect("failed to read the head");
    assert_eq!(head.position.0 as usize, read.count, "the read must return every event in the log");
    eprintln!("  raw reads of the same pages, rows not decoded");
    let raw_read = raw_read_everything(db, options.page).await;
    assert_eq!(raw_read.count, read.count, "the raw read must see the same events");
    eprintln!("  a subscription from position 0, until it has delivered every event");
    let catch_up = catch_up(db.store(), head.position).await;
    // Last, so that the events it adds change none of the measurements above.
    let rounds = options.rounds;
    eprintln!("  appends keeping the tree and leaving it behind, in turn, {rounds} rounds");
    let tree = tree_cost(db, options, rounds).await;

    Figures {
        backend,
        environment,
        raw_single,
        single,
        concurrent,
        bulk,
        read,
        raw_read,
        catch_up,
        single_groups,
        concurrent_groups,
        tree,
    }
}

/// Appends through two stores opened on `db`'s database at the same moment, one that leaves the
/// tree behind and one that keeps it, `rounds` times each, the two in turn and which goes first
/// changing from one round to the next. Before the store that keeps the tree is timed, an untimed
/// append of it catches the tree up with the events left behind; before each timed run, SQLite's
/// write-ahead log is checkpointed, so that no run pays for the pages another wrote.
async fn tree_cost(db: &TestStore, options: &Options, rounds: usize) -> TreeCost {
    let period = Duration::from_secs_f64(options.seconds);
    let behind: Arc<dyn EventStore> = db.open_leaving_tree_behind().await.into();
    let kept: Arc<dyn EventStore> = db.open_another().await.into();
    let mut cost = TreeCost::default();
    for round in 0..rounds {
        for keep in if round % 2 == 0 { [false, true] } else { [true, false] } {
            let (store, label) = match keep {
                true => (kept.clone(), format!("tree-kept-{round}")),
                false => (behind.clone(), format!("tree-behind-{round}")),
            };
            append_one(store.as_ref(), &stream(&format!("commitment-{label}-catch-up")), 0).await;
            settle(db).await;
            let single = single_writer(store.as_ref(), period, &label).await;
            settle(db).await;
            let concurrent = concurrent_writers(store, options.writers, period, &label).await;
            let (singles, concurrents) = match keep {
                true => (&mut cost.kept_single, &mut cost.kept_concurrent),
                false => (&mut cost.behind_single, &mut cost.behind_concurrent),
            };
            singles.push(single);
            concurrents.push(concurrent);
        }
    }
    let report = db.store().verify_tree().await.expect("the tree verifies");
    assert!(report.is_ok(), "the store that keeps the tree caught it up: {report:?}");
    cost
}

/// Copies SQLite's write-ahead log into the database and empties it; nothing on PostgreSQL.
async fn settle(db: &TestStore) {
    if let TestStore::Sqlite { .. } = db {
        db.execute_raw("PRAGMA wal_checkpoint(TRUNCATE)").await;
    }
}

/// How the PostgreSQL writer has committed its groups so far (see [`Groups`]); nothing on SQLite,
/// whose writer always plans under its lock.
fn groups(db: &TestStore) -> Groups {
    match db {
        TestStore::Postgres { store, .. } => store.groups(),
        TestStore::Sqlite { .. } => Groups::default(),
    }
}

/// Appends one event to `stream` at `version`, awaiting the durable acknowledgement.
async fn append_one(store: &dyn EventStore, stream: &StreamId, version: u64) {
    let event = progress_report(stream.as_str(), version as usize);
    store
        .append(AppendRequest::single(stream.clone(), Expected::Exactly(version), vec![event]))
        .await
        .expect("append failed");
}

/// One writer: each single-event append awaited before the next, to a stream named by `label`.
async fn single_writer(store: &dyn EventStore, period: Duration, label: &str) -> Rate {
    let stream = stream(&format!("commitment-{label}"));
    let mut version = 0;
    for _ in 0..WARM_UP {
        append_one(store, &stream, version).await;
        version += 1;
    }
    let start = Instant::now();
    let mut count = 0;
    while start.elapsed() < period {
        append_one(store, &stream, version).await;
        version += 1;
        count += 1;
    }
    Rate { count, elapsed: start.elapsed() }
}

/// `writers` tasks, each appending single events to a stream of its own (named by `label` and
/// its number), each append awaited before that task's next.
async fn concurrent_writers(store: Arc<dyn EventStore>, writers: usize, period: Duration, label: &str) -> Rate {
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            let stream = stream(&format!("commitment-{label}-{w}"));
            tokio::spawn(async move {
                let mut version = 0;
                while start.elapsed() < period {
                    append_one(store.as_ref(), &stream, version).await;
                    version += 1;
                }
                version as usize
            })
        })
        .collect();
    let mut count = 0;
    for task in tasks {
        count += task.await.expect("a writer task panicked");
    }
    Rate { count, elapsed: start.elapsed() }
}

/// `events` events in appends of `batch`, one stream per append. Only the appends are timed:
/// building the events (JSON canonicalisation on the client) is not the store's work.
async fn bulk_append(store: &dyn EventStore, events: usize, batch: usize) -> Rate {
    let mut elapsed = Duration::ZERO;
    let mut count = 0;
    while count < events {
        let n = batch.min(events - count);
        let batch_events = (count..count + n).map(|i| progress_report("commitment-bulk", i)).collect();
        let request =
            AppendRequest::single(stream(&format!("commitment-bulk-{count}")), Expected::NoStream, batch_events);
        let start = Instant::now();
        store.append(request).await.expect("bulk append failed");
        elapsed += start.elapsed();
        count += n;
    }
    Rate { count, elapsed }
}

/// Every event from position 0, read and decoded into `RecordedEvent`s page by page.
async fn read_everything(store: &dyn EventStore, page: usize) -> Rate {
    let start = Instant::now();
    let mut after = Position::ZERO;
    let mut count = 0;
    let mut payload_bytes = 0;
    loop {
        let events = store.read_all(after, page).await.expect("read_all failed");
        let Some(last) = events.last() else { break };
        after = last.position;
        count += events.len();
        payload_bytes += events.iter().map(|e| e.payload.as_str().len()).sum::<usize>();
    }
    let elapsed = start.elapsed();
    assert!(payload_bytes >= count, "every payload holds at least one byte");
    Rate { count, elapsed }
}

/// A subscription from position 0, read until it has delivered every event up to `head`, each
/// position once and in order.
async fn catch_up(store: &dyn EventStore, head: Position) -> Rate {
    let start = Instant::now();
    let mut subscription = store.subscribe(Position::ZERO);
    let mut last = Position::ZERO;
    while last < head {
        let event = subscription.next().await.expect("the subscription ended early").expect("the subscription failed");
        assert_eq!(event.position.0, last.0 + 1, "a subscription delivers every position once, in order");
        last = event.position;
    }
    Rate { count: last.0 as usize, elapsed: start.elapsed() }
}

fn report(options: &Options, all: &[Figures]) -> String {
    let mut out = String::new();
    if options.quick {
        let _ = writeln!(out, "Quick mode: tiny sizes, to show that the benchmark works; the figures mean nothing.\n");
    }
    let _ = writeln!(out, "| Backend | Measurement | Result | Goal | Reached |");
    let _ = writeln!(out, "|---|---|---:|---|---|");
    for f in all {
        let name = f.backend.name();
        let raw = f.raw_single.per_second();
        let mut row = |what: String, rate: Rate, unit: &str, goal: String, reached: String| {
            let _ = writeln!(out, "| {name} | {what} | {} {unit} | {goal} | {reached} |", thousands(rate.per_second()));
        };
        row(
            "raw baseline: single-row INSERT, own transaction, 1 writer".into(),
            f.raw_single,
            "rows/s",
            "(baseline)".into(),
            format!("{} rows in {:.1} s", thousands(f.raw_single.count as f64), f.raw_single.elapsed.as_secs_f64()),
        );
        let single = f.single.per_second() / raw;
        row(
            "durable single-event appends, 1 writer".into(),
            f.single,
            "appends/s",
            "≥ 0.9 × raw".into(),
            format!("{single:.2} × raw {}", verdict(single >= 0.9)),
        );
        let concurrent = f.concurrent.per_second() / raw;
        row(
            format!("durable single-event appends, {} writers, distinct streams", options.writers),
            f.concurrent,
            "appends/s",
            "≥ 3 × raw".into(),
            format!("{concurrent:.2} × raw {}", verdict(concurrent >= 3.0)),
        );
        let bulk = f.bulk.per_second();
        row(
            format!(
                "bulk append, {} events in batches of {}",
                thousands(f.bulk.count as f64),
                thousands(options.batch as f64)
            ),
            f.bulk,
            "events/s",
            format!("≥ {} events/s", thousands(bulk_goal(f.backend))),
            format!("{:.0}% of goal {}", 100.0 * bulk / bulk_goal(f.backend), verdict(bulk >= bulk_goal(f.backend))),
        );
        let read = f.read.per_second();
        let (goal, reached) = match f.backend {
            Backend::Sqlite => (
                "≥ 1,000,000 events/s".to_owned(),
                format!("{:.0}% of goal {}", read / 10_000.0, verdict(read >= 1_000_000.0)),
            ),
            Backend::Postgres => {
                let ratio = read / f.raw_read.per_second();
                ("≥ 0.9 × the raw read below".to_owned(), format!("{ratio:.2} × raw {}", verdict(ratio >= 0.9)))
            }
        };
        row(
            format!(
                "read_all + decode from position 0, {} events, pages of {}",
                thousands(f.read.count as f64),
                thousands(options.page as f64)
            ),
            f.read,
            "events/s",
            goal,
            reached,
        );
        let raw_read = f.raw_read.per_second();
        row(
            "raw baseline: the same pages with plain sqlx, rows fetched but not decoded".into(),
            f.raw_read,
            "rows/s",
            "(baseline)".into(),
            format!("store read at {:.2} × raw", read / raw_read),
        );
        let catch_up = f.catch_up.per_second();
        let goal = catch_up_goal(f.backend);
        row(
            format!("catch-up subscription from position 0, {} events", thousands(f.catch_up.count as f64)),
            f.catch_up,
            "events/s",
            format!("≥ {} events/s", thousands(goal)),
            format!("{:.0}% of goal {}", 100.0 * catch_up / goal, verdict(catch_up >= goal)),
        );
        let rounds = f.tree.kept_single.len();
        for (writers, kept, behind) in [
            (1, &f.tree.kept_single, &f.tree.behind_single),
            (options.writers, &f.tree.kept_concurrent, &f.tree.behind_concurrent),
        ] {
            let (kept, behind) = (TreeCost::median(kept), TreeCost::median(behind));
            let ratio = kept / behind;
            let _ = writeln!(
                out,
                "| {name} | appends keeping the tree, {writers} writer{}, median of {rounds} (leaving it behind: {} appends/s) | {} appends/s | ≥ {TREE_GOAL} × leaving it behind | {ratio:.2} × {} |",
                if writers == 1 { "" } else { "s" },
                thousands(behind),
                thousands(kept),
                verdict(ratio >= TREE_GOAL),
            );
        }
    }
    let _ = writeln!(out);
    for f in all {
        let _ = writeln!(out, "- {}: {}", f.backend.name(), f.environment);
        if f.backend == Backend::Postgres {
            for (what, g) in
                [("1 writer", f.single_groups), (&format!("{} writers", options.writers), f.concurrent_groups)]
            {
                let _ = writeln!(
                    out,
                    "- postgres, {what}: {} groups in one statement, {} planned again under the lock after a fact changed, {} planned under the lock from the start",
                    g.one_statement, g.replanned, g.locked
                );
            }
        }
    }
    out
}
