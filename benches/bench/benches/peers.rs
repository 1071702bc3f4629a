//! Covenant's half of the peer benchmark: the eight workloads of `benches/workload` run against
//! Covenant's store on SQLite and PostgreSQL, beside the store benchmark's raw sqlx baseline, each
//! figure printed as one JSON line for `scripts/bench-peers`, which runs this and the peer
//! libraries' bench (`benches/peers`) in turn and prints the table of `docs/benchmarks.md`.
//!
//! ```text
//! cargo bench -p bench --bench peers -- [--quick] [--backend sqlite|postgres|both] [--events N]
//!     [--seconds S] [--loads N] [--queries N]
//! ```
//!
//! `--quick` runs every workload at a tiny size ([`workload::Sizes::QUICK`], a few seconds, in
//! the test profile too: `cargo test --workspace --bench peers -- --quick`), for CI to show that the
//! benchmark still works; its figures mean nothing.
//!
//! PostgreSQL is reached at `COVENANT_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), in a database of its own dropped at the end;
//! SQLite runs in a temporary directory.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::{Provenance, Recorder, Submission};
use bench::{self, Backend, create_raw_table, raw_read_everything, raw_single_writer};
use kernel::{
    AppendError, AppendRequest, EventStore, Expected, LoadedEvent, Payload, RecordedEvent, StreamAppend, StreamBound,
    Timestamp,
};
use projections::{Projection, Runner};
use serde::{Deserialize, Serialize};
use tests::{TestStore, progress_report, report_event, stream};
use workload::{
    AGGREGATE_EVENTS, CONTENDED_STREAMS, CONTENDING_WRITERS, Digest, Figure, PAGE, ProgressBoard, ProgressReport,
    Sizes, WARM_UP, WRITERS, Workload, as_of_queries, commitment_id, commitments_of, log_event,
};

const SYSTEM: &str = "Covenant";
const RAW: &str = "raw sqlx";
const USAGE: &str = "usage: cargo bench -p bench --bench peers -- [--quick] [--backend sqlite|postgres|both] \
     [--events N] [--seconds S] [--loads N] [--queries N]";

fn main() {
    let (backends, sizes) = options().unwrap_or_else(|e| {
        eprintln!("{e}\n{USAGE}");
        std::process::exit(2);
    });
    bench::runtime().block_on(async {
        bench::on_each(&backends, &bench::postgres_url(), async |backend, db| measure(backend, db, &sizes).await).await
    });
}

fn options() -> Result<(Vec<Backend>, Sizes), String> {
    let mut args = workload::arguments(std::env::args().skip(1))?;
    let sizes = Sizes::take(&mut args)?;
    let mut backends = vec![Backend::Sqlite, Backend::Postgres];
    for (name, value) in args {
        match (name.as_str(), value.as_str()) {
            ("backend", "sqlite") => backends = vec![Backend::Sqlite],
            ("backend", "postgres") => backends = vec![Backend::Postgres],
            ("backend", "both") => backends = vec![Backend::Sqlite, Backend::Postgres],
            ("backend", other) => return Err(format!("unknown backend {other}: use sqlite, postgres or both")),
            (other, _) => return Err(format!("unknown option --{other}")),
        }
    }
    Ok((backends, sizes))
}

