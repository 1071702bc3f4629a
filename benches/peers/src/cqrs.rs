//! The workloads with cqrs-es, on sqlite-es or postgres-es: commands through `CqrsFramework`,
//! aggregates loaded by its event store, and the projection replayed by `QueryReplay` through a
//! `Query`. The log of workloads 5 and 6 is seeded (untimed) by bulk inserts of rows in the
//! libraries' own table format.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{PersistedEventRepository, PersistedEventStore, QueryReplay};
use cqrs_es::{
    Aggregate, AggregateContext, AggregateError, CqrsFramework, DomainEvent, EventEnvelope, EventStore, Query,
};
use postgres_es::PostgresEventRepository;
use serde::{Deserialize, Serialize};
use sqlite_es::SqliteEventRepository;
use sqlx::{Pool, Postgres, QueryBuilder, Sqlite};
use workload::{
    AGGREGATE_EVENTS, CONTENDED_STREAMS, CONTENDING_WRITERS, Digest, Figure, ProgressBoard, ProgressReport, Sizes,
    WARM_UP, WRITERS, Workload, as_of_queries, commitment_id, commitments_of, log_event,
};

use crate::Backend;
use crate::db::{Fresh, describe_postgres, describe_sqlite};

const SYSTEM: &str = "cqrs-es";
/// Rows per seeding insert: 7 parameters a row, under SQLite's limit of 32,766.
const SEED_ROWS: usize = 4_000;

/// A commitment of a delivery plan, the aggregate every command and load goes through.
/// Serialised whole (the board too) when its aggregate store keeps it as a snapshot (workload 8).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Commitment {
    reports: usize,
    board: ProgressBoard,
}

/// The one event: the report, stored as its own JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProgressReported(ProgressReport);

