//! The peer libraries' half of the peer benchmark: the workloads of `benches/workload` run with
//! cqrs-es on sqlite-es or postgres-es, or with esrs on PostgreSQL, each used through its own
//! aggregate, event store and query or handler mechanism, each figure printed as one JSON line.
//!
//! ```text
//! peers --system cqrs-es|esrs --backend sqlite|postgres [--quick] [--events N] [--seconds S]
//!     [--loads N] [--queries N]
//! ```
//!
//! `--quick` runs every workload at a tiny size (`workload::Sizes::QUICK`), for CI.
//!
//! Each run makes fresh databases (a temporary SQLite file, or a database `peers_bench_<uuid>`
//! on the server at `COVENANT_BENCH_POSTGRES_URL`) and removes them at the end.

mod cqrs;
mod db;
mod esrs_bench;

use workload::{Backend, Sizes};

const USAGE: &str = "usage: peers --system cqrs-es|esrs --backend sqlite|postgres [--quick] [--events N] \
     [--seconds S] [--loads N] [--queries N]";

/// The allocator Covenant's half of the benchmark and the `covenant` binary use, so that the two
/// halves differ only in the libraries they measure.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let (system, backend, sizes) = options().unwrap_or_else(|e| {
        eprintln!("{e}\n{USAGE}");
        std::process::exit(2);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("failed to build the tokio runtime: {e}"));
    runtime.block_on(async {
        match (system.as_str(), backend) {
            ("cqrs-es", backend) => cqrs::run(backend, &sizes).await,
            ("esrs", Backend::Postgres) => esrs_bench::run(&sizes).await,
            ("esrs", Backend::Sqlite) => {
                eprintln!("esrs has no SQLite store: run it with --backend postgres");
                std::process::exit(2);
            }
            (other, _) => {
                eprintln!("unknown system {other}: use cqrs-es or esrs\n{USAGE}");
                std::process::exit(2);
            }
        }
    });
}

fn options() -> Result<(String, Backend, Sizes), String> {
    let mut args = workload::arguments(std::env::args().skip(1))?;
    let sizes = Sizes::take(&mut args)?;
    let (mut system, mut backend) = (None, None);
    for (name, value) in args {
        match (name.as_str(), value.as_str()) {
            ("system", value) => system = Some(value.to_owned()),
            ("backend", "sqlite") => backend = Some(Backend::Sqlite),
            ("backend", "postgres") => backend = Some(Backend::Postgres),
            ("backend", other) => return Err(format!("unknown backend {other}: use sqlite or postgres")),
            (other, _) => return Err(format!("unknown option --{other}")),
        }
    }
    Ok((system.ok_or("--system is required")?, backend.ok_or("--backend is required")?, sizes))
}
