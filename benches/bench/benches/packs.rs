//! The board pack benchmark, over a generated national governance log (`tests::national_log`,
//! 1,000,000 events by default): the pack of the body that oversees the most instruments, for
//! the log's last day, made as the typed model (`Reports::pack`: the read models folded as of
//! the day and of the previous meeting's day), then written as JSON (the same report as the API
//! would serialise it), as the HTML page, as the PDF and as the workbook. Each is timed in the
//! same run, several times; the median is printed as a markdown table, each format beside JSON;
//! `docs/benchmarks.md` records a run.
//!
//! ```text
//! cargo bench -p bench --bench packs -- [--backend sqlite|postgres|both] [--events N] [--runs N]
//! ```
//!
//! Each option may also be given as an environment variable (`COVENANT_BENCH_EVENTS`, ...);
//! arguments win. PostgreSQL is reached as for the store benchmark (`COVENANT_BENCH_POSTGRES_URL`).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use app::packs::{self, PackFormat};
use app::{Pack, Reports};
use bench::{self, Backend, BenchArgs, thousands};
use domain::Key;
use projections::{Filters, Rules, Unverified};
use tests::TestStore;
use tests::national_log::{GeneratedLog, record_governance_log};

const USAGE: &str =
    "usage: cargo bench -p bench --bench packs -- [--backend sqlite|postgres|both] [--events N] [--runs N]";
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
    /// Times each pack is made and written; the median is reported.
    runs: usize,
    postgres_url: String,
}

impl Options {
    fn parse() -> Self {
        let args = BenchArgs::parse(&["backend", "events", "runs"], USAGE);
        let mut options = Options {
            backends: vec![Backend::Sqlite],
            events: 1_000_000,
            runs: 3,
            postgres_url: bench::postgres_url(),
        };
        for (name, value) in args.values() {
            match name {
                "backend" => options.backends = args.backends(value),
                "events" => options.events = args.number(name, value),
                "runs" => options.runs = args.number(name, value).max(1),
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
    body: Key,
    instruments: usize,
    /// Making the typed pack from the log.
    model: Duration,
    /// Writing it, by format, with the size of what was written.
    written: Vec<(&'static str, Duration, usize)>,
}

async fn run(options: Options) {
    eprintln!("{options:?}");
    let all = bench::on_each(&options.backends, &options.postgres_url, async |backend, db| {
        measure(backend, db, &options).await
    })
    .await;
    print!("{}", report(&options, &all));
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

async fn measure(backend: Backend, db: &TestStore, options: &Options) -> Figures {
    let environment = bench::environment(db).await;
    let stores = db.stores().await;
    eprintln!("  generating and appending {} events", thousands(options.events as f64));
    let log = record_governance_log(stores.events.as_ref(), options.events, BATCH).await.expect("the log appends");
    if backend == Backend::Postgres {
        db.execute_raw("ANALYZE events").await;
    }
    let reports = Reports::once(stores, Rules::default(), Unverified::Refuse);
    let day = log.last;
    let (body, instruments) = {
        let models = reports.now().await.expect("the read models");
        let bodies: Vec<Key> = models.bodies().filter_map(|b| b.id.clone()).collect();
        let overseen = |body: &Key| {
            let filters = Filters { body: Some(body.clone()), ..Filters::default() };
            models.status().view(&filters, &Rules::default(), day).instruments.len()
        };
        bodies.iter().map(|b| (b.clone(), overseen(b))).max_by_key(|(_, n)| *n).expect("the log has bodies")
    };
    eprintln!("  the pack of {body} ({instruments} instruments) for {day}, {} runs", options.runs);

    let mut model = Vec::new();
    let mut written: Vec<(&'static str, Vec<Duration>, usize)> =
        ["JSON", "HTML", "PDF", "XLSX"].into_iter().map(|f| (f, Vec::new(), 0)).collect();
    for _ in 0..options.runs {
        let start = Instant::now();
        let pack: Pack = reports.pack(&body, day).await.expect("the pack");
        model.push(start.elapsed());
        for (format, times, size) in &mut written {
            let start = Instant::now();
            let bytes = match *format {
                "JSON" => serde_json::to_vec(&pack).expect("JSON"),
                "HTML" => packs::render(&pack, PackFormat::Html).expect("HTML"),
                "PDF" => packs::render(&pack, PackFormat::Pdf).expect("a PDF"),
                _ => packs::render(&pack, PackFormat::Xlsx).expect("a workbook"),
            };
            times.push(start.elapsed());
            *size = bytes.len();
        }
    }
    Figures {
        backend,
        environment,
        log,
        body,
        instruments,
        model: median(model),
        written: written.into_iter().map(|(f, times, size)| (f, median(times), size)).collect(),
    }
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn report(options: &Options, all: &[Figures]) -> String {
    let mut out = String::new();
    for f in all {
        let _ = writeln!(out, "{}: {}", f.backend.name(), f.environment);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| Backend | Measurement (median of {} runs) | Time | Beside JSON |", options.runs);
    let _ = writeln!(out, "|---|---|---:|---:|");
    for f in all {
        let name = f.backend.name();
        let _ = writeln!(
            out,
            "| {name} | the pack of {} ({} instruments) for {}, as the typed model, from a log of {} events | {} |  |",
            f.body,
            f.instruments,
            f.log.last,
            thousands(f.log.events as f64),
            millis(f.model)
        );
        let json = f.written.iter().find(|(format, ..)| *format == "JSON").map_or(f.model, |(_, d, _)| f.model + *d);
        for (format, d, size) in &f.written {
            let total = f.model + *d;
            let _ = writeln!(
                out,
                "| {name} | model + written as {format} ({} bytes; writing alone {}) | {} | {:.2} × |",
                thousands(*size as f64),
                millis(*d),
                millis(total),
                total.as_secs_f64() / json.as_secs_f64()
            );
        }
    }
    out
}
