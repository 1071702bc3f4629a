//! The import benchmark, on SQLite and on PostgreSQL: an action plan of 100,000 rows (by default)
//! imported as CSV (`covenant import action-plan`: read, checked against the store, recorded),
//! beside its baseline, the same commands recorded as JSON Lines through the `Recorder`
//! (`covenant record --file`, in appends of the same size). Both run on a store holding the
//! Lincolnshire seed story, whose HHCDG delivery plan the rows commit to. Prints the figures as a
//! markdown table; `docs/benchmarks.md` records a run.
//!
//! ```text
//! cargo bench -p bench --bench imports -- [--backend sqlite|postgres|both] [--rows N]
//! ```
//!
//! Each option may also be given as an environment variable (`COVENANT_BENCH_ROWS`, ...);
//! arguments win. PostgreSQL is reached as for the store benchmark (`COVENANT_BENCH_POSTGRES_URL`).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use app::interchange::Importer;
use app::interchange::action_plan::{self, COLUMNS, Options};
use app::{Provenance, Recorder, Submission};
use bench::{self, Backend, BenchArgs, thousands};
use domain::Date;
use kernel::{Limits, Timestamp};
use tests::TestStore;

const USAGE: &str = "usage: cargo bench -p bench --bench imports -- [--backend sqlite|postgres|both] [--rows N]";

fn main() {
    let args = BenchArgs::parse(&["backend", "rows"], USAGE);
    let (mut backends, mut rows) = (vec![Backend::Sqlite, Backend::Postgres], 100_000);
    for (name, value) in args.values() {
        match name {
            "backend" => backends = args.backends(value),
            "rows" => rows = args.number(name, value),
            other => args.fail(&format!("unknown option --{other}")),
        }
    }
    bench::runtime().block_on(run(backends, rows));
}

/// An action plan of `rows` rows towards the HHCDG delivery plan: one action in ten a top-level
/// action under the plan's own, the others its children; every other row reports progress.
fn generate(rows: usize) -> String {
    let objectives = ["specialist-housing", "adaptations", "hospital-discharge"];
    let leads = [
        ("GB-LAE-LIN", "Head of Housing Strategy"),
        ("GB-LAE-WLI", "Housing Services Manager"),
        ("GB-NHS-QJM", "Director of Integration"),
    ];
    let mut text = COLUMNS.join(",");
    text.push('\n');
    for row in 0..rows {
        let parent =
            if row % 10 == 0 { "hhcdg-delivery-plan".to_owned() } else { format!("bench-action-{}", row - row % 10) };
        let (organisation, lead) = leads[row % leads.len()];
        let progress = if row % 2 == 0 { "amber,40,Work under way with district partners." } else { ",," };
        let _ = writeln!(
            text,
            "lincolnshire-hhcdg-delivery-plan,{},bench-action-{row},Housing action {row} of the delivery plan,{organisation},{lead},2024-03-31,1,{parent},{progress}",
            objectives[row % objectives.len()]
        );
    }
    text
}

/// A store holding the Lincolnshire story.
async fn lincolnshire(backend: Backend) -> (TestStore, Recorder) {
    let db = bench::open(backend, &bench::postgres_url()).await;
    let recorder = Recorder::new(db.shared());
    app::load_story(&recorder, &app::seeds::lincolnshire(), domain::testing::default_now())
        .await
        .expect("the Lincolnshire story is recorded");
    (db, recorder)
}

#[derive(Debug)]
struct Figures {
    backend: Backend,
    environment: String,
    rows: usize,
    events: usize,
    parse: Duration,
    check: Duration,
    record: Duration,
    baseline: Duration,
}

