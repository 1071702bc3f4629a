//! The import and export benchmark, on SQLite and on PostgreSQL, over a generated national
//! governance log (`tests::national_log`, 1,000,000 events by default): the export of the whole log
//! as CloudEvents JSON Lines to a file, and its import into an empty store, in events per second,
//! beside reading the same log without encoding it and appending it in the first place. Prints
//! the figures as a markdown table; `docs/benchmarks.md` records a run.
//!
//! ```text
//! cargo bench -p bench --bench interchange -- [--backend sqlite|postgres|both] [--events N]
//! ```
//!
//! Each option may also be given as an environment variable (`COVENANT_BENCH_EVENTS`, ...);
//! arguments win. PostgreSQL is reached as for the store benchmark (`COVENANT_BENCH_POSTGRES_URL`),
//! in databases of its own that are dropped at the end; SQLite and the exported file live in
//! temporary directories.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::time::{Duration, Instant};

use app::interchange::cloudevents::{self, Export, Filter, RestoreProgress};
use bench::{self, Backend, BenchArgs, thousands};
use tests::TestStore;
use tests::national_log::record_governance_log;

const USAGE: &str = "usage: cargo bench -p bench --bench interchange -- [--backend sqlite|postgres|both] [--events N]";
/// Events per append while loading the log: the store's limit.
const BATCH: usize = 10_000;

fn main() {
    let options = Options::parse();
    bench::runtime().block_on(run(options));
}

#[derive(Debug)]
struct Options {
    backends: Vec<Backend>,
    events: usize,
    postgres_url: String,
}

impl Options {
    fn parse() -> Self {
        let args = BenchArgs::parse(&["backend", "events"], USAGE);
        let mut options = Options {
            backends: vec![Backend::Sqlite, Backend::Postgres],
            events: 1_000_000,
            postgres_url: bench::postgres_url(),
        };
        for (name, value) in args.values() {
            match name {
                "backend" => options.backends = args.backends(value),
                "events" => options.events = args.number(name, value),
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
    events: usize,
    load: Duration,
    read: Duration,
    export: Duration,
    file_bytes: u64,
    /// The import's first reading of the file, checking all of it, and the whole import.
    check: Duration,
    import: Duration,
}

async fn run(options: Options) {
    eprintln!("{options:?}");
    let all = bench::on_each(&options.backends, &options.postgres_url, async |backend, db| {
        measure(backend, db, &options).await
    })
    .await;
    print!("{}", report(&all));
}

async fn measure(backend: Backend, db: &TestStore, options: &Options) -> Figures {
    let environment = bench::environment(db).await;
    let stores = db.stores().await;

    eprintln!("  generating and appending {} events in appends of {BATCH}", thousands(options.events as f64));
    let start = Instant::now();
    let log = record_governance_log(stores.events.as_ref(), options.events, BATCH).await.expect("the log appends");
    let load = start.elapsed();

    eprintln!("  baseline: read_all from position 0 in pages of {}, not encoded", cloudevents::PAGE);
    let (read, count) = bench::read_everything(stores.events.as_ref(), cloudevents::PAGE).await;
    assert_eq!(count, log.events, "the read returns every event in the log");

    eprintln!("  export of the whole log to a file");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("covenant-events.jsonl");
    let start = Instant::now();
    let mut out = BufWriter::new(File::create(&path).expect("the file is created"));
    let mut export = Export::start(stores.events.clone(), Filter::default()).await.expect("the export starts");
    let written = export.write_to(&mut out, |_| ()).await.expect("the export is written");
    drop(out);
    let export = start.elapsed();
    assert_eq!(written as usize, log.events);
    let file_bytes = std::fs::metadata(&path).expect("the file is there").len();

    eprintln!("  import of the file into an empty store");
    let target = db.another().await;
    let start = Instant::now();
    let mut check = None;
    let restored = cloudevents::restore(
        target.store(),
        || File::open(&path).map(BufReader::new),
        |step| {
            if matches!(step, RestoreProgress::Restoring { .. }) && check.is_none() {
                check = Some(start.elapsed());
            }
        },
    )
    .await
    .expect("the export is restored");
    let import = start.elapsed();
    assert_eq!(restored.head, stores.events.head().await.expect("the head reads"), "the same head hash");
    target.finish().await;

    Figures {
        backend,
        environment,
        events: log.events,
        load,
        read,
        export,
        file_bytes,
        check: check.unwrap_or(import),
        import,
    }
}

fn report(all: &[Figures]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| Backend | Measurement | Result | Compared |");
    let _ = writeln!(out, "|---|---|---:|---|");
    for f in all {
        let name = f.backend.name();
        let events = f.events as f64;
        let rate = |d: Duration| format!("{:.2} s, {} events/s", d.as_secs_f64(), thousands(events / d.as_secs_f64()));
        let times = |d: Duration, of: Duration, what: &str| {
            format!("{:.2} × the {what}'s time", d.as_secs_f64() / of.as_secs_f64())
        };
        let mut row = |what: String, result: String, compared: String| {
            let _ = writeln!(out, "| {name} | {what} | {result} | {compared} |");
        };
        row(
            format!(
                "load: {} events generated and appended in appends of {} (append baseline)",
                thousands(events),
                thousands(BATCH as f64)
            ),
            rate(f.load),
            "(baseline)".into(),
        );
        row(
            format!(
                "read_all from position 0 in pages of {}, not encoded (read baseline)",
                thousands(cloudevents::PAGE as f64)
            ),
            rate(f.read),
            "(baseline)".into(),
        );
        row(
            format!(
                "export: the whole log as CloudEvents JSON Lines to a file ({} MB)",
                thousands(f.file_bytes as f64 / 1e6)
            ),
            rate(f.export),
            times(f.export, f.read, "read"),
        );
        row(
            "import, first reading: every line decoded and the whole chain and the log's rules checked, nothing written".into(),
            rate(f.check),
            times(f.check, f.read, "read"),
        );
        row(
            "import into an empty store, in all: the check, then a second reading restored in transactions of 10,000"
                .into(),
            rate(f.import),
            times(f.import, f.load, "load"),
        );
    }
    let _ = writeln!(out);
    for f in all {
        let _ = writeln!(out, "- {}: {}", f.backend.name(), f.environment);
    }
    out
}
