//! Test harness shared by the integration tests and the benchmarks: a fresh store per test
//! on SQLite (a temporary file) or PostgreSQL (a database of its own, created from
//! `COVENANT_TEST_POSTGRES_URL` and dropped afterwards), raw SQL access for tampering, realistic
//! events, `spawn_app`, the real HTTP service on a free port over a test's store, and the
//! generated national log the benchmarks (`benches/bench`) load too (`national_log`).
//!
//! The NATS tests run against the server `COVENANT_TEST_NATS_URL` names, and without it say
//! they are skipped ([`nats_url`]).
//!
//! Without `COVENANT_TEST_POSTGRES_URL` the PostgreSQL tests report themselves skipped on the
//! terminal and pass (with it, they fail loudly if the database cannot be reached); so do the
//! NATS tests without `COVENANT_TEST_NATS_URL` and the tests that mount a tmpfs without root
//! ([`skip`]). [`skip_summary!`] ends each test binary's run with one line counting them in the
//! whole `cargo test` run so far, so the last such line is the run's.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kernel::{EventId, EventStore, EventType, Metadata, NewEvent, Payload, SnapshotStore, StreamId, Timestamp};
use sqlx::Connection;
use store_postgres::PostgresStore;
use store_sqlite::SqliteStore;

mod http;
mod interposed;
pub mod national_log;
pub mod oidc;

pub use http::{TestApp, spawn_app, spawn_app_on, spawn_app_with};
pub use interposed::Interposed;

/// Events per append made by the `crash-append` child: large enough that a kill often lands
/// inside one.
pub const CRASH_BATCH: usize = 5_000;

/// The variable that switches the PostgreSQL tests on.
pub const POSTGRES_URL_VAR: &str = "COVENANT_TEST_POSTGRES_URL";

/// The variable that switches the NATS tests on: a NATS server with JetStream
/// (`nats://127.0.0.1:4222`).
pub const NATS_URL_VAR: &str = "COVENANT_TEST_NATS_URL";

/// The NATS server the NATS tests publish to, or `None`, after saying so past the harness's
/// capture, when `COVENANT_TEST_NATS_URL` is not set.
pub fn nats_url(test: &str) -> Option<String> {
    let url = std::env::var(NATS_URL_VAR).ok();
    if url.is_none() {
        skip(test, Needs::Nats);
    }
    url
}

/// What a skipped test needed and was not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// A PostgreSQL server: `COVENANT_TEST_POSTGRES_URL`.
    Postgres,
    /// A NATS server with JetStream: `COVENANT_TEST_NATS_URL`.
    Nats,
    /// Root, to mount a tmpfs.
    Root,
}

impl Needs {
    const ALL: [Needs; 3] = [Needs::Postgres, Needs::Nats, Needs::Root];

    /// Where the tests that need it run, as a phrase after "skipped".
    fn place(self) -> &'static str {
        match self {
            Needs::Postgres => "on PostgreSQL",
            Needs::Nats => "against NATS",
            Needs::Root => "mounting a tmpfs",
        }
    }

    /// What runs them.
    fn how(self) -> String {
        match self {
            Needs::Postgres => {
                format!("set {POSTGRES_URL_VAR} (e.g. postgres://postgres@127.0.0.1:5432/test) to run it")
            }
            Needs::Nats => format!("set {NATS_URL_VAR} (e.g. nats://127.0.0.1:4222, a server run with -js) to run it"),
            Needs::Root => "it needs root (CAP_SYS_ADMIN): run the tests as root".to_owned(),
        }
    }

    /// What runs them, in the summary line.
    fn switch(self) -> &'static str {
        match self {
            Needs::Postgres => POSTGRES_URL_VAR,
            Needs::Nats => NATS_URL_VAR,
            Needs::Root => "root",
        }
    }
}

/// Tests skipped, counted by what they needed.
#[derive(Debug, Default)]
pub struct Skips([AtomicUsize; 3]);