impl DomainEvent for ProgressReported {
    fn event_type(&self) -> String {
        "ProgressReported".to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

/// Report progress on the commitment: the next report in its sequence.
#[derive(Debug)]
pub struct ReportProgress {
    commitment: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the report was refused")]
pub struct Refused;

impl Aggregate for Commitment {
    const TYPE: &'static str = "commitment";
    type Command = ReportProgress;
    type Event = ProgressReported;
    type Error = Refused;
    type Services = ();

    async fn handle(&mut self, command: Self::Command, _: &(), sink: &EventSink<Self>) -> Result<(), Self::Error> {
        let event = ProgressReported(ProgressReport::new(&command.commitment, self.reports));
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.reports += 1;
        self.board.apply(&event.0);
    }
}

/// The projection as a cqrs-es query.
#[derive(Debug, Default)]
struct BoardQuery(Mutex<ProgressBoard>);

#[async_trait]
impl Query<Commitment> for BoardQuery {
    async fn dispatch(&self, _: &str, events: &[EventEnvelope<Commitment>]) {
        let mut board = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for event in events {
            board.apply(&event.payload.0);
        }
    }
}

pub async fn run(backend: Backend, sizes: &Sizes) {
    match backend {
        Backend::Sqlite => {
            let (fresh, pool) = Fresh::sqlite().await;
            eprintln!("  {}", describe_sqlite(&pool).await);
            create_sqlite_tables(&pool).await;
            let repo = {
                let pool = pool.clone();
                move || SqliteEventRepository::new(pool.clone())
            };
            commands(backend, &repo, None, sizes).await;
            pool.close().await;
            fresh.remove().await;

            let (fresh, pool) = Fresh::sqlite().await;
            create_sqlite_tables(&pool).await;
            eprintln!("  seeding the log of {} events (untimed)", sizes.events);
            seed_sqlite(&pool, sizes).await;
            let repo = {
                let pool = pool.clone();
                move || SqliteEventRepository::new(pool.clone())
            };
            reads(backend, &repo, sizes).await;
            pool.close().await;
            fresh.remove().await;
        }
        Backend::Postgres => {
            let (fresh, pool) = Fresh::postgres().await;
            eprintln!("  {}", describe_postgres(&pool).await);
            create_postgres_tables(&pool).await;
            let repo = {
                let pool = pool.clone();
                move || PostgresEventRepository::new(pool.clone())
            };
            commands(backend, &repo, Some(&pool), sizes).await;
            pool.close().await;
            fresh.remove().await;

            let (fresh, pool) = Fresh::postgres().await;
            create_postgres_tables(&pool).await;
            eprintln!("  seeding the log of {} events (untimed)", sizes.events);
            seed_postgres(&pool, sizes).await;
            analyze(Some(&pool)).await;
            let repo = {
                let pool = pool.clone();
                move || PostgresEventRepository::new(pool.clone())
            };
            reads(backend, &repo, sizes).await;
            pool.close().await;
            fresh.remove().await;
        }
    }
}

fn figure(backend: Backend, workload: Workload, count: usize, elapsed: Duration, check: String) {
    Figure::new(SYSTEM, backend.name(), workload, count, elapsed.as_secs_f64(), check).print();
}

/// Workloads 1 to 4 and 8, through `CqrsFramework::execute` and the event store's `load_aggregate`;
/// on PostgreSQL (`postgres`), the table analysed before the workloads that read it.
async fn commands<R: PersistedEventRepository + 'static>(
    backend: Backend,
    repo: &impl Fn() -> R,
    postgres: Option<&Pool<Postgres>>,
    sizes: &Sizes,
) {
    let period = Duration::from_secs_f64(sizes.seconds);
    let cqrs = Arc::new(CqrsFramework::new(PersistedEventStore::new_event_store(repo()), vec![], ()));
    let run = uuid::Uuid::new_v4().simple().to_string();

    eprintln!("  1: one writer, {:.1} s", sizes.seconds);
    let (count, elapsed) = writers(&cqrs, &format!("{run}-single"), 1, period).await;
    figure(backend, Workload::SingleWriter, count, elapsed, format!("{count} appends"));
    eprintln!("  2: {WRITERS} writers, {:.1} s", sizes.seconds);
    let (count, elapsed) = writers(&cqrs, &format!("{run}-many"), WRITERS, period).await;
    figure(backend, Workload::ConcurrentWriters, count, elapsed, format!("{count} appends"));

    analyze(postgres).await;
    eprintln!("  3: {CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams, {:.1} s", sizes.seconds);
    contended(backend, Workload::Contended, &cqrs, &format!("{run}-contended"), period).await;
    eprintln!(
        "  8: {CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams through the aggregate store (each aggregate's state in the snapshots table), {:.1} s",
        sizes.seconds
    );
    let snapshots = Arc::new(CqrsFramework::new(PersistedEventStore::new_aggregate_store(repo()), vec![], ()));
    contended(backend, Workload::ContendedCached, &snapshots, &format!("{run}-cached"), period).await;

    eprintln!("  4: {} loads of an aggregate of {AGGREGATE_EVENTS} events", sizes.loads);
    let id = "commitment-loaded";
    for _ in 0..AGGREGATE_EVENTS {
        cqrs.execute(id, ReportProgress { commitment: id.to_owned() })
            .await
            .unwrap_or_else(|e| panic!("a command failed: {e}"));
    }
    analyze(postgres).await;
    let store = PersistedEventStore::<R, Commitment>::new_event_store(repo());
    let mut digest = Digest::default();
    let start = Instant::now();
    for _ in 0..sizes.loads {
        let mut context = store.load_aggregate(id).await.unwrap_or_else(|e| panic!("the aggregate loads: {e}"));
        digest.add(&context.aggregate().board.digest());
    }
    figure(backend, Workload::LoadAggregate, sizes.loads, start.elapsed(), digest.to_string());
}

/// Gathers the planner's statistics of the events table on PostgreSQL, as autovacuum would after
/// the rows the untimed setup or the workloads before wrote (the servers measured run without it).
async fn analyze(postgres: Option<&Pool<Postgres>>) {
    if let Some(pool) = postgres {
        sqlx::query("ANALYZE events").execute(pool).await.unwrap_or_else(|e| panic!("ANALYZE failed: {e}"));
    }
}

/// Workload 3 (or 8, with `cqrs` keeping aggregates in the snapshots table): each writer executes
/// the next report on one of the contended commitments; a conflict is counted and retried.
async fn contended<R: PersistedEventRepository + 'static>(
    backend: Backend,
    workload: Workload,
    cqrs: &Arc<CqrsFramework<Commitment, PersistedEventStore<R, Commitment>>>,
    run: &str,
    period: Duration,
) {
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONTENDING_WRITERS)
        .map(|w| {
            let cqrs = cqrs.clone();
            let id = format!("commitment-{run}-{}", w % CONTENDED_STREAMS);
            tokio::spawn(async move {
                let (mut done, mut retries) = (0, 0);
                while start.elapsed() < period {
                    match cqrs.execute(&id, ReportProgress { commitment: id.clone() }).await {
                        Ok(()) => done += 1,
                        Err(AggregateError::AggregateConflict) => retries += 1,
                        Err(e) => panic!("a command failed: {e}"),
                    }
                }
                (done, retries)
            })
        })
        .collect();
    let (mut count, mut retries) = (0, 0);
    for task in tasks {
        let (done, retried) = task.await.unwrap_or_else(|e| panic!("a writer task failed: {e}"));
        count += done;
        retries += retried;
    }
    figure(backend, workload, count, start.elapsed(), format!("{count} commands, {retries} conflicts retried"));
}

