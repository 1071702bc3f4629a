//! Covenant's own benchmarks (`benches/`, one binary each, `docs/benchmarks.md`) and what they
//! share: their options (`--name value` arguments, or `COVENANT_BENCH_<NAME>`
//! variables), the backends they run on and how to run on a fresh store on each, the line that
//! describes a database's version and durability settings, the plain read of the whole log that
//! serves as a baseline, the raw sqlx baseline of the store (single-row INSERTs into a copy of
//! the `events` table, and the same pages read with plain sqlx), and how figures are printed.

/// Every benchmark runs on the allocator the `covenant` binary uses (`crates/cli/src/main.rs`), so
/// that its figures are the service's; the peer libraries' half (`benches/peers`) uses it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use kernel::{EventStore, NewEvent, Position};
use sqlx::Connection;

use tests::{TestStore, progress_report};

/// The databases the benchmarks run on, and numbers as their tables write them: the peer
/// benchmark's own definitions.
pub use workload::{Backend, thousands};

/// The variable naming the PostgreSQL server a benchmark creates its database on.
pub const POSTGRES_URL_VAR: &str = "COVENANT_BENCH_POSTGRES_URL";
/// The server used when [`POSTGRES_URL_VAR`] is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh store on `backend`: SQLite in a temporary directory, or a database
/// `covenant_bench_<uuid>` on the server at `postgres_url`, dropped by [`TestStore::finish`].
pub async fn open(backend: Backend, postgres_url: &str) -> TestStore {
    match backend {
        Backend::Sqlite => TestStore::sqlite().await,
        Backend::Postgres => TestStore::postgres_at(postgres_url, "covenant_bench").await,
    }
}

/// Runs `measure` on a fresh store on each of `backends` in turn, closing each store (and dropping
/// its PostgreSQL database) afterwards.
pub async fn on_each<T>(
    backends: &[Backend],
    postgres_url: &str,
    mut measure: impl AsyncFnMut(Backend, &TestStore) -> T,
) -> Vec<T> {
    let mut all = Vec::with_capacity(backends.len());
    for &backend in backends {
        eprintln!("benchmarking {}", backend.name());
        let db = open(backend, postgres_url).await;
        all.push(measure(backend, &db).await);
        db.finish().await;
    }
    all
}

/// Reads every event from position 0 in pages of `page` and drops them: the baseline of anything
/// that reads the whole log. Returns the time taken and the events read.
pub async fn read_everything(store: &dyn EventStore, page: usize) -> (Duration, usize) {
    let start = Instant::now();
    let mut after = Position::ZERO;
    let mut count = 0;
    loop {
        let events = store.read_all(after, page).await.expect("read_all failed");
        let Some(last) = events.last() else { break };
        after = last.position;
        count += events.len();
    }
    (start.elapsed(), count)
}

/// The options a benchmark was given, in the order they apply: variables first, then arguments,
/// so that an argument wins over a variable.
#[derive(Debug)]
pub struct BenchArgs {
    usage: &'static str,
    values: Vec<(String, String)>,
}

impl BenchArgs {
    /// Reads `COVENANT_BENCH_<NAME>` for each of `names`, then the command line. Prints `usage`
    /// and exits on `--help`.
    pub fn parse(names: &[&str], usage: &'static str) -> Self {
        let mut values: Vec<(String, String)> = names
            .iter()
            .filter_map(|name| {
                let var = format!("COVENANT_BENCH_{}", name.to_uppercase());
                std::env::var(var).ok().map(|value| ((*name).to_owned(), value))
            })
            .collect();
        let parsed = Self { usage, values: Vec::new() };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                // `cargo bench` passes `--bench` to every bench target.
                "--bench" => {}
                "--quick" => values.insert(0, ("quick".to_owned(), String::new())),
                "-h" | "--help" => {
                    println!("{usage}");
                    std::process::exit(0);
                }
                flag if flag.starts_with("--") => {
                    let (name, value) = match flag[2..].split_once('=') {
                        Some((name, value)) => (name.to_owned(), value.to_owned()),
                        None => (
                            flag[2..].to_owned(),
                            args.next().unwrap_or_else(|| parsed.fail(&format!("{flag} needs a value"))),
                        ),
                    };
                    values.push((name, value));
                }
                // A name filter from `cargo bench -- <filter>`: each target runs all it measures.
                _ => {}
            }
        }
        Self { values, ..parsed }
    }

    /// Whether `--quick` was given: tiny sizes, for CI to show that the benchmark still works.
    pub fn quick(&self) -> bool {
        self.values.iter().any(|(name, _)| name == "quick")
    }

    /// Every `(name, value)` given, variables first; `--quick` as `("quick", "")`, for a
    /// benchmark without a quick mode to refuse as an unknown option.
    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Says what is wrong, prints the usage, and exits.
    pub fn fail(&self, message: &str) -> ! {
        eprintln!("{message}\n{}", self.usage);
        std::process::exit(2);
    }

    /// A positive whole number, `_` allowed as a separator.
    pub fn number(&self, name: &str, value: &str) -> usize {
        value.replace('_', "").parse().ok().filter(|n| *n > 0).unwrap_or_else(|| {
            self.fail(&format!("--{name} takes a positive whole number, not {value}"));
        })
    }

    /// `sqlite`, `postgres` or `both`.
    pub fn backends(&self, value: &str) -> Vec<Backend> {
        match value {
            "sqlite" => vec![Backend::Sqlite],
            "postgres" => vec![Backend::Postgres],
            "both" => vec![Backend::Sqlite, Backend::Postgres],
            other => self.fail(&format!("unknown backend {other}: use sqlite, postgres or both")),
        }
    }
}