impl Skips {
    /// Counts one test skipped for want of `needs`.
    pub fn count(&self, needs: Needs) {
        self.0[needs as usize].fetch_add(1, Ordering::SeqCst);
    }

    fn total(&self) -> usize {
        self.0.iter().map(|n| n.load(Ordering::SeqCst)).sum()
    }

    /// How many were skipped for want of each of [`Needs::ALL`].
    fn counts(&self) -> [usize; 3] {
        self.0.each_ref().map(|n| n.load(Ordering::SeqCst))
    }

    /// The one line that ends a run with skipped tests: how many, where, and what runs them;
    /// none when nothing was skipped. It does not begin with `SKIPPED`, which CI looks for.
    pub fn line(&self) -> Option<String> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let parts: Vec<String> = Needs::ALL
            .iter()
            .filter_map(|&needs| {
                let n = self.0[needs as usize].load(Ordering::SeqCst);
                (n > 0).then(|| format!("{n} {} ({})", needs.place(), needs.switch()))
            })
            .collect();
        let tests = if total == 1 { "test was" } else { "tests were" };
        Some(format!(
            "{total} {tests} skipped and counted as passed in this run so far: {}; set the variables named (or run as root) to run them",
            parts.join(", ")
        ))
    }
}

impl From<[usize; 3]> for Skips {
    fn from(counts: [usize; 3]) -> Self {
        Skips(counts.map(AtomicUsize::new))
    }
}

/// The tests of this test binary skipped so far.
static SKIPPED: Skips = Skips([AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)]);

/// Says, past the harness's capture so that a plain `cargo test` shows it, that `test` is
/// skipped for want of `needs` and what runs it, and counts it for [`report_skipped`].
pub fn skip(test: &str, needs: Needs) {
    SKIPPED.count(needs);
    let _ = writeln!(std::io::stderr(), "SKIPPED {test} {}: {}", needs.place(), needs.how());
}

/// Says, past the harness's capture, how many tests were skipped in this `cargo test` run so far
/// (this binary's and those of the binaries that ran before it) and what runs them, once this
/// binary's count has settled; the last binary's line is the whole run's. Called by the test that
/// [`skip_summary!`] adds, which the harness starts last: by then every other test has started,
/// and a test skips as it starts, so the count settles within moments.
pub fn report_skipped() {
    let settled_for = Duration::from_millis(500);
    let give_up = Instant::now() + Duration::from_secs(10);
    let mut seen = SKIPPED.total();
    let mut since = Instant::now();
    while since.elapsed() < settled_for && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(20));
        let now = SKIPPED.total();
        if now != seen {
            (seen, since) = (now, Instant::now());
        }
    }
    let here = SKIPPED.counts();
    let run = RunTally::of_this_run().add(here).unwrap_or(here);
    if let Some(line) = Skips::from(run).line() {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// The skips of one `cargo test` run, kept as a file per test binary in a directory named for
/// the run (the process that started the binaries, which is cargo's for every binary of one run).
struct RunTally(std::path::PathBuf);

impl RunTally {
    /// The tally of this run, after removing those of runs that ended an hour ago or more.
    fn of_this_run() -> Self {
        let prefix = "covenant-test-skips-";
        let run = std::os::unix::process::parent_id();
        let temp = std::env::temp_dir();
        for entry in std::fs::read_dir(&temp).into_iter().flatten().flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > Duration::from_secs(3600)));
            if old && entry.file_name().to_string_lossy().starts_with(prefix) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        RunTally(temp.join(format!("{prefix}{run}")))
    }

    /// Keeps this binary's counts and answers the run's so far; `None` when the directory cannot
    /// be written or read, and then the binary speaks for itself alone.
    fn add(&self, counts: [usize; 3]) -> Option<[usize; 3]> {
        let binary = std::env::current_exe().ok()?.file_name()?.to_string_lossy().into_owned();
        std::fs::create_dir_all(&self.0).ok()?;
        let text = counts.map(|n| n.to_string()).join(" ");
        std::fs::write(self.0.join(binary), text).ok()?;
        let mut run = [0; 3];
        for entry in std::fs::read_dir(&self.0).ok()? {
            let kept = std::fs::read_to_string(entry.ok()?.path()).ok()?;
            for (total, n) in run.iter_mut().zip(kept.split(' ')) {
                *total += n.parse::<usize>().ok()?;
            }
        }
        Some(run)
    }
}

