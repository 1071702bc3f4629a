//! The Merkle tree benchmark: inclusion and consistency proofs read from the stored tree at a
//! large log size, their latency percentiles, each proof checked against the stored root; and
//! the offline verification of a resolution's proof file. Prints a markdown table;
//! `docs/benchmarks.md` records a run.
//!
//! ```text
//! cargo bench -p bench --bench tree -- [--backend sqlite|postgres|both] [--events N] [--samples N]
//! ```
//!
//! Each option may also be given as an environment variable (`COVENANT_BENCH_BACKEND`, ...);
//! arguments win. PostgreSQL is reached as the store benchmark reaches it.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use app::resolution_proof;
use app::{NoteSigner, Recorder, Witnessing};
use bench::{self, Backend, BenchArgs, thousands};
use kernel::{AppendRequest, Expected, Position, event_leaf};
use tests::{TestStore, progress_report, stream};

const USAGE: &str =
    "usage: cargo bench -p bench --bench tree -- [--backend sqlite|postgres|both] [--events N] [--samples N]";
/// Events per bulk append while the log is filled.
const BATCH: usize = 10_000;
/// Verifications of the resolution's proof file timed.
const VERIFICATIONS: usize = 200;

fn main() {
    let args = BenchArgs::parse(&["backend", "events", "samples"], USAGE);
    let mut backends = vec![Backend::Sqlite, Backend::Postgres];
    let (mut events, mut samples) = (1_000_000, 2_000);
    for (name, value) in args.values() {
        match name {
            "backend" => backends = args.backends(value),
            "events" => events = args.number(name, value),
            "samples" => samples = args.number(name, value),
            other => args.fail(&format!("unknown option --{other}")),
        }
    }
    if events < 2 || samples == 0 {
        args.fail("--events must be at least 2 and --samples at least 1");
    }
    bench::runtime().block_on(async {
        let all = bench::on_each(&backends, &bench::postgres_url(), async |backend, db| {
            measure(backend, db, events, samples).await
        })
        .await;
        print!("{}", report(&all));
    });
}

/// Latencies of one kind of operation.
#[derive(Debug)]
struct Latencies(Vec<Duration>);

impl Latencies {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[at]
    }
}

#[derive(Debug)]
struct Figures {
    backend: Backend,
    environment: String,
    size: u64,
    fill: Duration,
    inclusion: Latencies,
    consistency: Latencies,
    verification: Latencies,
    proof_bytes: usize,
}

/// A deterministic sequence of positions in `1..=size` (xorshift), so runs ask for the same ones.
fn positions(size: u64, count: usize) -> Vec<u64> {
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % size + 1
        })
        .collect()
}

async fn measure(backend: Backend, db: &TestStore, events: usize, samples: usize) -> Figures {
    let environment = bench::environment(db).await;
    let store = db.store();
    eprintln!("  filling the log with {events} events");
    let started = Instant::now();
    let mut count = 0;
    while count < events {
        let n = BATCH.min(events - count);
        let batch = (count..count + n).map(|i| progress_report("commitment-tree", i)).collect();
        let request = AppendRequest::single(stream(&format!("commitment-tree-{count}")), Expected::NoStream, batch);
        store.append(request).await.expect("bulk append failed");
        count += n;
    }
    let fill = started.elapsed();
    let size = store.head().await.expect("the head").position.0;
    let root = store.tree_root(size).await.expect("the root");

    eprintln!("  {samples} inclusion proofs at size {size}");
    let mut inclusion = Vec::with_capacity(samples);
    for position in positions(size, samples) {
        let start = Instant::now();
        let proof = store.inclusion_proof(Position(position), size).await.expect("an inclusion proof");
        inclusion.push(start.elapsed());
        let event = store.read_all(Position(position - 1), 1).await.expect("the event");
        proof.verify(&event_leaf(&event[0]), &root).expect("the proof verifies against the stored root");
    }
    eprintln!("  {samples} consistency proofs to size {size}");
    let mut consistency = Vec::with_capacity(samples);
    for from in positions(size - 1, samples) {
        let start = Instant::now();
        let proof = store.consistency_proof(from, size).await.expect("a consistency proof");
        consistency.push(start.elapsed());
        let earlier = store.tree_root(from).await.expect("the earlier root");
        proof.verify(&earlier, &root).expect("the proof verifies against both roots");
    }

    eprintln!("  {VERIFICATIONS} offline verifications of a resolution's proof file");
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    app::load_story(&recorder, &app::seeds::lincolnshire(), domain::testing::default_now()).await.expect("the story");
    let signer = NoteSigner::generate("lincolnshire.example/covenant").expect("a key");
    app::sign_head(&stores, &signer).await.expect("signed");
    let file = resolution_proof::export(&stores, "west-lindsey-pcc-2021-03-09-45", &Witnessing::default())
        .await
        .expect("the proof file");
    let verifier = signer.verifier();
    let mut verification = Vec::with_capacity(VERIFICATIONS);
    for _ in 0..VERIFICATIONS {
        let start = Instant::now();
        resolution_proof::verify(&file, &verifier, &[]).expect("the proof verifies");
        verification.push(start.elapsed());
    }
    Figures {
        backend,
        environment,
        size,
        fill,
        inclusion: Latencies(inclusion),
        consistency: Latencies(consistency),
        verification: Latencies(verification),
        proof_bytes: file.len(),
    }
}

fn millis(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn report(all: &[Figures]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| Backend | Measurement | p50 | p99 | Goal |");
    let _ = writeln!(out, "|---|---|---:|---:|---|");
    for f in all {
        let name = f.backend.name();
        let size = thousands(f.size as f64);
        let p99 = f.inclusion.percentile(0.99);
        let _ = writeln!(
            out,
            "| {name} | inclusion proof at {size} events ({} samples) | {} | {} | p99 < 2 ms {} |",
            f.inclusion.0.len(),
            millis(f.inclusion.percentile(0.5)),
            millis(p99),
            bench::verdict(p99 < Duration::from_millis(2)),
        );
        let _ = writeln!(
            out,
            "| {name} | consistency proof to {size} events ({} samples) | {} | {} | (no goal) |",
            f.consistency.0.len(),
            millis(f.consistency.percentile(0.5)),
            millis(f.consistency.percentile(0.99)),
        );
        let _ = writeln!(
            out,
            "| {name} | offline verification of minute 45's proof file ({} bytes, {} runs) | {} | {} | (no goal) |",
            thousands(f.proof_bytes as f64),
            f.verification.0.len(),
            millis(f.verification.percentile(0.5)),
            millis(f.verification.percentile(0.99)),
        );
    }
    let _ = writeln!(out);
    for f in all {
        let _ = writeln!(
            out,
            "- {}: the log filled with {} events in {:.1} s; {}",
            f.backend.name(),
            thousands(f.size as f64),
            f.fill.as_secs_f64(),
            f.environment
        );
    }
    out
}