/// The server named by [`POSTGRES_URL_VAR`], or [`DEFAULT_POSTGRES_URL`].
pub fn postgres_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// The multi-threaded runtime a benchmark runs on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("failed to build the tokio runtime")
}

/// The database version and the durability settings in force on the connections measured.
pub async fn environment(db: &TestStore) -> String {
    match db {
        TestStore::Sqlite { store, .. } => {
            let mut conn = store.pool().acquire().await.expect("failed to acquire a SQLite connection");
            let version: String =
                sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut *conn).await.expect("sqlite_version");
            let journal: String =
                sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.expect("journal_mode");
            let synchronous: i64 =
                sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.expect("synchronous");
            let synchronous = match synchronous {
                2 => "FULL".to_owned(),
                3 => "EXTRA".to_owned(),
                other => format!("{other} (not FULL)"),
            };
            format!("SQLite {version}, journal_mode={journal}, synchronous={synchronous}")
        }
        TestStore::Postgres { store, .. } => {
            let mut conn = store.pool().acquire().await.expect("failed to acquire a PostgreSQL connection");
            let mut setting = async |sql: &str| -> String {
                sqlx::query_scalar(sql).fetch_one(&mut *conn).await.expect("failed to read a server setting")
            };
            let version = setting("SELECT version()").await;
            let fsync = setting("SHOW fsync").await;
            let synchronous_commit = setting("SHOW synchronous_commit").await;
            let wal_sync_method = setting("SHOW wal_sync_method").await;
            let autovacuum = setting("SHOW autovacuum").await;
            format!(
                "{version}; fsync={fsync}, synchronous_commit={synchronous_commit}, wal_sync_method={wal_sync_method}, autovacuum={autovacuum}"
            )
        }
    }
}

/// "(met)" or "(**not met**)", for a table's last column.
pub fn verdict(met: bool) -> &'static str {
    if met { "(met)" } else { "(**not met**)" }
}

/// [`verdict`] for a goal set for a log of 1,000,000 events, given only for a log that large.
pub fn judged(events: usize, met: bool) -> &'static str {
    if events >= 1_000_000 { verdict(met) } else { "(the goal is for 1,000,000 events)" }
}

// The raw sqlx baseline: what the database itself does, measured beside the store.

/// The columns of `events`, in the order the raw baseline binds them.
pub const COLUMNS: &str = "position, stream_id, stream_version, event_id, event_type, schema_version, payload, actor, \
     correlation_id, causation_id, source, occurred_at, recorded_at, prev_hash, hash";
/// Untimed inserts before the raw baseline is timed, so that its connection and files are warm.
const RAW_WARM_UP: usize = 20;

/// A count of operations over a measured time.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub count: usize,
    pub elapsed: Duration,
}

impl Rate {
    pub fn per_second(self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }
}

/// Creates `raw_events` as a copy of the live `events` table: same columns, types, keys and
/// indexes, so that the baseline writes rows of the same shape.
pub async fn create_raw_table(db: &TestStore) {
    match db {
        TestStore::Sqlite { store, .. } => {
            let pool = store.pool();
            let schema: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL \
                 ORDER BY type = 'index'",
            )
            .fetch_all(pool)
            .await
            .expect("failed to read the schema of events");
            for (kind, name, sql) in schema {
                let copy = if kind == "table" {
                    sql.replacen("CREATE TABLE events", "CREATE TABLE raw_events", 1)
                } else {
                    sql.replacen(&name, &format!("raw_{name}"), 1).replacen(" ON events", " ON raw_events", 1)
                };
                assert!(copy.contains("raw_events"), "cannot copy the schema of events: {sql}");
                db.execute_raw(&copy).await;
            }
        }
        TestStore::Postgres { .. } => db.execute_raw("CREATE TABLE raw_events (LIKE events INCLUDING ALL)").await,
    }
}

/// One row of the raw baseline: the same event the store would write, with placeholder hashes.
fn raw_row(n: usize) -> (NewEvent, i64) {
    (progress_report("commitment-raw", n), n as i64)
}