/// `n` tasks, each executing commands on new commitments of its own, each awaited before that
/// task's next.
async fn writers<R: PersistedEventRepository + 'static>(
    cqrs: &Arc<CqrsFramework<Commitment, PersistedEventStore<R, Commitment>>>,
    run: &str,
    n: usize,
    period: Duration,
) -> (usize, Duration) {
    for k in 0..WARM_UP {
        let id = format!("commitment-{run}-warm-{k}");
        cqrs.execute(&id, ReportProgress { commitment: id.clone() })
            .await
            .unwrap_or_else(|e| panic!("a command failed: {e}"));
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|w| {
            let cqrs = cqrs.clone();
            let run = run.to_owned();
            tokio::spawn(async move {
                let mut k = 0;
                while start.elapsed() < period {
                    let id = format!("commitment-{run}-{w}-{k}");
                    cqrs.execute(&id, ReportProgress { commitment: id.clone() })
                        .await
                        .unwrap_or_else(|e| panic!("a command failed: {e}"));
                    k += 1;
                }
                k
            })
        })
        .collect();
    let mut count = 0;
    for task in tasks {
        count += task.await.unwrap_or_else(|e| panic!("a writer task failed: {e}"));
    }
    (count, start.elapsed())
}

/// Workloads 5 and 6 on the seeded log: `QueryReplay::replay_all` through the projection, and
/// each query's commitments loaded with `load_events` and folded as of the day.
async fn reads<R: PersistedEventRepository + 'static>(backend: Backend, repo: &impl Fn() -> R, sizes: &Sizes) {
    eprintln!("  5: replay through the projection");
    let query = Arc::new(BoardQuery::default());
    let replay = QueryReplay::<R, _, Commitment>::new(repo(), ArcQuery(query.clone()));
    let start = Instant::now();
    replay.replay_all().await.unwrap_or_else(|e| panic!("the replay failed: {e}"));
    let elapsed = start.elapsed();
    let digest = query.0.lock().unwrap_or_else(|e| e.into_inner()).digest();
    figure(backend, Workload::Replay, digest.reports as usize, elapsed, digest.to_string());

    eprintln!("  6: {} as-of queries of one instrument", sizes.queries);
    let store = PersistedEventStore::<R, Commitment>::new_event_store(repo());
    let mut digest = Digest::default();
    let start = Instant::now();
    for (instrument, day) in as_of_queries(sizes) {
        let mut board = ProgressBoard::default();
        for c in commitments_of(instrument) {
            let events = store.load_events(&commitment_id(c)).await.unwrap_or_else(|e| panic!("load_events: {e}"));
            for event in &events {
                board.apply_as_of(&event.payload.0, &day);
            }
        }
        digest.add(&board.digest());
    }
    figure(backend, Workload::AsOf, sizes.queries, start.elapsed(), digest.to_string());
}

/// A shared query, so that the replay's projection can be read after it.
struct ArcQuery(Arc<BoardQuery>);