async fn run(backends: Vec<Backend>, rows: usize) {
    let text = generate(rows);
    let options =
        Options { instrument: None, on: Date::from_ymd_opt(2023, 7, 20).expect("a date"), file: "bench.csv".into() };
    let mut all = Vec::new();
    for backend in backends {
        eprintln!("benchmarking {}", backend.name());
        let (db, recorder) = lincolnshire(backend).await;
        let environment = bench::environment(&db).await;
        let now = Timestamp::now();

        let start = Instant::now();
        let (parsed, problems) = action_plan::parse(&text, &options);
        let parse = start.elapsed();
        assert!(problems.is_empty(), "the generated plan reads: {:?}", &problems[..problems.len().min(3)]);
        let start = Instant::now();
        let plan = action_plan::plan(recorder.store(), &parsed, &options, now)
            .await
            .expect("the store reads")
            .expect("the plan checks");
        let check = start.elapsed();
        let start = Instant::now();
        let progress = &mut |done: usize, total: usize| {
            if done % 20_000 < 5_000 {
                eprintln!("    {done} of {total} rows recorded");
            }
        };
        let imported = Importer { recorder: &recorder, actor: "bench", progress }
            .record(&plan, now)
            .await
            .expect("the plan records");
        let record = start.elapsed();
        db.finish().await;

        // The baseline: the same commands as JSON Lines, read and recorded through the Recorder
        // in appends of the store's limit, on a store of their own.
        let lines: Vec<String> = plan
            .lines
            .iter()
            .flat_map(|p| &p.commands)
            .map(|c| serde_json::to_string(c).expect("a command serialises"))
            .collect();
        let jsonl = lines.join("\n");
        let (db, recorder) = lincolnshire(backend).await;
        let start = Instant::now();
        let commands = app::parse_command_lines(&jsonl).expect("the commands read");
        for chunk in commands.chunks(Limits::default().max_events_per_append) {
            let submissions: Vec<Submission> = chunk
                .iter()
                .map(|c| Submission { command: c.command.clone(), provenance: Provenance::new("bench") })
                .collect();
            recorder.record_batch(&submissions, now).await.expect("the batch records");
        }
        let baseline = start.elapsed();
        db.finish().await;
        all.push(Figures { backend, environment, rows, events: imported.events, parse, check, record, baseline });
    }
    print!("{}", report(&all));
}

fn per_second(n: usize, time: Duration) -> String {
    thousands(n as f64 / time.as_secs_f64().max(f64::MIN_POSITIVE))
}

fn report(all: &[Figures]) -> String {
    let mut out = String::new();
    for f in all {
        let total = f.parse + f.check + f.record;
        let _ = writeln!(out, "**{}**: {}\n", f.backend.name(), f.environment);
        let _ = writeln!(out, "| What | Time | Rows per second |");
        let _ = writeln!(out, "|---|---:|---:|");
        let _ = writeln!(
            out,
            "| Import of {} rows ({} events), all phases | {:.2} s | {} |",
            thousands(f.rows as f64),
            thousands(f.events as f64),
            total.as_secs_f64(),
            per_second(f.rows, total)
        );
        let _ =
            writeln!(out, "| … reading the CSV | {:.2} s | {} |", f.parse.as_secs_f64(), per_second(f.rows, f.parse));
        let _ = writeln!(
            out,
            "| … checking against the store (read + decide in memory) | {:.2} s | {} |",
            f.check.as_secs_f64(),
            per_second(f.rows, f.check)
        );
        let _ = writeln!(
            out,
            "| … recording through the Recorder | {:.2} s | {} |",
            f.record.as_secs_f64(),
            per_second(f.rows, f.record)
        );
        let _ = writeln!(
            out,
            "| Baseline: the same {} commands as JSON Lines through the Recorder | {:.2} s | {} |\n\nThe import takes {:.2} × the baseline's time.\n",
            thousands(f.events as f64),
            f.baseline.as_secs_f64(),
            per_second(f.rows, f.baseline),
            total.as_secs_f64() / f.baseline.as_secs_f64().max(f64::MIN_POSITIVE),
        );
    }
    out
}