async fn measure(backend: Backend, db: &TestStore, sizes: &Sizes) {
    let name = backend.name();
    let period = Duration::from_secs_f64(sizes.seconds);
    eprintln!("  {}", bench::environment(db).await);
    let figure = |system: &str, workload: Workload, count: usize, elapsed: Duration, check: String| {
        Figure::new(system, name, workload, count, elapsed.as_secs_f64(), check).print();
    };

    eprintln!("  1: raw single-row inserts, then store appends, one writer, {:.1} s each", sizes.seconds);
    create_raw_table(db).await;
    let raw = raw_single_writer(db, period).await;
    figure(RAW, Workload::SingleWriter, raw.count, raw.elapsed, format!("{} rows", raw.count));
    let (count, elapsed) = writers(db.shared(), 1, period).await;
    figure(SYSTEM, Workload::SingleWriter, count, elapsed, format!("{count} appends"));

    eprintln!("  2: {WRITERS} writers, {:.1} s", sizes.seconds);
    let (count, elapsed) = writers(db.shared(), WRITERS, period).await;
    figure(SYSTEM, Workload::ConcurrentWriters, count, elapsed, format!("{count} appends"));

    analyze(backend, db).await;
    eprintln!("  3: {CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams, {:.1} s", sizes.seconds);
    let (count, retries, elapsed) = contended(db.shared(), period).await;
    figure(SYSTEM, Workload::Contended, count, elapsed, format!("{count} commands, {retries} conflicts retried"));

    eprintln!("  4: {} loads of an aggregate of {AGGREGATE_EVENTS} events", sizes.loads);
    let aggregate = write_aggregate(db.store()).await;
    analyze(backend, db).await;
    let (digest, elapsed) = load_aggregate(db.store(), &aggregate, sizes.loads).await;
    figure(SYSTEM, Workload::LoadAggregate, sizes.loads, elapsed, digest.to_string());

    eprintln!("  seeding the log of {} events in a store of its own (untimed)", sizes.events);
    let log = db.another().await;
    seed_log(log.store(), sizes).await;
    analyze(backend, &log).await;

    eprintln!("  5: replay through the projection, then the raw read of the same pages");
    let (digest, count, elapsed) = replay(&log).await;
    figure(SYSTEM, Workload::Replay, count, elapsed, digest.to_string());
    let raw = raw_read_everything(&log, PAGE).await;
    figure(RAW, Workload::Replay, raw.count, raw.elapsed, format!("{} rows fetched, not decoded", raw.count));

    eprintln!("  6: {} as-of queries of one instrument", sizes.queries);
    let (digest, elapsed) = as_of(log.store(), sizes).await;
    figure(SYSTEM, Workload::AsOf, sizes.queries, elapsed, digest.to_string());

    eprintln!("  7: verify the chain");
    let start = Instant::now();
    let report = log.store().verify(None).await.expect("the chain reads");
    let elapsed = start.elapsed();
    assert!(report.is_ok(), "the chain verifies: {report:?}");
    figure(
        SYSTEM,
        Workload::VerifyChain,
        report.checked as usize,
        elapsed,
        format!("{} events verified", report.checked),
    );
    log.finish().await;

    eprintln!(
        "  8: {CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams through the recorder and its cache of stream states, {:.1} s",
        sizes.seconds
    );
    let (count, retries, elapsed) = contended_cached(db.shared(), period).await;
    figure(SYSTEM, Workload::ContendedCached, count, elapsed, format!("{count} commands, {retries} conflicts retried"));
}

/// Gathers the planner's statistics of the events table on PostgreSQL, as autovacuum would after
/// the rows the untimed setup or the workloads before wrote (the servers measured run without it),
/// before the workloads that read it; the peers' half does the same with its tables.
async fn analyze(backend: Backend, db: &TestStore) {
    if backend == Backend::Postgres {
        db.execute_raw("ANALYZE events").await;
    }
}

/// `n` tasks, each appending single events, each to a new stream of its own, each append awaited
/// before that task's next. Returns the appends made and the time taken.
async fn writers(store: Arc<dyn EventStore>, n: usize, period: Duration) -> (usize, Duration) {
    let run = uuid::Uuid::new_v4().simple().to_string();
    for k in 0..WARM_UP {
        append_new(store.as_ref(), &run, n, k).await;
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|w| {
            let store = store.clone();
            let run = run.clone();
            tokio::spawn(async move {
                let mut k = 0;
                while start.elapsed() < period {
                    append_new(store.as_ref(), &run, w, k).await;
                    k += 1;
                }
                k
            })
        })
        .collect();
    let mut count = 0;
    for task in tasks {
        count += task.await.expect("a writer task panicked");
    }
    (count, start.elapsed())
}