#[async_trait]
impl Query<Commitment> for ArcQuery {
    async fn dispatch(&self, id: &str, events: &[EventEnvelope<Commitment>]) {
        self.0.dispatch(id, events).await;
    }
}

/// The events and snapshots tables of sqlite-es's migration (the snapshots for workload 8).
async fn create_sqlite_tables(pool: &Pool<Sqlite>) {
    create_tables(
        pool,
        "CREATE TABLE events (
           aggregate_type text NOT NULL,
           aggregate_id text NOT NULL,
           sequence integer CHECK (sequence >= 0) NOT NULL,
           event_type text NOT NULL,
           event_version text NOT NULL,
           payload text NOT NULL,
           metadata text NOT NULL,
           PRIMARY KEY (aggregate_type, aggregate_id, sequence)
         ) STRICT",
        "CREATE TABLE snapshots (
           aggregate_type text NOT NULL,
           aggregate_id text NOT NULL,
           last_sequence integer CHECK (last_sequence >= 0) NOT NULL,
           current_snapshot integer CHECK (current_snapshot >= 0) NOT NULL,
           payload text NOT NULL,
           PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
         ) STRICT",
    )
    .await;
}

/// The events and snapshots tables of postgres-es's `db/init.sql`.
async fn create_postgres_tables(pool: &Pool<Postgres>) {
    create_tables(
        pool,
        "CREATE TABLE events (
           aggregate_type text NOT NULL,
           aggregate_id text NOT NULL,
           sequence bigint CHECK (sequence >= 0) NOT NULL,
           event_type text NOT NULL,
           event_version text NOT NULL,
           payload json NOT NULL,
           metadata json NOT NULL,
           PRIMARY KEY (aggregate_type, aggregate_id, sequence)
         )",
        "CREATE TABLE snapshots (
           aggregate_type text NOT NULL,
           aggregate_id text NOT NULL,
           last_sequence bigint CHECK (last_sequence >= 0) NOT NULL,
           current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
           payload json NOT NULL,
           PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
         )",
    )
    .await;
}

async fn create_tables<DB: sqlx::Database>(pool: &Pool<DB>, events: &str, snapshots: &str)
where
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    for (table, sql) in [("events", events), ("snapshots", snapshots)] {
        sqlx::query(sql).execute(pool).await.unwrap_or_else(|e| panic!("failed to create the {table} table: {e}"));
    }
}

/// The seeded rows: aggregate id, sequence (1-based, as cqrs-es numbers them) and payload.
fn seed_rows(sizes: &Sizes, first: usize) -> Vec<(String, i64, String)> {
    (first..(first + SEED_ROWS).min(sizes.events))
        .map(|i| {
            let (c, report) = log_event(sizes, i);
            let sequence = (i / sizes.commitments() + 1) as i64;
            (commitment_id(c), sequence, report.to_json())
        })
        .collect()
}

async fn seed_sqlite(pool: &Pool<Sqlite>, sizes: &Sizes) {
    for first in (0..sizes.events).step_by(SEED_ROWS) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) ",
        );
        insert.push_values(seed_rows(sizes, first), |mut row, (id, sequence, payload)| {
            row.push_bind(Commitment::TYPE)
                .push_bind(id)
                .push_bind(sequence)
                .push_bind("ProgressReported")
                .push_bind("1.0")
                .push_bind(payload)
                .push_bind("{}");
        });
        insert.build().execute(pool).await.unwrap_or_else(|e| panic!("seeding failed: {e}"));
    }
}

async fn seed_postgres(pool: &Pool<Postgres>, sizes: &Sizes) {
    for first in (0..sizes.events).step_by(SEED_ROWS) {
        let mut insert = QueryBuilder::<Postgres>::new(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) ",
        );
        insert.push_values(seed_rows(sizes, first), |mut row, (id, sequence, payload)| {
            row.push_bind(Commitment::TYPE)
                .push_bind(id)
                .push_bind(sequence)
                .push_bind("ProgressReported")
                .push_bind("1.0")
                .push_bind(payload)
                .push_unseparated("::json")
                .push_bind("{}")
                .push_unseparated("::json");
        });
        insert.build().execute(pool).await.unwrap_or_else(|e| panic!("seeding failed: {e}"));
    }
}