/// Adds the test that ends a test binary's run with one line saying how many tests were
/// skipped and what runs them ([`report_skipped`]). Its name sorts after every other test's,
/// and the harness starts tests in name order, so it starts last.
#[macro_export]
macro_rules! skip_summary {
    () => {
        #[test]
        fn zzz_skip_summary() {
            $crate::report_skipped();
        }
    };
}

#[cfg(test)]
mod skip_tests {
    use super::*;

    #[test]
    fn the_summary_counts_every_kind_of_skip_and_names_what_runs_them() {
        let skips = Skips::default();
        assert_eq!(skips.line(), None, "nothing skipped, nothing said");
        skips.count(Needs::Postgres);
        assert_eq!(
            skips.line().as_deref(),
            Some(
                "1 test was skipped and counted as passed in this run so far: 1 on PostgreSQL (COVENANT_TEST_POSTGRES_URL); set the variables named (or run as root) to run them"
            )
        );
        skips.count(Needs::Postgres);
        skips.count(Needs::Nats);
        skips.count(Needs::Root);
        let line = skips.line().expect("a line");
        assert!(
            line.starts_with("4 tests were skipped and counted as passed in this run so far: 2 on PostgreSQL (COVENANT_TEST_POSTGRES_URL), 1 against NATS (COVENANT_TEST_NATS_URL), 1 mounting a tmpfs (root);"),
            "{line}"
        );
        assert!(!line.starts_with("SKIPPED"), "CI looks for lines beginning SKIPPED, one per test");
    }

    #[test]
    fn the_run_tally_adds_every_binary_of_the_run_once() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let tally = RunTally(directory.path().join("run"));
        assert_eq!(tally.add([2, 0, 0]), Some([2, 0, 0]), "the first binary speaks for itself");
        std::fs::write(tally.0.join("cli-0123456789abcdef"), "3 1 0").expect("another binary's counts");
        assert_eq!(tally.add([2, 0, 1]), Some([5, 1, 1]), "this binary's latest counts and the other's");
        assert_eq!(Skips::from([5, 1, 1]).line().as_deref().map(|l| l.starts_with("7 tests were skipped")), Some(true));
    }
}

/// A store under test, with what it takes to reach its database directly.
#[derive(Debug)]
pub enum TestStore {
    Sqlite { store: SqliteStore, path: std::path::PathBuf, _dir: tempfile::TempDir },
    Postgres { store: PostgresStore, url: String, admin_url: String, database: String },
}