/// Appends report `k` of writer `w` to a new stream of its own.
async fn append_new(store: &dyn EventStore, run: &str, w: usize, k: usize) {
    let id = format!("commitment-{run}-{w}-{k}");
    let request = AppendRequest::single(stream(&id), Expected::NoStream, vec![progress_report(&id, k)]);
    store.append(request).await.expect("append failed");
}

/// Folds a stream's reports, as a command loads them, into the projection, decoding each payload.
fn fold(board: &mut ProgressBoard, events: &[LoadedEvent]) {
    for event in events {
        board.apply(&decode(&event.payload));
    }
}

fn decode(payload: &Payload) -> ProgressReport {
    payload.decode().expect("a progress report decodes")
}

/// Workload 3: each writer loads its stream, folds it, and appends the next report at the version
/// it loaded; a conflict sends it back to load again. Returns the commands recorded, the
/// conflicts retried, and the time taken.
async fn contended(store: Arc<dyn EventStore>, period: Duration) -> (usize, usize, Duration) {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONTENDING_WRITERS)
        .map(|w| {
            let store = store.clone();
            let id = format!("commitment-{run}-{}", w % CONTENDED_STREAMS);
            tokio::spawn(async move {
                let (mut done, mut retries) = (0, 0);
                while start.elapsed() < period {
                    let events = store.load_stream(&stream(&id)).await.expect("load_stream failed");
                    let mut board = ProgressBoard::default();
                    fold(&mut board, &events);
                    let version = events.len() as u64;
                    let event = progress_report(&id, events.len());
                    match store
                        .append(AppendRequest::single(stream(&id), Expected::Exactly(version), vec![event]))
                        .await
                    {
                        Ok(_) => done += 1,
                        Err(AppendError::Conflict(_)) => retries += 1,
                        Err(e) => panic!("append failed: {e}"),
                    }
                }
                (done, retries)
            })
        })
        .collect();
    let (count, retries) = tally(tasks).await;
    (count, retries, start.elapsed())
}

/// Workload 8: workload 3's commands as the service records them, through `app::Recorder`, which
/// keeps the decided state of each stream it recorded on and lets the commands of one process on
/// one stream take turns: each writer reports progress on a commitment of the Lincolnshire
/// story's delivery plan, decided against the cached state and appended at its version (the store
/// refuses a stale one, and the recorder then reads the stream again). Returns the commands
/// recorded, the conflicts retried, and the time taken.
async fn contended_cached(store: Arc<dyn EventStore>, period: Duration) -> (usize, usize, Duration) {
    let recorder = Recorder::new(store);
    let now = Timestamp::now();
    app::load_story(&recorder, &app::seeds::lincolnshire(), now).await.expect("the Lincolnshire story loads");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let ids: Vec<String> = (0..CONTENDED_STREAMS).map(|s| format!("{}-{run}", tests::commitment_id(s))).collect();
    for id in &ids {
        let mut make = tests::make_commitment(0);
        make["id"] = id.as_str().into();
        recorder.record(&submission(&make), now).await.expect("the commitment is made");
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONTENDING_WRITERS)
        .map(|w| {
            let recorder = recorder.clone();
            let id = ids[w % CONTENDED_STREAMS].clone();
            tokio::spawn(async move {
                let (mut done, mut retries) = (0, 0);
                while start.elapsed() < period {
                    let narrative = ProgressReport::new(&id, done).narrative;
                    let command = tests::report_progress(&id, &narrative);
                    let recorded = recorder.record(&submission(&command), now).await.expect("the report is recorded");
                    done += 1;
                    retries += recorded.attempts as usize - 1;
                }
                (done, retries)
            })
        })
        .collect();
    let (count, retries) = tally(tasks).await;
    (count, retries, start.elapsed())
}

/// The commands recorded and the conflicts retried by the writer `tasks`, once all have finished.
async fn tally(tasks: Vec<tokio::task::JoinHandle<(usize, usize)>>) -> (usize, usize) {
    let mut total = (0, 0);
    for task in tasks {
        let (done, retried) = task.await.expect("a writer task panicked");
        total = (total.0 + done, total.1 + retried);
    }
    total
}