/// Plain sqlx: one held connection, and per event `BEGIN`, a single-row `INSERT`, `COMMIT`.
pub async fn raw_single_writer(db: &TestStore, period: Duration) -> Rate {
    let recorded_at = kernel::Timestamp::now();
    let stream = "commitment-raw";
    let hash = [7u8; 32];
    match db {
        TestStore::Sqlite { store, .. } => {
            let mut conn = store.pool().acquire().await.expect("failed to acquire a SQLite connection");
            let sql = format!(
                "INSERT INTO raw_events ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            );
            let mut insert = async |n: usize| {
                let (e, position) = raw_row(n);
                let mut tx = conn.begin().await.expect("BEGIN failed");
                sqlx::query(&sql)
                    .bind(position)
                    .bind(stream)
                    .bind(position)
                    .bind(e.event_id.0)
                    .bind(e.event_type.as_str())
                    .bind(e.schema_version)
                    .bind(e.payload.as_str())
                    .bind(e.metadata.actor.as_str())
                    .bind(e.metadata.correlation_id)
                    .bind(e.metadata.causation_id)
                    .bind(e.metadata.source.as_deref())
                    .bind(e.metadata.occurred_at.as_micros())
                    .bind(recorded_at.as_micros())
                    .bind(hash.as_slice())
                    .bind(hash.as_slice())
                    .execute(&mut *tx)
                    .await
                    .expect("raw INSERT failed");
                tx.commit().await.expect("COMMIT failed");
            };
            for n in 1..=RAW_WARM_UP {
                insert(n).await;
            }
            let start = Instant::now();
            let mut count = 0;
            while start.elapsed() < period {
                count += 1;
                insert(RAW_WARM_UP + count).await;
            }
            Rate { count, elapsed: start.elapsed() }
        }
        TestStore::Postgres { store, .. } => {
            let mut conn = store.pool().acquire().await.expect("failed to acquire a PostgreSQL connection");
            let sql = format!(
                "INSERT INTO raw_events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            );
            let mut insert = async |n: usize| {
                let (e, position) = raw_row(n);
                let mut tx = conn.begin().await.expect("BEGIN failed");
                sqlx::query(&sql)
                    .bind(position)
                    .bind(stream)
                    .bind(position)
                    .bind(e.event_id.0)
                    .bind(e.event_type.as_str())
                    .bind(e.schema_version as i32)
                    .bind(e.payload.as_str())
                    .bind(e.metadata.actor.as_str())
                    .bind(e.metadata.correlation_id)
                    .bind(e.metadata.causation_id)
                    .bind(e.metadata.source.as_deref())
                    .bind(e.metadata.occurred_at.as_datetime())
                    .bind(recorded_at.as_datetime())
                    .bind(hash.as_slice())
                    .bind(hash.as_slice())
                    .execute(&mut *tx)
                    .await
                    .expect("raw INSERT failed");
                tx.commit().await.expect("COMMIT failed");
            };
            for n in 1..=RAW_WARM_UP {
                insert(n).await;
            }
            let start = Instant::now();
            let mut count = 0;
            while start.elapsed() < period {
                count += 1;
                insert(RAW_WARM_UP + count).await;
            }
            Rate { count, elapsed: start.elapsed() }
        }
    }
}

/// Plain sqlx: the same paged query `read_all` runs, with every row fetched but not decoded into
/// a `RecordedEvent`; what is left is the cost of the driver.
pub async fn raw_read_everything(db: &TestStore, page: usize) -> Rate {
    let page = i64::try_from(page).expect("page size fits in i64");
    let start = Instant::now();
    let mut after = 0_i64;
    let mut count = 0;
    macro_rules! read_pages {
        ($pool:expr, $sql:expr) => {
            loop {
                let rows = sqlx::query($sql).bind(after).bind(page).fetch_all($pool).await.expect("raw read failed");
                let Some(last) = rows.last() else { break };
                after = sqlx::Row::try_get(last, 0).expect("position column");
                count += rows.len();
            }
        };
    }
    match db {
        TestStore::Sqlite { store, .. } => read_pages!(
            store.pool(),
            &format!("SELECT {COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2")
        ),
        TestStore::Postgres { store, .. } => read_pages!(
            store.pool(),
            &format!("SELECT {COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2")
        ),
    }
    Rate { count, elapsed: start.elapsed() }
}

/// Latencies of repeated queries.
#[derive(Debug)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self(samples)
    }

    /// The `p`-th percentile, by the nearest-rank method.
    pub fn percentile(&self, p: f64) -> Duration {
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    /// "p50 …, p99 …, max … ms".
    pub fn spread(&self) -> String {
        format!(
            "p50 {} ms, p99 {} ms, max {} ms",
            millis(self.percentile(50.0)),
            millis(self.percentile(99.0)),
            millis(self.max())
        )
    }

    /// How many were measured.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn max(&self) -> Duration {
        self.0.last().copied().unwrap_or_default()
    }

    pub fn mean(&self) -> Duration {
        self.0.iter().sum::<Duration>() / self.0.len().max(1) as u32
    }
}

/// A duration in milliseconds, to two decimals.
pub fn millis(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1_000.0)
}