impl TestStore {
    /// A fresh SQLite store in a temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("failed to create a temporary directory");
        let path = dir.path().join("covenant.db");
        let store = SqliteStore::open(&path).await.expect("failed to open a SQLite store");
        TestStore::Sqlite { store, path, _dir: dir }
    }

    /// A fresh PostgreSQL store in a database of its own, or `None` (after saying so on the
    /// terminal) when `COVENANT_TEST_POSTGRES_URL` is not set.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            skip(test, Needs::Postgres);
            return None;
        };
        Some(Self::postgres_at(&admin_url, "covenant_test").await)
    }

    /// A fresh PostgreSQL store in a new database named `<prefix>_<uuid>`, created through the
    /// server at `admin_url` and dropped by [`TestStore::finish`]. Panics if the server cannot
    /// be reached.
    pub async fn postgres_at(admin_url: &str, prefix: &str) -> Self {
        let database = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("the PostgreSQL server at {admin_url} cannot be reached: {e}"));
        sqlx::query(&format!("CREATE DATABASE {database}"))
            .execute(&mut admin)
            .await
            .expect("failed to create a database for the store");
        let url = database_url(admin_url, &database);
        let store = PostgresStore::open(&url).await.expect("failed to open a PostgreSQL store");
        TestStore::Postgres { store, url, admin_url: admin_url.to_owned(), database }
    }

    /// Another fresh, empty store on the same backend (on PostgreSQL, on the same server), to be
    /// closed with its own [`TestStore::finish`].
    pub async fn another(&self) -> Self {
        match self {
            TestStore::Sqlite { .. } => Self::sqlite().await,
            TestStore::Postgres { admin_url, .. } => Self::postgres_at(admin_url, "covenant_test").await,
        }
    }

    pub fn store(&self) -> &dyn EventStore {
        match self {
            TestStore::Sqlite { store, .. } => store,
            TestStore::Postgres { store, .. } => store,
        }
    }

    /// Another handle on the same store (same writer, same pool) that tasks can own.
    pub fn shared(&self) -> std::sync::Arc<dyn EventStore> {
        match self {
            TestStore::Sqlite { store, .. } => std::sync::Arc::new(store.clone()),
            TestStore::Postgres { store, .. } => std::sync::Arc::new(store.clone()),
        }
    }

    /// How many rows the table `table` holds, counted in the database itself, on a connection of
    /// its own.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match self {
            TestStore::Sqlite { path, .. } => {
                let url = format!("sqlite://{}", path.display());
                let mut connection = sqlx::SqliteConnection::connect(&url).await.expect("a SQLite connection");
                sqlx::query_scalar(&sql).fetch_one(&mut connection).await.expect("a count")
            }
            TestStore::Postgres { url, .. } => {
                let mut connection = sqlx::PgConnection::connect(url).await.expect("a PostgreSQL connection");
                sqlx::query_scalar(&sql).fetch_one(&mut connection).await.expect("a count")
            }
        }
    }

    /// The migrations applied to this database, as `(version, checksum)` in order of version.
    pub async fn applied_migrations(&self) -> Vec<(i64, Vec<u8>)> {
        let sql = "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version";
        match self {
            TestStore::Sqlite { store, .. } => sqlx::query_as(sql).fetch_all(store.pool()).await,
            TestStore::Postgres { store, .. } => sqlx::query_as(sql).fetch_all(store.pool()).await,
        }
        .expect("the migrations table")
    }

    /// The application layer's stores on this database, opened afresh.
    pub async fn stores(&self) -> app::Stores {
        let url = match self {
            TestStore::Sqlite { path, .. } => app::DatabaseUrl::Sqlite(path.clone()),
            TestStore::Postgres { url, .. } => app::DatabaseUrl::Postgres(url.clone()),
        };
        app::open_store(&url).await.expect("failed to open the application's stores")
    }

    /// The tables beside the log, as `kernel` writes them.
    pub fn tables(&self) -> &dyn kernel::SqlTables {
        match self {
            TestStore::Sqlite { store, .. } => store,
            TestStore::Postgres { store, .. } => store,
        }
    }

    pub fn snapshots(&self) -> &dyn SnapshotStore {
        match self {
            TestStore::Sqlite { store, .. } => store,
            TestStore::Postgres { store, .. } => store,
        }
    }

    /// A second, independent store instance (its own pool and writer) on the same database.
    pub async fn open_another(&self) -> Box<dyn EventStore> {
        match self {
            TestStore::Sqlite { path, .. } => Box::new(SqliteStore::open(path).await.expect("failed to reopen")),
            TestStore::Postgres { url, .. } => Box::new(PostgresStore::open(url).await.expect("failed to reopen")),
        }
    }

    /// As [`TestStore::open_another`], with appends that leave the Merkle tree behind
    /// ([`kernel::TreeUpkeep::LeftBehind`]): what the store benchmark measures the tree's cost
    /// against.
    pub async fn open_leaving_tree_behind(&self) -> Box<dyn EventStore> {
        let (mode, tree) = (kernel::OpenMode::Existing, kernel::TreeUpkeep::LeftBehind);
        match self {
            TestStore::Sqlite { path, .. } => {
                let opening = store_sqlite::Opening { tree, ..store_sqlite::Opening::new(mode) };
                Box::new(SqliteStore::open_as(path, opening).await.expect("failed to reopen"))
            }
            TestStore::Postgres { url, .. } => {
                Box::new(PostgresStore::open_keeping(url, mode, tree).await.expect("failed to reopen"))
            }
        }
    }

    /// What a child process needs to open the same store: backend name and location.
    pub fn location(&self) -> (&'static str, String) {
        match self {
            TestStore::Sqlite { path, .. } => ("sqlite", path.display().to_string()),
            TestStore::Postgres { url, .. } => ("postgres", url.clone()),
        }
    }

    /// Runs SQL directly against the database, bypassing the store: for tampering tests.
    pub async fn execute_raw(&self, sql: &str) {
        match self {
            TestStore::Sqlite { store, .. } => {
                sqlx::query(sql).execute(store.pool()).await.expect("raw SQL failed");
            }
            TestStore::Postgres { store, .. } => {
                sqlx::query(sql).execute(store.pool()).await.expect("raw SQL failed");
            }
        }
    }

    /// Waits, for at most ten seconds, until no other session is running a statement on this
    /// database: on PostgreSQL, a transaction whose client was killed after sending its commit
    /// may still be committing on the server. Nothing to wait for on SQLite.
    pub async fn await_other_sessions(&self) {
        let TestStore::Postgres { store, .. } = self else { return };
        let busy = "SELECT COUNT(*) FROM pg_stat_activity \
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'";
        for _ in 0..100 {
            let running: i64 = sqlx::query_scalar(busy).fetch_one(store.pool()).await.expect("pg_stat_activity");
            if running == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("another session still runs a statement after ten seconds");
    }

    /// Takes the stored Merkle tree away, as from a database written before the tree was kept:
    /// every event's `tree` column set to NULL.
    pub async fn forget_tree(&self) {
        self.execute_raw("UPDATE events SET tree = NULL").await;
    }

    /// How many leaves (events) the stored Merkle tree holds.
    pub async fn tree_leaves(&self) -> i64 {
        self.count_rows("events WHERE tree IS NOT NULL").await
    }

    /// Overwrites the stored hash of the tree node of `level` ([`kernel::STORED_FROM`] or more:
    /// the levels below are computed from the events' chain hashes) and `index`, in the `tree`
    /// column of the event that ends its range, with 32 zero bytes: for tampering tests.
    pub async fn zero_tree_node(&self, level: u8, index: u64) {
        let node = kernel::NodeId::new(level, index);
        assert!(node.is_stored(), "the nodes below level {} are not stored", kernel::STORED_FROM);
        let position = node.holder();
        let from = u64::from(level - kernel::STORED_FROM) * 32;
        let sql = match self {
            TestStore::Sqlite { .. } => format!(
                "UPDATE events SET tree = unhex(substr(hex(tree), 1, {}) || hex(zeroblob(32)) \
                 || substr(hex(tree), {})) WHERE position = {position}",
                from * 2,
                (from + 32) * 2 + 1
            ),
            TestStore::Postgres { .. } => format!(
                "UPDATE events SET tree = overlay(tree PLACING decode(repeat('00', 32), 'hex') FROM {} FOR 32) \
                 WHERE position = {position}",
                from + 1
            ),
        };
        self.execute_raw(&sql).await;
    }

    /// Closes the store and, on PostgreSQL, drops its database.
    pub async fn finish(self) {
        match self {
            TestStore::Sqlite { store, .. } => store.close().await,
            TestStore::Postgres { store, admin_url, database, .. } => {
                // Closing a pool waits for every connection to come back; a connection held by a
                // task the test left running (a service's follower, a listener) may never come
                // back. The DROP below ends such connections anyway, so waiting is bounded.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), store.close()).await;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            }
        }
    }
}

/// `admin_url` with its database replaced by `database`.
fn database_url(admin_url: &str, database: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

/// Runs a test body against a fresh store on each backend: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let db = $crate::TestStore::sqlite().await;
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(db) = $crate::TestStore::postgres(concat!(module_path!(), "::", stringify!($name))).await else {
                        return;
                    };
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

pub fn stream(id: &str) -> StreamId {
    StreamId::parse(id).expect("valid stream id")
}

/// A progress report of about 300 bytes, as a partner would send for an action in the
/// Lincolnshire Homes for Independence delivery plan.
pub fn progress_report(commitment: &str, n: usize) -> NewEvent {
    report_event(&workload::ProgressReport::new(commitment, n), Timestamp::parse("2021-07-15").expect("valid date"))
}

/// `report` as the event a partner's officer records, decided at `occurred_at`.
pub fn report_event(report: &workload::ProgressReport, occurred_at: Timestamp) -> NewEvent {
    NewEvent {
        event_id: EventId::new(),
        event_type: EventType::parse("ProgressReported").expect("valid type"),
        schema_version: 1,
        payload: Payload::from_serialize(report).expect("object payload"),
        metadata: Metadata {
            source: Some("HHCDG delivery plan quarterly return".into()),
            ..Metadata::new("officer@west-lindsey.gov.uk", occurred_at)
        },
    }
}

/// A `make` command for a West Lindsey action towards the Homes for Independence Blueprint of
/// the Lincolnshire story, `id` named by `n`, for tests that need commitments to report on.
pub fn make_commitment(n: usize) -> serde_json::Value {
    serde_json::json!({
        "aggregate": "commitment",
        "command": "make",
        "id": commitment_id(n),
        "title": format!("Home adaptations fast track, locality {n}"),
        "organisation": "GB-LAE-WLI",
        "lead": "Housing Services Manager",
        "towards": {"instrument": "lincolnshire-homes-for-independence-blueprint", "objective": "plan-ahead"},
        "due_on": "2026-03-31",
        "made_on": "2025-04-01"
    })
}

/// The id of the commitment [`make_commitment`] makes.
pub fn commitment_id(n: usize) -> String {
    format!("west-lindsey-adaptations-{n}")
}

/// A `report_progress` command on `commitment`, told apart from every other by its `narrative`.
pub fn report_progress(commitment: &str, narrative: &str) -> serde_json::Value {
    serde_json::json!({
        "aggregate": "commitment",
        "command": "report_progress",
        "id": commitment,
        "status": "green",
        "percent_complete": 40,
        "narrative": narrative,
        "period": {"label": "2025/26 Q2", "from": "2025-07-01", "to": "2025-09-30"},
        "reported_on": "2025-10-15"
    })
}

/// How many times each progress report's narrative is in the log, and the position of each.
pub async fn narratives(store: &dyn EventStore) -> std::collections::HashMap<String, Vec<u64>> {
    let mut found: std::collections::HashMap<String, Vec<u64>> = std::collections::HashMap::new();
    let mut after = kernel::Position::ZERO;
    loop {
        let page = store.read_all(after, 1_000).await.expect("failed to read the log");
        let Some(last) = page.last() else { break };
        after = last.position;
        for event in page.iter().filter(|e| e.event_type.as_str() == "CommitmentProgressReported") {
            let payload: serde_json::Value = serde_json::from_str(event.payload.as_str()).expect("a JSON payload");
            if let Some(narrative) = payload["narrative"].as_str() {
                found.entry(narrative.to_owned()).or_default().push(event.position.0);
            }
        }
    }
    found
}