/// A command of the story's delivery plan, as its West Lindsey officer sends it.
fn submission(command: &serde_json::Value) -> Submission {
    let command = app::parse_command(&command.to_string()).expect("the command reads");
    Submission { command, provenance: Provenance::new("officer@west-lindsey.gov.uk") }
}

/// The stream of workload 4: [`AGGREGATE_EVENTS`] reports, appended untimed.
async fn write_aggregate(store: &dyn EventStore) -> kernel::StreamId {
    let id = "commitment-loaded";
    let events = (0..AGGREGATE_EVENTS).map(|n| progress_report(id, n)).collect();
    store.append(AppendRequest::single(stream(id), Expected::NoStream, events)).await.expect("the aggregate appends");
    stream(id)
}

/// Workload 4: the stream `aggregate` read and folded `loads` times.
async fn load_aggregate(store: &dyn EventStore, aggregate: &kernel::StreamId, loads: usize) -> (Digest, Duration) {
    let mut digest = Digest::default();
    let start = Instant::now();
    for _ in 0..loads {
        let events = store.load_stream(aggregate).await.expect("load_stream failed");
        let mut board = ProgressBoard::default();
        fold(&mut board, &events);
        digest.add(&board.digest());
    }
    (digest, start.elapsed())
}

/// Appends the log of workloads 5 to 7 in appends of [`PAGE`] events, each event to its
/// commitment's stream, decided on the day its report was made.
async fn seed_log(store: &dyn EventStore, sizes: &Sizes) {
    for first in (0..sizes.events).step_by(PAGE) {
        let mut streams: BTreeMap<usize, Vec<kernel::NewEvent>> = BTreeMap::new();
        for i in first..(first + PAGE).min(sizes.events) {
            let (commitment, report) = log_event(sizes, i);
            let day = Timestamp::parse(&report.reported_on).expect("a report's day is a date");
            streams.entry(commitment).or_default().push(report_event(&report, day));
        }
        let streams = streams
            .into_iter()
            .map(|(c, events)| StreamAppend { stream_id: stream(&commitment_id(c)), expected: Expected::Any, events })
            .collect();
        store.append(AppendRequest { streams }).await.expect("the log appends");
    }
}

/// The projection of workload 5 as a Covenant read model: each event decoded and applied.
#[derive(Default, Serialize, Deserialize)]
struct Board(ProgressBoard);

impl Projection for Board {
    const NAME: &'static str = "progress-board";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &RecordedEvent) {
        self.0.apply(&decode(&event.payload));
    }
}

/// Workload 5: the projection rebuilt from position 0 by Covenant's projection runner, as
/// `covenant rebuild` does: pages of [`PAGE`] events, each folded while the next is read, and the
/// state saved as a snapshot at the end.
async fn replay(log: &TestStore) -> (Digest, usize, Duration) {
    let start = Instant::now();
    let projections::Folded { state: board, position, .. } = Runner::new(log.store(), log.snapshots())
        .page(PAGE)
        .rebuild::<Board>(|_, _| {})
        .await
        .expect("the rebuild runs");
    let elapsed = start.elapsed();
    (board.0.digest(), position.0 as usize, elapsed)
}

/// Workload 6: for each query, the instrument's commitments read in one `read_streams` and their
/// reports made by the day folded.
async fn as_of(store: &dyn EventStore, sizes: &Sizes) -> (Digest, Duration) {
    let queries = as_of_queries(sizes);
    let mut digest = Digest::default();
    let start = Instant::now();
    for (instrument, day) in &queries {
        let streams: Vec<_> = commitments_of(*instrument).map(|c| stream(&commitment_id(c))).collect();
        let events = store.read_streams(&streams, StreamBound::All).await.expect("read_streams failed");
        let mut board = ProgressBoard::default();
        for event in &events {
            board.apply_as_of(&decode(&event.payload), day);
        }
        digest.add(&board.digest());
    }
    (digest, start.elapsed())
}
